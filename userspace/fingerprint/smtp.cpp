// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// SMTP (RFC 5321): the server's 220 greeting when it names SMTP or ESMTP (a bare "220" is also
// how FTP greets), the client's EHLO/HELO with a domain, and the server's multi-line 250 reply to
// EHLO listing service extensions.
#include <array>

#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {
namespace {

constexpr std::size_t kMaxLine = 1024;  // RFC 5321 4.5.3.1.4 allows 512; be lenient
constexpr std::size_t kMaxDomain = 255;
constexpr int kMaxReplyLines = 32;

// EHLO keywords of the IANA SMTP Service Extensions registry, plus a few common vendor ones.
constexpr std::array<std::string_view, 26> kExtensions = {
    "8bitmime",   "atrn",          "auth",       "binarymime", "burl",
    "checkpoint", "chunking",      "deliverby",  "dsn",        "enhancedstatuscodes",
    "etrn",       "expn",          "help",       "limits",     "mt-priority",
    "mtrk",       "no-soliciting", "pipelining", "requiretls", "size",
    "smtputf8",   "starttls",      "vrfy",       "xclient",    "xforward",
    "xexch50"};

bool is_space(std::uint8_t c) { return c == ' ' || c == '\t'; }

// A whitespace-separated word equal to SMTP or ESMTP (trailing punctuation allowed), or the
// spelled-out name: host names like "smtp.example.com" do not count.
bool names_smtp(Bytes text) {
  if (contains_icase(text, "simple mail transfer")) return true;
  ByteReader r(text);
  while (!r.empty()) {
    r.take_while(is_space);
    Bytes word = r.take_while([](std::uint8_t c) { return !is_space(c); });
    while (!word.empty() && (word.back() == ';' || word.back() == ',' || word.back() == '.' ||
                             word.back() == ':' || word.back() == ')'))
      word = word.first(word.size() - 1);
    if (!word.empty() && word.front() == '(') word = word.subspan(1);
    ByteReader w(word);
    if ((w.starts_with_icase("smtp") && word.size() == 4) ||
        (w.starts_with_icase("esmtp") && word.size() == 5))
      return true;
  }
  return false;
}

// "250" then '-' (more lines follow) or ' ' (last line); returns the text after it.
std::optional<Bytes> reply_250_line(ByteReader& r, bool& last) {
  auto line = r.line(kMaxLine);
  if (!line) return std::nullopt;
  ByteReader l(*line);
  if (l.starts_with("250-", true)) {
    last = false;
  } else if (l.starts_with("250 ", true) || equals(*line, "250")) {
    last = true;
  } else {
    return std::nullopt;
  }
  return l.rest();
}

bool is_extension(Bytes text) {
  ByteReader r(text);
  Bytes keyword = r.take_while([](std::uint8_t c) { return c != ' ' && c != '='; });
  for (std::string_view e : kExtensions) {
    ByteReader k(keyword);
    if (keyword.size() == e.size() && k.starts_with_icase(e)) return true;
  }
  return false;
}

// Multi-line EHLO reply: "250-domain greeting", then lines naming extensions.
bool match_ehlo_reply(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  bool last = false;
  auto first = reply_250_line(r, last);
  if (!first || last) return false;
  for (int i = 0; i < kMaxReplyLines; ++i) {
    auto text = reply_250_line(r, last);
    if (!text) return false;
    if (is_extension(*text)) {
      out.app = App::smtp;
      out.role = Role::server;
      return true;
    }
    if (last) return false;
  }
  return false;
}

bool match_hello(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  if (!r.starts_with_icase("ehlo ", true) && !r.starts_with_icase("helo ", true)) return false;
  auto line = r.line(kMaxLine);
  if (!line) return false;
  ByteReader l(*line);
  l.take_while(is_space);
  Bytes domain = l.take_while(is_visible, kMaxDomain + 1);
  l.take_while(is_space);
  if (domain.empty() || domain.size() > kMaxDomain || !l.empty()) return false;
  out.app = App::smtp;
  out.role = Role::client;
  add_evidence(out, EvidenceKey::smtp_ehlo, domain);
  return true;
}

}  // namespace

Greeting220 read_220_greeting(Bytes bytes, Bytes* first_line) {
  ByteReader r(bytes);
  bool smtp = false, ftp = false, first = true;
  for (int i = 0; i < kMaxReplyLines && !r.empty(); ++i) {
    bool more = false;
    if (r.starts_with("220-", true))
      more = true;
    else if (!r.starts_with("220 ", true))
      break;
    // A line the sample cut off still counts for what it shows.
    auto line = r.line(kMaxLine);
    Bytes text = line ? *line : r.rest();
    if (!line) r.skip(r.remaining());
    if (first && first_line) *first_line = text;
    first = false;
    smtp = smtp || names_smtp(text);
    ftp = ftp || contains_icase(text, "ftp");
    if (!more) break;
  }
  if (smtp) return Greeting220::smtp;
  if (ftp) return Greeting220::ftp;
  return Greeting220::none;
}

bool match_smtp(Bytes bytes, Result& out) {
  if (bytes.size() < 4) return false;
  if (bytes[0] == '2') {
    Bytes banner;
    if (read_220_greeting(bytes, &banner) == Greeting220::smtp) {
      out.app = App::smtp;
      out.role = Role::server;
      add_evidence(out, EvidenceKey::smtp_banner, banner);
      return true;
    }
    return match_ehlo_reply(bytes, out);
  }
  return match_hello(bytes, out);
}

}  // namespace protoport::fingerprint::detail
