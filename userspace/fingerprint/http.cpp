// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// HTTP/1.x (RFC 9112) request and status lines, and the HTTP/2 cleartext preface (RFC 9113 3.4).
// A request needs a registered method, a request-target and the version; a status line needs the
// version and a three-digit status code. Strict about structure, as lenient as servers about
// form: empty lines before the request line (RFC 9112 2.2; nginx), blanks before the method and
// runs of spaces or tabs between its parts (RFC 9112 3; Python's http.server) are skipped. A
// request line cut off by the sampler still classifies when everything up to the cut is well-formed
// and the sample is long enough that the cut is the sampler's, not the message's end.
#include <array>

#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {
namespace {

// IANA HTTP Method Registry (RFC 9110, WebDAV RFC 4918/3253/3648/3744/4437/4791/5323/5842,
// RFC 5789 PATCH, QUERY). PRI is left out: it only opens the HTTP/2 preface.
// clang-format off
constexpr std::array<std::string_view, 39> kMethods = {
    "ACL", "BASELINE-CONTROL", "BIND", "CHECKIN", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET",
    "HEAD", "LABEL", "LINK", "LOCK", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MKREDIRECTREF",
    "MKWORKSPACE", "MOVE", "OPTIONS", "ORDERPATCH", "PATCH", "POST", "PROPFIND", "PROPPATCH", "PUT",
    "QUERY", "REBIND", "REPORT", "SEARCH", "TRACE", "UNBIND", "UNCHECKOUT", "UNLINK", "UNLOCK",
    "UPDATE", "UPDATEREDIRECTREF", "VERSION-CONTROL"};
// clang-format on
constexpr std::size_t kLongestMethod = 17;  // UPDATEREDIRECTREF

constexpr std::string_view kH2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
constexpr std::size_t kH2PrefaceMin = 16;  // "PRI * HTTP/2.0\r\n": the rest may be cut off
constexpr std::size_t kMaxRequestLine = 8192;
constexpr int kMaxLeadingEmptyLines = 64;
constexpr std::size_t kMaxLeadingBlanks = 64;

bool is_blank(std::uint8_t c) { return c == ' ' || c == '\t'; }

// Skips a run of spaces and tabs; true if there was one.
bool skip_blanks(ByteReader& r) { return !r.take_while(is_blank).empty(); }

Bytes trim_blanks_right(Bytes b) {
  while (!b.empty() && is_blank(b.back())) b = b.first(b.size() - 1);
  return b;
}

bool is_method(Bytes token) {
  for (std::string_view m : kMethods)
    if (equals(token, m)) return true;
  return false;
}

// Request-target bytes (and the blanks before the version). Spaces are not allowed by RFC 9112
// but clients send them unencoded ("GET /my file HTTP/1.1", "CONNECT host:25 / HTTP/1.0") and
// servers accept them, tabs too as separators; other control bytes never appear.
bool is_target_byte(std::uint8_t c) { return (c >= 0x20 && c != 0x7f) || c == '\t'; }

// "HTTP/1." DIGIT: true if present; `cut` if the sample ends inside a prefix of it.
bool read_version(ByteReader& r, bool& cut) {
  constexpr std::string_view kV = "HTTP/1.";
  cut = false;
  for (std::size_t i = 0; i < kV.size(); ++i) {
    auto c = r.u8();
    if (!c) {
      cut = true;
      return false;
    }
    if (*c != static_cast<std::uint8_t>(kV[i])) return false;
  }
  auto d = r.u8();
  if (!d) {
    cut = true;
    return false;
  }
  return is_digit(*d);
}

void add_host(ByteReader r, Result& out) {
  // Header lines up to the blank line; a line the sample cut off is not read.
  for (int n = 0; n < 100; ++n) {
    auto line = r.line(kMaxRequestLine);
    if (!line || line->empty()) return;
    ByteReader l(*line);
    if (!l.starts_with_icase("host:", true)) continue;
    l.take_while([](std::uint8_t c) { return c == ' ' || c == '\t'; });
    Bytes v = l.rest();
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v = v.first(v.size() - 1);
    add_evidence(out, EvidenceKey::http_host, v);
    return;
  }
}

// The first bytes of a request-target in one of RFC 9112 3.2's forms. A target the sampler cut
// off is judged by these alone, so absolute-form must name a scheme HTTP proxies carry: RTSP
// ("OPTIONS rtsp://") and SIP ("OPTIONS sip:") reuse HTTP's method names.
bool plausible_target_start(Bytes method, Bytes target) {
  ByteReader t(target);
  if (t.starts_with("/")) return true;                       // origin-form
  if (t.starts_with("*")) return equals(method, "OPTIONS");  // asterisk-form
  if (equals(method, "CONNECT")) {                           // authority-form
    auto c = t.peek_u8();
    return c && (is_digit(*c) || *c == '[' || (ascii_lower(*c) >= 'a' && ascii_lower(*c) <= 'z'));
  }
  for (std::string_view scheme : {"http://", "https://", "ws://", "wss://", "ftp://"})
    if (t.starts_with_icase(scheme)) return true;  // absolute-form
  return false;
}

// A request line the sample cut off: if it was cut after a space, what follows the last space
// must be the start of "HTTP/1.x", or this is another protocol's line ("OPTIONS * RTSP/1.0").
bool plausible_cut_line(Bytes target) {
  constexpr std::string_view kVersion = "HTTP/1.";
  target = trim_blanks_right(target);  // cut inside the blanks before the version
  std::size_t last_space = target.size();
  for (std::size_t i = 0; i < target.size(); ++i)
    if (is_blank(target[i])) last_space = i;
  if (last_space == target.size()) return true;
  Bytes tail = target.subspan(last_space + 1);
  if (tail.size() <= kVersion.size()) return equals(tail, kVersion.substr(0, tail.size()));
  return tail.size() == kVersion.size() + 1 && equals(tail.first(kVersion.size()), kVersion) &&
         is_digit(tail.back());
}

// A complete request line after "METHOD" and its blanks: target, blanks, "HTTP/1.x", blanks
// (true: headers follow; `target` is cut to the target), or an HTTP/0.9 Simple-Request (RFC 1945
// 4.1: "GET" SP Request-URI, no version, no headers).
std::optional<bool> complete_line_has_headers(Bytes method, Bytes& target) {
  constexpr std::size_t kVersionLen = 8;  // "HTTP/1.x"
  const Bytes line = trim_blanks_right(target);
  if (line.size() > kVersionLen + 1 && is_blank(line[line.size() - kVersionLen - 1])) {
    ByteReader v(line.subspan(line.size() - kVersionLen));
    bool cut = false;
    if (read_version(v, cut)) {
      target = trim_blanks_right(line.first(line.size() - kVersionLen));
      return true;
    }
  }
  if (!equals(method, "GET")) return std::nullopt;
  for (std::uint8_t c : line)
    if (is_blank(c)) return std::nullopt;
  return false;
}

bool match_request(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  for (int i = 0;
       i < kMaxLeadingEmptyLines && (r.starts_with("\r\n", true) || r.starts_with("\n", true));
       ++i) {}
  // Blanks before the method: RFC 9112 3 lets a recipient ignore them, and servers that split
  // the request line on whitespace (Python's http.server) answer such a request.
  if (r.take_while(is_blank, kMaxLeadingBlanks + 1).size() > kMaxLeadingBlanks) return false;
  Bytes method = r.take_while([](std::uint8_t c) { return (c >= 'A' && c <= 'Z') || c == '-'; },
                              kLongestMethod + 1);
  if (!is_method(method) || !skip_blanks(r)) return false;
  // Without a line end in the sample the line was cut (by the sampler or by segmentation).
  auto line = r.line(kMaxRequestLine);
  Bytes target = line ? *line : r.rest();
  if (!line && !target.empty() && target.back() == '\r') target = target.first(target.size() - 1);
  for (std::uint8_t c : target)
    if (!is_target_byte(c)) return false;
  if (target.empty() || !plausible_target_start(method, target)) return false;
  bool headers_follow = false;
  if (line) {
    auto has_headers = complete_line_has_headers(method, target);
    if (!has_headers) return false;
    headers_follow = *has_headers;
  } else if (!plausible_cut_line(target)) {
    return false;
  }
  out.app = App::http;
  out.role = Role::client;
  add_evidence(out, EvidenceKey::http_method, method);
  if (headers_follow) add_host(r, out);
  return true;
}

bool match_status(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  bool cut = false;
  if (!read_version(r, cut) || !skip_blanks(r)) return false;
  auto code = r.take(3);
  if (!code || (*code)[0] < '1' || (*code)[0] > '5' || !is_digit((*code)[1]) ||
      !is_digit((*code)[2]))
    return false;
  // The code ends at a space (reason phrase), the line end, or the sample's edge.
  auto next = r.peek_u8();
  if (next && *next != ' ' && *next != '\r' && *next != '\n') return false;
  out.app = App::http;
  out.role = Role::server;
  add_evidence(out, EvidenceKey::http_status, *code);
  return true;
}

bool match_h2_preface(Bytes bytes, Result& out) {
  if (bytes.size() < kH2PrefaceMin) return false;
  std::size_t n = bytes.size() < kH2Preface.size() ? bytes.size() : kH2Preface.size();
  if (!equals(bytes.first(n), kH2Preface.substr(0, n))) return false;
  out.app = App::http;
  out.role = Role::client;
  add_evidence(out, EvidenceKey::http_version, std::string_view("HTTP/2.0"));
  return true;
}

}  // namespace

bool match_http(Bytes bytes, Result& out) {
  if (bytes.empty()) return false;
  if (bytes[0] == '\r' || bytes[0] == '\n' || is_blank(bytes[0])) return match_request(bytes, out);
  if (bytes[0] == 'H' && match_status(bytes, out)) return true;
  if (bytes[0] == 'P' && match_h2_preface(bytes, out)) return true;
  return match_request(bytes, out);
}

}  // namespace protoport::fingerprint::detail
