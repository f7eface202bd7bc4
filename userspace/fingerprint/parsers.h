// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Internal: one strict matcher per protocol, dispatched by fingerprint.cpp and fuzzed one by one
// (tests/fuzz). Each returns true only when the bytes are that protocol; only then does it set
// out.app and out.role and append evidence. On false it leaves `out` untouched.
#pragma once

#include <string_view>

#include "fingerprint/byte_reader.h"
#include "fingerprint/fingerprint.h"

namespace protoport::fingerprint::detail {

// DNS wire format: a UDP datagram, or on TCP a 2-byte length prefix then the message.
bool match_dns(Bytes bytes, Transport transport, Result& out);
// HTTP/1.x request or response, or the HTTP/2 cleartext preface (TCP only).
bool match_http(Bytes bytes, Result& out);
// TLS record layer (handshake, alert, change cipher spec, application data) or an SSLv2-format
// ClientHello (TCP only).
bool match_tls(Bytes bytes, Result& out);
// SMTP: 220 greeting naming (E)SMTP, EHLO/HELO, multi-line 250 reply (TCP only).
bool match_smtp(Bytes bytes, Result& out);
// What a 220 greeting names: SMTP (an "SMTP"/"ESMTP" word), FTP ("ftp" anywhere, and no SMTP
// word), or nothing. Reads the greeting's lines as far as the sample holds them.
enum class Greeting220 { none, smtp, ftp };
Greeting220 read_220_greeting(Bytes bytes, Bytes* first_line);

// Look-alikes named so they are not taken for one of the four: SSH identification, FTP greeting,
// POP3 and IMAP greetings (TCP only).
bool match_others(Bytes bytes, Result& out);

// The protocol groups beyond the four. Each switches on the first byte to the few parsers that
// could match, so that random bytes cost a rejection or two; each parser is strict (a field
// outside what the protocol's servers accept is a rejection) and never reads past `bytes`.
// text.cpp: SIP, RTSP, SSDP, IRC, and an HTTP/2 server's first SETTINGS frame (http).
bool match_text(Bytes bytes, Transport transport, Result& out);
// tunnels.cpp: QUIC, DTLS, OpenVPN, WireGuard, STUN/TURN, SOCKS.
bool match_tunnels(Bytes bytes, Transport transport, Result& out);
// services.cpp: MQTT, RDP, SMB, DCE/RPC, LDAP, VNC, Telnet, Redis, MySQL, PostgreSQL.
bool match_services(Bytes bytes, Transport transport, Result& out);
// Forms sent only after a protocol's opening (see fingerprint::continuation_form), per group.
bool continuation_tunnels(Bytes bytes, Transport transport);
bool continuation_services(Bytes bytes, Transport transport);

// A verdict for the text and services groups: `out` becomes app/role with the evidence
// app_version and app_target where given (not empty). Returns true, for `return accept_as(...)`.
bool accept_as(Result& out, App app, Role role, Bytes version = {}, Bytes target = {});

// Appends evidence: `value` copied verbatim, printable computed from it.
void add_evidence(Result& out, EvidenceKey key, Bytes value);
void add_evidence(Result& out, EvidenceKey key, std::string_view value);

}  // namespace protoport::fingerprint::detail
