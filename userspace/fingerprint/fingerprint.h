// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Payload fingerprints: which application protocol do these bytes speak? Pure functions over
// attacker-controlled bytes, no BPF dependency, so they are unit-tested and fuzzed without root.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace protoport::fingerprint {

// Splunk CIM app names for the four we police, plus every other protocol we name: so that it is
// not mistaken for one of the four, and so that a port rule (policy) can say what is on a
// well-known port instead (ssh or openvpn on 443, anything but dns on 53).
// A new app goes before kLast and gets a name in to_string(); everything that lists the apps
// (policy names, metrics, per-app counts) iterates 0..kAppCount-1.
enum class App : std::uint8_t {
  unknown,
  dns,
  http,
  ssl,
  smtp,
  mdns,
  llmnr,
  nbns,
  ssh,
  ftp,
  pop3,
  imap,
  quic,        // QUIC v1/v2/drafts and Google QUIC, long-header packets (UDP)
  dtls,        // DTLS 1.0/1.2/1.3 records (UDP)
  openvpn,     // OpenVPN TLS-mode control packets (TCP framing or UDP)
  wireguard,   // WireGuard handshake, cookie and data messages (UDP)
  stun,        // STUN/TURN messages with the RFC 5389 magic cookie
  socks,       // SOCKS4/4a/5 client requests and server replies (TCP)
  sip,         // SIP requests and responses (SIP/2.0)
  rtsp,        // RTSP requests and responses (RTSP/1.0, 2.0)
  ssdp,        // SSDP (HTTP over UDP multicast: M-SEARCH, NOTIFY)
  irc,         // IRC client registration and server messages (TCP)
  mqtt,        // MQTT CONNECT / CONNACK (TCP)
  rdp,         // RDP: TPKT + X.224 connection request/confirm (TCP)
  smb,         // SMB1/2/3 over NetBIOS session or direct TCP
  dcerpc,      // DCE/RPC connection-oriented PDUs (bind, request, ...)
  ldap,        // LDAP messages (BER), TCP and CLDAP over UDP
  vnc,         // VNC: RFB protocol version handshake
  telnet,      // Telnet option negotiation (IAC)
  redis,       // Redis RESP commands and replies
  mysql,       // MySQL/MariaDB server greeting, client handshake response
  postgresql,  // PostgreSQL startup, SSLRequest, GSSENCRequest, CancelRequest
  kLast = postgresql,
};
inline constexpr std::size_t kAppCount = static_cast<std::size_t>(App::kLast) + 1;
std::string_view to_string(App app);  // "dns", "http", "ssl", "smtp", "mdns", ..., "unknown"

enum class Transport : std::uint8_t { tcp, udp };
std::string_view to_string(Transport t);  // "tcp", "udp"

// Which endpoint of a connection sends bytes like these (a DNS query: the client; a 220 greeting,
// a ServerHello, an HTTP response: the server). unknown where the bytes do not tell.
enum class Role : std::uint8_t { unknown, client, server };
std::string_view to_string(Role role);  // "client", "server", "unknown"

// Every kind of evidence a fingerprint can emit: the one registry of evidence keys. Parsers can
// only emit these (parsers.h takes an EvidenceKey), and every output format iterates them in
// this order (the CSV columns, the JSON and table fields), so a new key is added here, with its
// name, and nowhere else.
enum class EvidenceKey : std::uint8_t {
  sni,                // TLS ClientHello server_name
  http_host,          // HTTP request Host header
  http_method,        // HTTP request method
  dns_qname,          // DNS question name
  dns_qtype,          // DNS question type (A, AAAA, TXT, ...)
  smtp_ehlo,          // SMTP EHLO/HELO domain
  alpn,               // TLS ClientHello ALPN list
  alpn_selected,      // TLS ServerHello ALPN choice
  tls_versions,       // TLS ClientHello supported versions
  tls_version,        // TLS ServerHello chosen version
  http_status,        // HTTP response status code
  http_version,       // "HTTP/2.0" for the h2 preface
  dns_rrname,         // first answer's name of a response without a question (mDNS announcement)
  dns_rrtype,         // and its type
  smtp_banner,        // SMTP 220 greeting text
  tls_record,         // the first record's type when the payload holds no hello (a TLS flow seen
                      // midstream): "app_data", "alert", "ccs", "handshake"
  tls_hello_records,  // records the first handshake message was fragmented over, when > 1
  app_version,        // the version the opening names: QUIC version, RFB version, a database
                      // server's version string, SOCKS 4/5, SIP/2.0, ...
  app_target,         // where the opening asks to go: a SOCKS or proxy target host:port, a SIP
                      // or RTSP request URI
  tcp_overlap_conflict,  // not from a parser: the flow tracker's count of TCP opening bytes
                         // sent twice with different contents (an evasion attempt)
  kLast = tcp_overlap_conflict,
};
inline constexpr std::size_t kEvidenceKeyCount = static_cast<std::size_t>(EvidenceKey::kLast) + 1;

