// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The text group: SIP (RFC 3261), RTSP (RFC 2326, 7826), SSDP (UPnP 1.1 discovery over UDP), IRC
// (RFC 1459, 2812, IRCv3 CAP), and an HTTP/2 server's first frame (RFC 9113 3.4: its SETTINGS),
// which names http for h2c seen from the client's side. SIP, RTSP and SSDP are shaped like HTTP
// but are not HTTP: match_http refuses their versions ("SIP/2.0", "RTSP/1.0") and SSDP travels
// on UDP, where HTTP is never named; here each is named for itself, never http.
//
// Every match needs a complete first line (a request line, a status line, an IRC command), so a
// sample cut inside it names nothing. Evidence: app_version (SIP/2.0, RTSP/1.0, ...) and
// app_target (the request URI); text is stored verbatim and escaped when printed.
#include <algorithm>
#include <array>
#include <string_view>

#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {
namespace {

constexpr std::size_t kMaxLine = 1024;

Bytes as_bytes(std::string_view s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

bool is_upper_token(std::uint8_t c) { return (c >= 'A' && c <= 'Z') || c == '_' || c == '-'; }

bool one_of(Bytes token, std::initializer_list<std::string_view> names) {
  for (std::string_view n : names)
    if (token.size() == n.size() && std::equal(token.begin(), token.end(), n.begin())) return true;
  return false;
}

// "NNN" SP: a three-digit status code from 100 to 699 and its space.
bool status_code(ByteReader& r) {
  auto d = r.take(3);
  if (!d || !is_digit((*d)[0]) || !is_digit((*d)[1]) || !is_digit((*d)[2])) return false;
  if ((*d)[0] < '1' || (*d)[0] > '6') return false;
  return r.starts_with(" ", true);
}

// A request line "METHOD SP target SP VERSION", complete; the method one of `methods`, the
// version exactly `version_a` or `version_b`. `target_ok` judges the target.
template <class TargetOk>
bool request_line(Bytes line, std::initializer_list<std::string_view> methods,
                  std::string_view version_a, std::string_view version_b, TargetOk target_ok,
                  Bytes& target, Bytes& version) {
  ByteReader l(line);
  Bytes method = l.take_while(is_upper_token, 32);
  if (!one_of(method, methods) || !l.starts_with(" ", true)) return false;
  target = l.take_while(is_visible, kMaxLine);
  if (target.empty() || !target_ok(target) || !l.starts_with(" ", true)) return false;
  version = l.rest();
  ByteReader v(version);
  return (v.starts_with(version_a) && version.size() == version_a.size()) ||
         (!version_b.empty() && v.starts_with(version_b) && version.size() == version_b.size());
}

// ---------------------------------------------------------------------------------------------
// SIP: a request with a SIP, SIPS or tel URI and "SIP/2.0", or a "SIP/2.0 NNN " status line.

bool sip_uri(Bytes t) {
  ByteReader u(t);
  return u.starts_with_icase("sip:") || u.starts_with_icase("sips:") || u.starts_with_icase("tel:");
}

bool match_sip(Bytes line, Result& out) {
  ByteReader l(line);
  if (l.starts_with("SIP/2.0 ", true)) {
    if (!status_code(l)) return false;
    accept_as(out, App::sip, Role::server, as_bytes("SIP/2.0"), {});
    return true;
  }
  Bytes target, version;
  if (!request_line(line,
                    {"INVITE", "ACK", "BYE", "CANCEL", "REGISTER", "OPTIONS", "SUBSCRIBE",
                     "NOTIFY", "PUBLISH", "INFO", "REFER", "MESSAGE", "UPDATE", "PRACK"},
                    "SIP/2.0", "", sip_uri, target, version))
    return false;
  accept_as(out, App::sip, Role::client, version, target);
  return true;
}

// ---------------------------------------------------------------------------------------------
// RTSP: a request for an rtsp URL (or "*", as OPTIONS may ask) in RTSP/1.0 or 2.0, or a status.

bool rtsp_uri(Bytes t) {
  ByteReader u(t);
  return (t.size() == 1 && t[0] == '*') || u.starts_with_icase("rtsp://") ||
         u.starts_with_icase("rtsps://") || u.starts_with_icase("rtspu://");
}

bool match_rtsp(Bytes line, Result& out) {
  ByteReader l(line);
  if (l.starts_with("RTSP/1.0 ") || l.starts_with("RTSP/2.0 ")) {
    Bytes version = *l.take(8);
    l.skip(1);
    if (!status_code(l)) return false;
    accept_as(out, App::rtsp, Role::server, version, {});
    return true;
  }
  Bytes target, version;
  if (!request_line(line,
                    {"OPTIONS", "DESCRIBE", "ANNOUNCE", "SETUP", "PLAY", "PAUSE", "TEARDOWN",
                     "GET_PARAMETER", "SET_PARAMETER", "REDIRECT", "RECORD", "PLAY_NOTIFY"},
                    "RTSP/1.0", "RTSP/2.0", rtsp_uri, target, version))
    return false;
  accept_as(out, App::rtsp, Role::client, version, target);
  return true;
}

// ---------------------------------------------------------------------------------------------
// SSDP (UDP only): "M-SEARCH * HTTP/1.1" and "NOTIFY * HTTP/1.1" (their "*" target is SSDP's),
// and the unicast answer to an M-SEARCH, an "HTTP/1.1 200 OK" datagram with ST or USN headers.

bool header_present(ByteReader r, std::string_view name_colon) {  // name in lower case
  for (int i = 0; i < 32; ++i) {
    auto line = r.line(kMaxLine);
    if (!line || line->empty()) return false;
    if (ByteReader(*line).starts_with_icase(name_colon)) return true;
  }
  return false;
}

bool match_ssdp(Bytes line, ByteReader after_line, Result& out) {
  ByteReader l(line);
  if (l.starts_with("M-SEARCH * HTTP/1.1") || l.starts_with("NOTIFY * HTTP/1.1")) {
    if (line.size() != (line[0] == 'M' ? 19u : 17u)) return false;
    accept_as(out, App::ssdp, Role::client, as_bytes("HTTP/1.1"), as_bytes("*"));
    return true;
  }
  if (l.starts_with("HTTP/1.1 200 ") || l.starts_with("HTTP/1.0 200 ")) {
    if (!header_present(after_line, "st:") && !header_present(after_line, "usn:")) return false;
    accept_as(out, App::ssdp, Role::server, line.first(8), {});
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// IRC over TCP. A client registers with CAP LS, PASS, NICK and USER (RFC 2812 3.1); a server
// opens with a prefixed NOTICE or numeric reply (":irc.example.net NOTICE * :*** Looking up
// your hostname", ":srv 001 nick :Welcome"), or the older "NOTICE AUTH :***".

bool is_nick_char(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '[' ||
         c == ']' || c == '\\' || c == '`' || c == '_' || c == '^' || c == '{' || c == '|' ||
         c == '}' || c == '-';
}

bool irc_nick_line(Bytes line) {  // "NICK" SP nickname
  ByteReader l(line);
  if (!l.starts_with("NICK ", true)) return false;
  l.starts_with(":", true);
  Bytes nick = l.take_while(is_nick_char, 64);
  return !nick.empty() && !is_digit(nick[0]) && nick[0] != '-' && l.empty();
}

bool irc_user_line(Bytes line) {  // "USER" SP user SP mode SP unused SP ":" realname
  ByteReader l(line);
  if (!l.starts_with("USER ", true)) return false;
  for (int i = 0; i < 3; ++i) {
    if (l.take_while(is_visible, 64).empty() || !l.starts_with(" ", true)) return false;
  }
  return l.starts_with(":", true);
}

bool irc_cap_line(Bytes line) {  // "CAP LS" [SP version], "CAP REQ :...", "CAP END"
  ByteReader l(line);
  if (!l.starts_with("CAP ", true)) return false;
  if (l.starts_with("LS", true)) {
    if (l.empty()) return true;
    if (!l.starts_with(" ", true)) return false;
    Bytes v = l.take_while(is_digit, 4);
    return !v.empty() && l.empty();
  }
  return l.starts_with("REQ :") || (l.starts_with("END", true) && l.empty());
}

bool irc_client_first(Bytes line) {
  return irc_nick_line(line) || irc_user_line(line) || irc_cap_line(line);
}

bool match_irc_client(Bytes line, ByteReader rest, Result& out) {
  ByteReader l(line);
  if (l.starts_with("PASS ")) {
    // PASS opens POP3 and FTP logins too, but only after USER there: here the next line must be
    // IRC's registration.
    auto next = rest.line(kMaxLine);
    if (!next || !irc_client_first(*next)) return false;
  } else if (!irc_client_first(line)) {
    return false;
  }
  accept_as(out, App::irc, Role::client);
  return true;
}

bool match_irc_server(Bytes line, Result& out) {
  ByteReader l(line);
  if (l.starts_with("NOTICE AUTH :", true)) {
    accept_as(out, App::irc, Role::server);
    return true;
  }
  if (!l.starts_with(":", true)) return false;
  Bytes prefix = l.take_while(is_visible, 256);
  if (prefix.empty() || !l.starts_with(" ", true)) return false;
  Bytes command = l.take_while(is_visible, 16);
  bool numeric = command.size() == 3 && is_digit(command[0]) && is_digit(command[1]) &&
                 is_digit(command[2]);
  if (!numeric && !one_of(command, {"NOTICE", "CAP"})) return false;
  // The target and the trailing parameter: " * :..." or " nick :...".
  if (!l.starts_with(" ", true) || l.take_while(is_visible, 64).empty()) return false;
  if (!l.starts_with(" ", true)) return false;
  accept_as(out, App::irc, Role::server);
  return true;
}

// ---------------------------------------------------------------------------------------------
// HTTP/2: a server's connection preface is a SETTINGS frame (RFC 9113 3.4): length a multiple of
// 6, type 4, flags 0, stream 0, then identifier/value pairs. Every pair the sample holds must be
// a defined setting with a legal value, and at least one must be there.

bool h2_setting_ok(std::uint16_t id, std::uint32_t value) {
  switch (id) {
    case 1: return true;                                          // HEADER_TABLE_SIZE
    case 2: return value <= 1;                                    // ENABLE_PUSH
    case 3: return true;                                          // MAX_CONCURRENT_STREAMS
    case 4: return value <= 0x7fffffff;                           // INITIAL_WINDOW_SIZE
    case 5: return value >= 16384 && value <= 16777215;           // MAX_FRAME_SIZE
    case 6: return true;                                          // MAX_HEADER_LIST_SIZE
    case 8: return value <= 1;                                    // ENABLE_CONNECT_PROTOCOL
    case 9: return value <= 1;                                    // NO_RFC7540_PRIORITIES
    default: return false;
  }
}

bool match_h2_settings(Bytes bytes, Transport transport, Result& out) {
  if (transport != Transport::tcp) return false;
  ByteReader r(bytes);
  auto len = r.u24();
  auto type = r.u8();
  auto flags = r.u8();
  auto stream = r.u32();
  if (!len || !type || !flags || !stream) return false;
  if (*type != 0x04 || *flags != 0 || *stream != 0) return false;
  if (*len == 0 || *len % 6 != 0 || *len > 6 * 16) return false;
  int pairs = 0;
  for (std::uint32_t i = 0; i < *len / 6 && r.has(6); ++i, ++pairs) {
    std::uint16_t id = *r.u16();
    std::uint32_t value = *r.u32();
    if (!h2_setting_ok(id, value)) return false;
  }
  if (pairs == 0) return false;
  Result res;
  res.app = App::http;
  res.role = Role::server;
  add_evidence(res, EvidenceKey::http_version, std::string_view("HTTP/2.0"));
  out = std::move(res);
  return true;
}

}  // namespace

bool match_text(Bytes bytes, Transport transport, Result& out) {
  if (bytes.empty()) return false;
  const std::uint8_t c = bytes[0];
  if (c == 0x00) return match_h2_settings(bytes, transport, out);
  if (!((c >= 'A' && c <= 'Z') || c == ':')) return false;
  ByteReader r(bytes);
  auto line = r.line(kMaxLine);
  if (!line) return false;
  if (c == ':') return transport == Transport::tcp && match_irc_server(*line, out);
  if (match_sip(*line, out)) return true;
  if (transport == Transport::udp) return match_ssdp(*line, r, out);
  return match_rtsp(*line, out) || match_irc_client(*line, r, out) || match_irc_server(*line, out);
}

}  // namespace protoport::fingerprint::detail
