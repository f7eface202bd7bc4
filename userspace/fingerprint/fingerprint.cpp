// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Dispatch: the first byte picks the few parsers that could match, so random bytes cost one or
// two cheap rejections; DNS, whose first bytes are an arbitrary ID or length, is tried last.
#include "fingerprint/fingerprint.h"

#include "fingerprint/parsers.h"

namespace protoport::fingerprint {

std::string_view to_string(App app) {
  switch (app) {
    case App::unknown: return "unknown";
    case App::dns: return "dns";
    case App::http: return "http";
    case App::ssl: return "ssl";
    case App::smtp: return "smtp";
    case App::mdns: return "mdns";
    case App::llmnr: return "llmnr";
    case App::nbns: return "nbns";
    case App::ssh: return "ssh";
    case App::ftp: return "ftp";
    case App::pop3: return "pop3";
    case App::imap: return "imap";
    case App::quic: return "quic";
    case App::dtls: return "dtls";
    case App::openvpn: return "openvpn";
    case App::wireguard: return "wireguard";
    case App::stun: return "stun";
    case App::socks: return "socks";
    case App::sip: return "sip";
    case App::rtsp: return "rtsp";
    case App::ssdp: return "ssdp";
    case App::irc: return "irc";
    case App::mqtt: return "mqtt";
    case App::rdp: return "rdp";
    case App::smb: return "smb";
    case App::dcerpc: return "dcerpc";
    case App::ldap: return "ldap";
    case App::vnc: return "vnc";
    case App::telnet: return "telnet";
    case App::redis: return "redis";
    case App::mysql: return "mysql";
    case App::postgresql: return "postgresql";
  }
  return "unknown";
}

std::string_view to_string(Transport t) { return t == Transport::udp ? "udp" : "tcp"; }

std::string_view to_string(Role role) {
  switch (role) {
    case Role::client: return "client";
    case Role::server: return "server";
    case Role::unknown: break;
  }
  return "unknown";
}

bool is_printable(std::span<const std::uint8_t> bytes) {
  for (std::uint8_t c : bytes)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

namespace detail {

void add_evidence(Result& out, EvidenceKey key, Bytes value) {
  constexpr std::size_t kTypicalEvidence = 4;  // one allocation for the list, not one per growth
  if (out.evidence.capacity() == 0) out.evidence.reserve(kTypicalEvidence);
  Evidence& e = out.evidence.emplace_back();
  e.key.assign(to_string(key));
  e.value.assign(reinterpret_cast<const char*>(value.data()), value.size());
  e.printable = is_printable(value);
}

bool accept_as(Result& out, App app, Role role, Bytes version, Bytes target) {
  Result r;
  r.app = app;
  r.role = role;
  if (!version.empty()) add_evidence(r, EvidenceKey::app_version, version);
  if (!target.empty()) add_evidence(r, EvidenceKey::app_target, target);
  out = std::move(r);
  return true;
}

void add_evidence(Result& out, EvidenceKey key, std::string_view value) {
  add_evidence(out, key, Bytes(reinterpret_cast<const std::uint8_t*>(value.data()), value.size()));
}

}  // namespace detail

namespace {

using detail::Bytes;

// The protocol groups beyond the four (tunnels.cpp, services.cpp, text.cpp), each with its own
// first-byte switch, tried after the four and their look-alikes and before DNS, whose first bytes
// are an arbitrary ID or length.
bool match_groups(Bytes b, Transport t, Result& r) {
  return detail::match_text(b, t, r) || detail::match_tunnels(b, t, r) ||
         detail::match_services(b, t, r);
}

bool match_tcp(Bytes b, Result& r) {
  std::uint8_t c = b[0];
  if ((c >= 0x14 && c <= 0x17) || (c & 0x80)) {
    if (detail::match_tls(b, r)) return true;
  } else if (c >= 'A' && c <= 'Z') {
    if (detail::match_http(b, r) || detail::match_smtp(b, r) || detail::match_others(b, r))
      return true;
  } else if (c >= 'a' && c <= 'z') {
    // SMTP and FTP commands are case-insensitive.
    if (detail::match_smtp(b, r) || detail::match_others(b, r)) return true;
  } else if (c == '2') {
    if (detail::match_smtp(b, r) || detail::match_others(b, r)) return true;
  } else if (c == '+' || c == '*') {
    if (detail::match_others(b, r)) return true;
  } else if (c == ' ' || c == '\t') {
    if (detail::match_http(b, r)) return true;  // blanks before a request line's method
  } else if (c == '\r' || c == '\n') {
    // Empty lines before a request line or an FTP command.
    if (detail::match_http(b, r) || detail::match_others(b, r)) return true;
  }
  return match_groups(b, Transport::tcp, r) || detail::match_dns(b, Transport::tcp, r);
}

// A reply that shows the server took the request as its protocol: not a TLS alert, not an HTTP
// status that rejects the request itself (400, 414, 431, 505: what servers answer to bytes they
// cannot parse as HTTP).
bool reply_accepts(const Result& reply) {
  if (reply.app == App::unknown || reply.role != Role::server) return false;
  for (const Evidence& e : reply.evidence) {
    if (e.key == to_string(EvidenceKey::tls_record) && e.value == "alert") return false;
    if (e.key == to_string(EvidenceKey::http_status) &&
        (e.value == "400" || e.value == "414" || e.value == "431" || e.value == "505"))
      return false;
  }
  return true;
}

// Protocols whose server speaks first: its greeting is the flow's opening payload.
bool server_speaks_first(App app) {
  return app == App::smtp || app == App::ftp || app == App::pop3 || app == App::imap ||
         app == App::ssh || app == App::mysql || app == App::vnc;
}

}  // namespace

namespace {

bool ends_with_label(std::string_view name, std::string_view zone) {  // case-insensitive
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.size() < zone.size()) return false;
  const std::string_view tail = name.substr(name.size() - zone.size());
  for (std::size_t i = 0; i < zone.size(); ++i) {
    const char c = tail[i] >= 'A' && tail[i] <= 'Z' ? static_cast<char>(tail[i] + 32) : tail[i];
    if (c != zone[i]) return false;
  }
  return name.size() == zone.size() || name[name.size() - zone.size() - 1] == '.';
}

bool mdns_name(std::string_view name) {
  for (const std::string_view zone : {"local", "254.169.in-addr.arpa", "8.e.f.ip6.arpa",
                                      "9.e.f.ip6.arpa", "a.e.f.ip6.arpa", "b.e.f.ip6.arpa"})
    if (ends_with_label(name, zone)) return true;
  return false;
}

bool single_label(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return !name.empty() && name.find('.') == std::string_view::npos;
}

bool netbios_name(std::string_view name) {  // first-level encoding; a scope may follow
  const std::string_view label = name.substr(0, name.find('.'));
  if (label.size() != 32) return false;
  for (const char c : label)
    if (!((c >= 'A' && c <= 'P') || (c >= 'a' && c <= 'p'))) return false;
  return true;
}

// True if the message names something and every name it names passes `test`.
template <typename Test>
bool all_names(const Result& r, Test&& test) {
  bool any = false;
  for (const Evidence& e : r.evidence) {
    if (e.key != to_string(EvidenceKey::dns_qname) && e.key != to_string(EvidenceKey::dns_rrname))
      continue;
    if (!test(std::string_view(e.value))) return false;
    any = true;
  }
  return any;
}

}  // namespace

App name_for_delivery(const Result& r, const Delivery& d) {
  if (r.app != App::dns) return r.app;
  switch (d.responder_port) {
    case 5353: return d.to_group || all_names(r, mdns_name) ? App::mdns : App::dns;
    case 5355: return d.to_group || all_names(r, single_label) ? App::llmnr : App::dns;
    case 137: return all_names(r, netbios_name) ? App::nbns : App::dns;
    default: return r.app;
  }
}

Result classify_payload(std::span<const std::uint8_t> bytes, Transport transport) {
  Result r;
  if (bytes.empty()) return r;
  // HTTP, TLS and SMTP run over TCP; HTTP-like text on UDP is SSDP/SIP, TLS-like is DTLS.
  if (transport == Transport::tcp) {
    match_tcp(bytes, r);
  } else {
    match_groups(bytes, Transport::udp, r) || detail::match_dns(bytes, Transport::udp, r);
  }
  return r;
}

bool continuation_form(std::span<const std::uint8_t> bytes, Transport transport) {
  return !bytes.empty() && (detail::continuation_tunnels(bytes, transport) ||
                            detail::continuation_services(bytes, transport));
}

Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     std::uint16_t responder_port) {
  return classify_flow(from_initiator, from_responder, transport, Delivery{responder_port},
                       FirstSpeaker::unknown);
}

Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     const Delivery& delivery) {
  return classify_flow(from_initiator, from_responder, transport, delivery, FirstSpeaker::unknown);
}

Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     std::uint16_t responder_port, FirstSpeaker first) {
  return classify_flow(from_initiator, from_responder, transport, Delivery{responder_port}, first);
}