// The key's field name in every format: "sni", "http_host", ...
constexpr std::string_view to_string(EvidenceKey key) {
  switch (key) {
    case EvidenceKey::sni: return "sni";
    case EvidenceKey::http_host: return "http_host";
    case EvidenceKey::http_method: return "http_method";
    case EvidenceKey::dns_qname: return "dns_qname";
    case EvidenceKey::dns_qtype: return "dns_qtype";
    case EvidenceKey::smtp_ehlo: return "smtp_ehlo";
    case EvidenceKey::alpn: return "alpn";
    case EvidenceKey::alpn_selected: return "alpn_selected";
    case EvidenceKey::tls_versions: return "tls_versions";
    case EvidenceKey::tls_version: return "tls_version";
    case EvidenceKey::http_status: return "http_status";
    case EvidenceKey::http_version: return "http_version";
    case EvidenceKey::dns_rrname: return "dns_rrname";
    case EvidenceKey::dns_rrtype: return "dns_rrtype";
    case EvidenceKey::smtp_banner: return "smtp_banner";
    case EvidenceKey::tls_record: return "tls_record";
    case EvidenceKey::tls_hello_records: return "tls_hello_records";
    case EvidenceKey::app_version: return "app_version";
    case EvidenceKey::app_target: return "app_target";
    case EvidenceKey::tcp_overlap_conflict: return "tcp_overlap_conflict";
  }
  return "unknown";
}

// One piece of evidence, verbatim from the payload: never trusted, never printed unescaped.
struct Evidence {
  std::string key;         // to_string() of an EvidenceKey
  std::string value;       // raw bytes (may hold NUL, control bytes, invalid UTF-8)
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

// True when the bytes are a form a protocol sends only after its opening (a QUIC short-header
// packet, a DTLS record of a later epoch, ...): seen first, they say that the flow's opening was
// missed, so a flow whose bytes are all unrecognised is undecided rather than unknown.
bool continuation_form(std::span<const std::uint8_t> bytes, Transport transport);

// The apps whose opening a flow's unrecognised bytes are still loosely shaped like (bit 1 << App):
// a reply code line is SMTP's or FTP's, a request line with an unregistered method HTTP's, a TLS
// record header with an odd version TLS's, a DNS header with a rare opcode DNS's. A port rule
// names such a flow "unknown" on a port expecting one of these apps only when its bit is clear:
// random and encrypted bytes fit none of them. Covers dns, http, ssl, smtp, quic, ssh, ftp, pop3,
// imap (plausible.cpp); other apps have no loose shape.
std::uint64_t plausible_apps(std::span<const std::uint8_t> from_initiator,
                             std::span<const std::uint8_t> from_responder, Transport transport);

// How a flow's messages travelled, beyond their bytes: what tells DNS from the link-local
// protocols that share its wire format (mDNS, LLMNR, NBNS).
struct Delivery {
  std::uint16_t responder_port = 0;
  bool to_group = false;  // an endpoint is a multicast group or the IPv4 limited broadcast
};

// Flow-level verdict from both directions (either may be empty). from_initiator is what the
// connection's initiator sent, from_responder what the responder sent; `delivery` says how
// (used only to name DNS wire format mdns, llmnr or nbns, see name_for_delivery). The form with
// a port is a unicast flow to that port.
Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     const Delivery& delivery);
Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     std::uint16_t responder_port);

// DNS wire format is named for a link-local cousin only when it travels the way that protocol
// does; anything else stays dns, so that a unicast DNS tunnel to 5353, 5355 or 137 is a dns
// mismatch like on any other port:
//   mdns   responder port 5353, and sent to a group (224.0.0.251, ff02::fb), or every name in it
//          an mDNS name (under .local, or a link-local reverse zone: 254.169.in-addr.arpa,
//          8-b.e.f.ip6.arpa), as in unicast mDNS replies and direct queries (RFC 6762 5.5, 6.7);
//   llmnr  responder port 5355, and sent to a group (224.0.0.252, ff02::1:3), or every name in it
//          a single label, as in unicast LLMNR replies and TCP queries (RFC 4795 2.4);
//   nbns   responder port 137, and its name NetBIOS-encoded (RFC 1001 14.1: 32 letters A-P), to
//          a broadcast or a WINS server alike.
// Any other app is returned as is.
App name_for_delivery(const Result& r, const Delivery& delivery);

// Which direction's first payload came first, when the caller knows (sample timestamps).
enum class FirstSpeaker : std::uint8_t { unknown, initiator, responder };

// As above, with the order known: the opening payload is the first speaker's. The four-argument
// form assumes the client spoke first unless the responder's payload is a server greeting (SMTP,
// FTP, POP3, IMAP, SSH) that the client's bytes do not contradict; a payload shorter than any
// parser can decide on (a TCP DNS length prefix alone) leaves the decision to the other side.
Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     const Delivery& delivery, FirstSpeaker first);
Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     std::uint16_t responder_port, FirstSpeaker first);

}  // namespace protoport::fingerprint
