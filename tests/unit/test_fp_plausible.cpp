// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// plausible_apps(): the loose shapes a port rule checks before calling unrecognised bytes
// "another protocol". Variants of the expected protocol that the strict parsers refuse keep
// their app's bit; random and encrypted bytes (shadowsocks, static-key VPNs) get none.
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Transport;

namespace {

bool has(std::uint64_t mask, App app) { return ((mask >> static_cast<unsigned>(app)) & 1) != 0; }

std::uint64_t from_client(const Buf& b, Transport t = Transport::tcp) {
  return fp::plausible_apps(b, {}, t);
}
std::uint64_t from_server(const Buf& b, Transport t = Transport::tcp) {
  return fp::plausible_apps({}, b, t);
}

}  // namespace

TEST_CASE("variants of the expected protocols keep their bit") {
  CHECK(has(from_client(text("FOO /x HTTP/1.1\r\n")), App::http));    // unregistered method
  CHECK(has(from_server(text("HTTP/1.1 999 Odd\r\n")), App::http));   // odd status
  CHECK(has(from_client(hex("16 03 09 00 10")), App::ssl));           // odd record version
  CHECK(has(from_client(hex("80 2e 01 00 02")), App::ssl));           // SSLv2 hello header
  CHECK(has(from_server(text("554 5.7.1 go away\r\n")), App::smtp));  // rejecting greeting
  CHECK(has(from_client(text("QUIT\r\n")), App::smtp));
  CHECK(has(from_client(text("STARTTLS\r\n")), App::smtp));
  // DNS with an opcode or type the strict parser refuses: a header is still a header.
  CHECK(has(from_client(hex("12 34 28 00 00 01 00 00 00 00 00 00 00"), Transport::udp), App::dns));
  CHECK(has(from_client(hex("00 0d 12 34 01 00 00 01 00 00 00 00 00 00 00")), App::dns));
  // QUIC with a version of a known form, and short headers.
  CHECK(has(from_client(hex("c0 00 00 00 01 08"), Transport::udp), App::quic));
  CHECK(has(from_client(hex("c3 ff 00 00 1d 08"), Transport::udp), App::quic));
  CHECK(has(from_client(hex("c3 51 30 34 36 08"), Transport::udp), App::quic));
  CHECK(has(from_client(hex("c3 1a 2a 3a 4a 08"), Transport::udp), App::quic));  // reserved
  CHECK(has(from_client(hex("45 11 22 33 44 55"), Transport::udp), App::quic));
  CHECK(has(from_server(text("SSH-2.0-x\r\n")), App::ssh));
}

TEST_CASE("shapes are per side: a server's reply code is not a client's command") {
  CHECK_FALSE(has(from_client(text("554 5.7.1 go away\r\n")), App::smtp));
  CHECK_FALSE(has(from_server(text("FOO /x HTTP/1.1\r\n")), App::http));
  CHECK_FALSE(has(from_client(text("HTTP/1.1 200 OK\r\n")), App::http));
}

TEST_CASE("random bytes are shaped like none of the port rules' apps") {
  Rng rng{0x1234567};
  int dns = 0, quic = 0, tcp_any = 0;
  for (int i = 0; i < 100000; ++i) {
    const Buf b = rng.bytes(16 + rng.next() % 200);
    const auto u = from_client(b, Transport::udp);
    dns += has(u, App::dns);
    // A QUIC short header is 1 in 4 of random first bytes: no verdict for those, by design.
    quic += has(u, App::quic) && (b[0] & 0xc0) != 0x40;
    const auto t = from_client(b);
    tcp_any += has(t, App::http) || has(t, App::smtp) || has(t, App::dns);
  }
  CHECK(dns == 0);
  CHECK(quic < 50);     // long header with a version of a known form: ~1 in 2^9 of random bytes
  CHECK(tcp_any < 10);  // capitals then a space, letters then a line end, a DNS header: rare
  // TLS: a first byte 0x14-0x18 and 0x03 after it, 1 in 13,000.
}
