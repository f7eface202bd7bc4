// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Payload fingerprints: which application protocol do these bytes speak? Pure functions over
// attacker-controlled bytes, no BPF dependency, so they are unit-tested and fuzzed without root.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace protoport::fingerprint {

// Splunk CIM app names for the four we police, plus look-alikes we name so that they are not
// mistaken for one of the four.
enum class App : std::uint8_t { unknown, dns, http, ssl, smtp, mdns, llmnr, nbns, ssh, ftp, pop3, imap };
std::string_view to_string(App app);  // "dns", "http", "ssl", "smtp", "mdns", ..., "unknown"

enum class Transport : std::uint8_t { tcp, udp };
std::string_view to_string(Transport t);  // "tcp", "udp"

// Which endpoint of a connection sends bytes like these (a DNS query: the client; a 220 greeting,
// a ServerHello, an HTTP response: the server). unknown where the bytes do not tell.
enum class Role : std::uint8_t { unknown, client, server };
std::string_view to_string(Role role);  // "client", "server", "unknown"

// One piece of evidence, verbatim from the payload: never trusted, never printed unescaped.
struct Evidence {
  std::string key;    // "sni", "alpn", "tls_versions", "http_method", "http_host", "dns_qname",
                      // "dns_qtype", "smtp_ehlo", "smtp_banner"; also "alpn_selected" and
                      // "tls_version" (ServerHello's choice), "http_status", "http_version"
                      // (h2 preface), "dns_rrname"/"dns_rrtype" (first answer of a response
                      // without a question, e.g. an mDNS announcement), "tls_record"
                      // ("app_data", "alert", "ccs", "handshake": the first record when the
                      // payload holds no hello, i.e. a TLS flow seen midstream)
  std::string value;  // raw bytes (may hold NUL, control bytes, invalid UTF-8)
  bool printable = false;  // every byte is printable ASCII (0x20..0x7e)
};

// True if every byte is printable ASCII (0x20..0x7e), as Evidence::printable.
bool is_printable(std::span<const std::uint8_t> bytes);

struct Result {
  App app = App::unknown;
  Role role = Role::unknown;  // who sent the classified bytes
  std::vector<Evidence> evidence;
};

// Classifies the first payload bytes of one direction of a flow. `bytes` may be truncated (a
// sample is at most snap_len bytes): parsers classify from what is there and never read past it.
Result classify_payload(std::span<const std::uint8_t> bytes, Transport transport);

// Flow-level verdict from both directions (either may be empty). from_initiator is what the
// connection's initiator sent, from_responder what the responder sent; responder_port is the
// responder's port, used only to rename DNS wire format on 5353/5355/137 as mdns/llmnr/nbns.
Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     std::uint16_t responder_port);

// DNS wire format on the ports of its multicast cousins is named for them: dns with
// responder_port 5353, 5355 or 137 is mdns, llmnr or nbns; any other app is returned as is.
App name_for_port(App app, std::uint16_t responder_port);

// Which direction's first payload came first, when the caller knows (sample timestamps).
enum class FirstSpeaker : std::uint8_t { unknown, initiator, responder };

// As above, with the order known: the opening payload is the first speaker's. The four-argument
// form assumes the client spoke first unless the responder's payload is a server greeting (SMTP,
// FTP, POP3, IMAP, SSH) that the client's bytes do not contradict; a payload shorter than any
// parser can decide on (a TCP DNS length prefix alone) leaves the decision to the other side.
Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     std::uint16_t responder_port, FirstSpeaker first);

}  // namespace protoport::fingerprint
