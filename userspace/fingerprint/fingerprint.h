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

// Splunk CIM app names for the four we police, plus look-alikes we name so that they are not
// mistaken for one of the four.
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
  kLast = imap,
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
  kLast = tls_hello_records,
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
