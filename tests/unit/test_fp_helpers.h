// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Builders for fingerprint test vectors: wire-format messages assembled field by field, so that a
// test can cut them at each field boundary and name the field it cut.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fingerprint/fingerprint.h"

namespace fp_test {

using Buf = std::vector<std::uint8_t>;
namespace fp = protoport::fingerprint;

inline Buf text(std::string_view s) { return Buf(s.begin(), s.end()); }

inline Buf hex(std::string_view h) {
  auto nib = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string digits;
  for (char c : h)
    if (c != ' ') digits += c;
  Buf out;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
    out.push_back(static_cast<std::uint8_t>(nib(digits[i]) << 4 | nib(digits[i + 1])));
  return out;
}

inline void put8(Buf& b, unsigned v) { b.push_back(static_cast<std::uint8_t>(v)); }
inline void put16(Buf& b, unsigned v) {
  put8(b, v >> 8);
  put8(b, v);
}
inline void put24(Buf& b, unsigned v) {
  put8(b, v >> 16);
  put16(b, v & 0xffff);
}
inline void put(Buf& b, const Buf& more) { b.insert(b.end(), more.begin(), more.end()); }
inline void put(Buf& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
inline Buf prefix(const Buf& b, std::size_t n) { return Buf(b.begin(), b.begin() + n); }

// ---- DNS ----
struct DnsHeader {
  unsigned id = 0x1234, flags = 0x0100, qd = 1, an = 0, ns = 0, ar = 0;
};
inline Buf dns_name(std::string_view dotted) {
  Buf b;
  std::size_t start = 0;
  while (start < dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string_view::npos) dot = dotted.size();
    put8(b, static_cast<unsigned>(dot - start));
    put(b, dotted.substr(start, dot - start));
    start = dot + 1;
  }
  put8(b, 0);
  return b;
}
inline Buf dns_message(DnsHeader h, std::string_view qname, unsigned qtype = 1, unsigned qclass = 1,
                       const Buf& tail = {}) {
  Buf b;
  put16(b, h.id);
  put16(b, h.flags);
  put16(b, h.qd);
  put16(b, h.an);
  put16(b, h.ns);
  put16(b, h.ar);
  put(b, dns_name(qname));
  put16(b, qtype);
  put16(b, qclass);
  put(b, tail);
  return b;
}
inline Buf tcp_framed(const Buf& msg) {
  Buf b;
  put16(b, static_cast<unsigned>(msg.size()));
  put(b, msg);
  return b;
}

// ---- TLS ----
struct HelloSpec {
  unsigned record_version = 0x0301;
  unsigned hello_version = 0x0303;
  std::string sni;
  std::vector<std::string> alpn;
  std::vector<unsigned> versions;  // supported_versions; empty: extension left out
  std::size_t session_id_len = 32;
  bool extensions = true;
};
inline Buf ext(unsigned type, const Buf& body) {
  Buf b;
  put16(b, type);
  put16(b, static_cast<unsigned>(body.size()));
  put(b, body);
  return b;
}
inline Buf hello_extensions(const HelloSpec& s, bool client) {
  Buf exts;
  if (!s.sni.empty()) {
    Buf sni;
    put16(sni, static_cast<unsigned>(s.sni.size() + 3));
    put8(sni, 0);
    put16(sni, static_cast<unsigned>(s.sni.size()));
    put(sni, s.sni);
    put(exts, ext(0, sni));
  }
  put(exts, ext(10, hex("0004001d0017")));  // supported_groups: x25519, secp256r1
  if (!s.alpn.empty()) {
    Buf list;
    for (auto& p : s.alpn) {
      put8(list, static_cast<unsigned>(p.size()));
      put(list, p);
    }
    Buf alpn;
    put16(alpn, static_cast<unsigned>(list.size()));
    put(alpn, list);
    put(exts, ext(16, alpn));
  }
  if (!s.versions.empty()) {
    Buf v;
    if (client) put8(v, static_cast<unsigned>(2 * s.versions.size()));
    for (unsigned x : s.versions) put16(v, x);
    put(exts, ext(43, v));
  }
  return exts;
}
inline Buf handshake_record(unsigned record_version, unsigned hs_type, const Buf& body) {
  Buf b;
  put8(b, 22);
  put16(b, record_version);
  put16(b, static_cast<unsigned>(body.size() + 4));
  put8(b, hs_type);
  put24(b, static_cast<unsigned>(body.size()));
  put(b, body);
  return b;
}
inline Buf client_hello(const HelloSpec& s) {
  Buf body;
  put16(body, s.hello_version);
  body.insert(body.end(), 32, 0x5a);  // random
  put8(body, static_cast<unsigned>(s.session_id_len));
  body.insert(body.end(), s.session_id_len, 0x11);
  put(body, hex("0006 1301 c02f 002f"));  // cipher suites
  put(body, hex("01 00"));                // compression: null
  if (s.extensions) {
    Buf exts = hello_extensions(s, true);
    put16(body, static_cast<unsigned>(exts.size()));
    put(body, exts);
  }
  return handshake_record(s.record_version, 1, body);
}
inline Buf server_hello(const HelloSpec& s) {
  Buf body;
  put16(body, s.hello_version);
  body.insert(body.end(), 32, 0x77);
  put8(body, static_cast<unsigned>(s.session_id_len));
  body.insert(body.end(), s.session_id_len, 0x22);
  put(body, hex("1301 00"));  // cipher suite, compression
  if (s.extensions) {
    Buf exts = hello_extensions(s, false);
    put16(body, static_cast<unsigned>(exts.size()));
    put(body, exts);
  }
  return handshake_record(s.record_version, 2, body);
}

// ---- results ----
inline std::optional<std::string> evidence(const fp::Result& r, std::string_view key) {
  for (const auto& e : r.evidence)
    if (e.key == key) return e.value;
  return std::nullopt;
}
inline fp::Result tcp(const Buf& b) { return fp::classify_payload(b, fp::Transport::tcp); }
inline fp::Result udp(const Buf& b) { return fp::classify_payload(b, fp::Transport::udp); }

// Deterministic pseudo-random bytes (xorshift), so a failure reproduces.
struct Rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return s;
  }
  Buf bytes(std::size_t n) {
    Buf b(n);
    for (auto& c : b) c = static_cast<std::uint8_t>(next() >> 24);
    return b;
  }
};

}  // namespace fp_test