Result classify_flow(std::span<const std::uint8_t> from_initiator,
                     std::span<const std::uint8_t> from_responder, Transport transport,
                     const Delivery& delivery, FirstSpeaker first) {
  // No parser accepts fewer bytes than this: a shorter payload (a TCP DNS length prefix alone,
  // a keep-alive byte) cannot be the evidence, so the other direction decides.
  constexpr std::size_t kMinDecisive = 4;
  bool init_says = from_initiator.size() >= kMinDecisive;
  bool resp_says = from_responder.size() >= kMinDecisive;
  Result init = classify_payload(from_initiator, transport);
  Result resp = classify_payload(from_responder, transport);

  bool take_resp;
  if (!init_says || !resp_says) {
    take_resp = !init_says;
  } else if (init.app == resp.app) {
    take_resp = false;
    for (Evidence& e : resp.evidence) init.evidence.push_back(std::move(e));
  } else if (init.app == App::ftp && init.role == Role::client && resp.app == App::pop3 &&
             resp.role == Role::server) {
    // USER is FTP's and POP3's: the server's greeting says which it is talking to.
    take_resp = true;
  } else if (init.app == App::unknown && reply_accepts(resp)) {
    // A request in a form no parser knows, answered by the server as its protocol (a
    // ServerHello, a status line that is not a rejection): the server's reading decides.
    take_resp = true;
  } else if (first != FirstSpeaker::unknown) {
    take_resp = first == FirstSpeaker::responder;
  } else {
    // Order unknown. A client that waits for the server's greeting sends nothing we name in
    // between (USER, CAPA, a tag); a client that does not wait (implicit TLS towards a
    // plaintext banner) is first on the wire, because its bytes leave with the handshake's ACK.
    take_resp =
        server_speaks_first(resp.app) && resp.role == Role::server && init.app == App::unknown;
  }
  Result out = take_resp ? std::move(resp) : std::move(init);
  out.app = name_for_delivery(out, delivery);
  return out;
}

}  // namespace protoport::fingerprint
