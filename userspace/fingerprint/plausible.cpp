// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Loose shapes of the openings of the protocols a port rule can expect. A port rule reports a
// flow whose bytes no parser named ("unknown") only when they are not even shaped like what
// belongs on the port: a rejected SMTP session ("554 ...", "QUIT") or an HTTP request with an
// unregistered method is a variant of the expected protocol that the strict parsers refuse, not
// evidence of something else. Random and encrypted bytes (shadowsocks, obfs4, static-key VPNs)
// fit none of these shapes.
#include "fingerprint/parsers.h"

namespace protoport::fingerprint {

namespace {

using detail::Bytes;

constexpr std::uint64_t bit(App app) { return std::uint64_t{1} << static_cast<unsigned>(app); }

bool is_alpha(std::uint8_t c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// A DNS header: a known opcode and counts a real message has (each below 256, not all zero).
bool dns_header(Bytes b) {
  if (b.size() < 12) return false;
  const unsigned opcode = (b[2] >> 3) & 0x0f;
  if (opcode == 3 || opcode > 6) return false;
  unsigned total = 0;
  for (std::size_t i = 4; i < 12; i += 2) {
    if (b[i] != 0) return false;
    total += b[i + 1];
  }
  return total > 0;
}

bool dns_shape(Bytes b, Transport t) {
  if (t == Transport::udp) return dns_header(b);
  if (b.size() < 14) return false;
  const unsigned length = unsigned{b[0]} << 8 | b[1];
  return length >= 12 && dns_header(b.subspan(2));
}

// A request line's method: 3 to 24 capitals (and '-', '_': "M-SEARCH", "VERSION_CONTROL") then
// a space. Methods are case-sensitive and every registered one is upper case, 3 letters at least.
bool request_token(Bytes b) {
  std::size_t i = 0;
  while (i < b.size() && i < 25 && ((b[i] >= 'A' && b[i] <= 'Z') || b[i] == '-' || b[i] == '_'))
    ++i;
  return i >= 3 && i <= 24 && i < b.size() && b[i] == ' ';
}

bool starts(Bytes b, std::string_view lit) {
  return b.size() >= lit.size() && detail::equals(b.first(lit.size()), lit);
}

// A TLS record header (any type a record layer carries, version 3.x) or an SSLv2 ClientHello.
bool tls_shape(Bytes b) {
  if (b.size() >= 2 && b[0] >= 0x14 && b[0] <= 0x18 && b[1] == 0x03) return true;
  return b.size() >= 3 && (b[0] & 0x80) && b[2] == 0x01;
}

// A reply code line (SMTP, FTP): three digits, first 2-5, then a space, '-' or the line end.
bool reply_line(Bytes b) {
  if (b.size() < 4) return false;
  for (std::size_t i = 0; i < 3; ++i)
    if (!detail::is_digit(b[i])) return false;
  return b[0] >= '2' && b[0] <= '5' && (b[3] == ' ' || b[3] == '-' || b[3] == '\r' || b[3] == '\n');
}

// An SMTP command: 4 to 8 letters then a space or the line end (QUIT, RSET, STARTTLS, ...).
bool command_word(Bytes b) {
  std::size_t i = 0;
  while (i < b.size() && i < 9 && is_alpha(b[i])) ++i;
  return i >= 4 && i <= 8 && i < b.size() && (b[i] == ' ' || b[i] == '\r' || b[i] == '\n');
}

// A QUIC long header with a version of a known form (0 for version negotiation, 1, 2, drafts
// ff0000xx, reserved 0x?a?a?a?a, Google's Q0xx/T0xx), or a short header.
bool quic_shape(Bytes b) {
  if (b.empty()) return false;
  if ((b[0] & 0xc0) == 0x40) return true;
  if (!(b[0] & 0x80) || b.size() < 5) return false;
  const std::uint32_t v =
      std::uint32_t{b[1]} << 24 | std::uint32_t{b[2]} << 16 | std::uint32_t{b[3]} << 8 | b[4];
  return v == 0 || v == 1 || v == 0x6b3343cf || (v >> 8) == 0xff0000 ||
         (v & 0x0f0f0f0f) == 0x0a0a0a0a || ((b[1] == 'Q' || b[1] == 'T') && b[2] == '0');
}

}  // namespace

std::uint64_t plausible_apps(std::span<const std::uint8_t> from_initiator,
                             std::span<const std::uint8_t> from_responder, Transport transport) {
  const Bytes init = from_initiator, resp = from_responder;
  std::uint64_t apps = 0;
  if (dns_shape(init, transport) || dns_shape(resp, transport)) apps |= bit(App::dns);
  if (transport == Transport::udp) {
    if (quic_shape(init) || quic_shape(resp)) apps |= bit(App::quic);
    return apps;
  }
  if (request_token(init) || starts(resp, "HTTP/")) apps |= bit(App::http);
  if (tls_shape(init) || tls_shape(resp)) apps |= bit(App::ssl);
  if (reply_line(resp) || command_word(init)) apps |= bit(App::smtp) | bit(App::ftp);
  if (starts(init, "SSH-") || starts(resp, "SSH-")) apps |= bit(App::ssh);
  if (starts(resp, "+OK") || starts(resp, "-ERR")) apps |= bit(App::pop3);
  if (starts(resp, "* ")) apps |= bit(App::imap);
  return apps;
}

}  // namespace protoport::fingerprint
