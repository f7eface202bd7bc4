// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// DNS fingerprint: queries and responses over UDP and TCP, mDNS/NBNS shapes, and the header and
// name checks that keep random bytes out.
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Role;

namespace {
// One EDNS OPT record, so that a message continues after its question.
const Buf kOpt = hex("00 0029 1000 00000000 0000");
}  // namespace

TEST_CASE("dns: UDP query names its question") {
  auto r = udp(dns_message({}, "www.example.com", 1));
  CHECK(r.app == App::dns);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "dns_qname") == "www.example.com");
  CHECK(evidence(r, "dns_qtype") == "A");
  CHECK(r.evidence[0].printable);
}

TEST_CASE("dns: response, with the QR bit, is the server's") {
  Buf answer = hex("c00c 0001 0001 00000e10 0004 5db8d822");
  auto r = udp(dns_message({.flags = 0x8180, .an = 1}, "example.com", 1, 1, answer));
  CHECK(r.app == App::dns);
  CHECK(r.role == Role::server);
  CHECK(evidence(r, "dns_qname") == "example.com");
}

TEST_CASE("dns: real TCP query from a capture (arkime dns-tcp.pcap)") {
  auto r = tcp(hex("001c5e630100000100000000000006676f6f676c6503636f6d0000010001"));
  CHECK(r.app == App::dns);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "dns_qname") == "google.com");
}

TEST_CASE("dns: TCP needs the length prefix, and a prefix alone is not enough") {
  Buf msg = dns_message({}, "example.org", 28, 1, kOpt);
  CHECK(tcp(tcp_framed(msg)).app == App::dns);
  CHECK(tcp(msg).app == App::unknown);              // no prefix: header read as length
  CHECK(udp(tcp_framed(msg)).app == App::unknown);  // prefix on UDP shifts the header
  CHECK(tcp(prefix(tcp_framed(msg), 2)).app == App::unknown);
  // A length shorter than the question it frames.
  Buf short_len = tcp_framed(msg);
  short_len[1] = 20;
  CHECK(tcp(short_len).app == App::unknown);
}

TEST_CASE("dns: every type and class of the question is checked") {
  CHECK(evidence(udp(dns_message({}, "example.com", 28)), "dns_qtype") == "AAAA");
  CHECK(evidence(udp(dns_message({}, "example.com", 65)), "dns_qtype") == "HTTPS");
  CHECK(evidence(udp(dns_message({}, "example.com", 1000)), "dns_qtype") == std::nullopt);
  CHECK(udp(dns_message({}, "example.com", 0)).app == App::unknown);
  CHECK(udp(dns_message({}, "example.com", 41)).app == App::unknown);    // OPT as a question
  CHECK(udp(dns_message({}, "example.com", 1, 2)).app == App::unknown);  // class 2 unassigned
  CHECK(udp(dns_message({}, "example.com", 1, 0)).app == App::unknown);
  CHECK(udp(dns_message({}, "version.bind", 16, 3)).app == App::dns);  // CHAOS
  CHECK(udp(dns_message({}, "example.com", 255, 255)).app == App::dns);
}

TEST_CASE("dns: header near-misses") {
  SUBCASE("absurd counts") {
    CHECK(udp(dns_message({.an = 0xffff}, "example.com")).app == App::unknown);
    CHECK(udp(dns_message({.qd = 500}, "example.com")).app == App::unknown);
    CHECK(udp(dns_message({.flags = 0x8180, .an = 5000}, "example.com")).app == App::unknown);
    CHECK(udp(dns_message({.flags = 0x8180, .ar = 0x8000}, "example.com")).app == App::unknown);
    // Plausible on UDP, but more records than a 40-byte TCP message can hold.
    Buf msg = dns_message({.flags = 0x8180, .an = 40}, "example.com");
    CHECK(tcp(tcp_framed(msg)).app == App::unknown);
  }
  SUBCASE("opcode, Z bit, rcode") {
    CHECK(udp(dns_message({.flags = 0x1800}, "example.com")).app == App::unknown);  // opcode 3
    CHECK(udp(dns_message({.flags = 0x7800}, "example.com")).app == App::unknown);  // opcode 15
    CHECK(udp(dns_message({.flags = 0x0140}, "example.com")).app == App::unknown);  // Z
    CHECK(udp(dns_message({.flags = 0x0103}, "example.com")).app == App::unknown);  // query rcode
    CHECK(udp(dns_message({.flags = 0x818f}, "example.com")).app == App::unknown);  // rcode 15
    CHECK(udp(dns_message({.flags = 0x8183}, "example.com")).app == App::dns);      // NXDOMAIN
    CHECK(udp(dns_message({.flags = 0x2800}, "example.com", 6)).app == App::dns);   // UPDATE
    CHECK(udp(dns_message({.flags = 0x2800, .qd = 2}, "example.com", 6)).app == App::unknown);
    CHECK(udp(dns_message({.flags = 0x2000}, "example.com", 6)).app == App::dns);  // NOTIFY
  }
  SUBCASE("no question") {
    CHECK(udp(dns_message({.qd = 0}, "example.com")).app == App::unknown);
    CHECK(udp(dns_message({.flags = 0x8180, .qd = 0}, "example.com")).app == App::unknown);
  }
}

TEST_CASE("dns: the first name must parse inside the sample") {
  SUBCASE("label longer than 63") {
    std::string label(64, 'a');
    CHECK(udp(dns_message({}, label + ".com")).app == App::unknown);
    CHECK(udp(dns_message({}, label.substr(1) + ".com")).app == App::dns);
  }
  SUBCASE("name longer than 255") {
    std::string name;
    for (int i = 0; i < 5; ++i) name += std::string(60, 'a') + ".";
    CHECK(udp(dns_message({}, name + "com")).app == App::unknown);
  }
  SUBCASE("compression pointer in the first name") {
    Buf b = hex("1234 0100 0001 0000 0000 0000 c00c 0001 0001");
    CHECK(udp(b).app == App::unknown);
  }
  SUBCASE("root name") {
    auto r = udp(dns_message({}, "", 2));
    CHECK(r.app == App::dns);
    CHECK(evidence(r, "dns_qname") == ".");
  }
  SUBCASE("binary label is evidence, flagged not printable") {
    Buf b = hex("1234 0100 0001 0000 0000 0000 03 61 00 62 03 636f6d 00 0001 0001");
    auto r = udp(b);
    REQUIRE(r.app == App::dns);
    REQUIRE(r.evidence.size() == 2);
    CHECK(r.evidence[0].value == std::string("a\0b.com", 7));
    CHECK_FALSE(r.evidence[0].printable);
  }
}

TEST_CASE("dns: cut at every byte, the verdict turns on only once type and class are in") {
  Buf msg = dns_message({.ar = 1}, "mail.example.com", 15, 1, kOpt);
  std::size_t question_end = msg.size() - kOpt.size();
  for (std::size_t n = 0; n <= msg.size(); ++n) {
    CAPTURE(n);
    CHECK((udp(prefix(msg, n)).app == App::dns) == (n >= question_end));
  }
  Buf framed = tcp_framed(msg);
  for (std::size_t n = 0; n <= framed.size(); ++n) {
    CAPTURE(n);
    CHECK((tcp(prefix(framed, n)).app == App::dns) == (n >= question_end + 2));
  }
}

TEST_CASE("dns: mDNS announcement without a question names its first record") {
  // Response, authoritative; one PTR answer with the cache-flush class bit.
  Buf rr = dns_name("_ipp._tcp.local");
  put(rr, hex("000c 8001 00001194 0002 c00c"));
  Buf b = hex("0000 8400 0000 0001 0000 0000");
  put(b, rr);
  auto r = udp(b);
  CHECK(r.app == App::dns);
  CHECK(r.role == Role::server);
  CHECK(evidence(r, "dns_rrname") == "_ipp._tcp.local");
  CHECK(evidence(r, "dns_rrtype") == "PTR");
  // The same with a record length running past a TCP message, or a wrong A length.
  Buf bad_a = hex("0000 8400 0000 0001 0000 0000 00 0001 0001 00000010 0005 0102030405");
  CHECK(udp(bad_a).app == App::unknown);
}

TEST_CASE("dns: NetBIOS name query has DNS wire format (renamed nbns by port)") {
  // Broadcast name query for "WORKGROUP<1d>", first-level encoded.
  Buf b = hex("8a1b 0110 0001 0000 0000 0000");
  put(b, dns_name("FHEPFCELEHFCEPFFFACACACACACACABN"));
  put(b, hex("0020 0001"));
  auto r = udp(b);
  CHECK(r.app == App::dns);
  CHECK(evidence(r, "dns_qtype") == "NB");
  CHECK(fp::classify_flow(b, {}, fp::Transport::udp, 137).app == App::nbns);
}

TEST_CASE("dns: random and zero bytes do not pass") {
  Rng rng{0x9e3779b97f4a7c15ull};
  int hits = 0;
  for (int i = 0; i < 200000; ++i) {
    Buf b = rng.bytes(12 + rng.next() % 500);
    hits += udp(b).app == App::dns;
    hits += tcp(b).app == App::dns;
  }
  CHECK(hits == 0);
  for (std::size_t n = 0; n <= 1024; n += 7) {
    CHECK(udp(Buf(n, 0)).app == App::unknown);
    CHECK(tcp(Buf(n, 0)).app == App::unknown);
  }
}

TEST_CASE("dns: a tunnel's long query name cut by the sample is still dns") {
  // iodine-style: a 252-character name in 63-byte labels, as a DNS tunnel sends data.
  std::string name;
  for (int i = 0; i < 3; ++i) name += std::string(63, 'a' + i) + ".";
  name += std::string(59, 'z');  // 4 labels of 63+63+63+59 = 248 chars + dots: 252; wire 254
  const Buf msg = dns_message({}, name, 10);
  REQUIRE(msg.size() > 256);
  SUBCASE("UDP, the default 256-byte sample") {
    auto r = udp(prefix(msg, 256));
    CHECK(r.app == App::dns);
    CHECK(r.role == fp::Role::client);
    REQUIRE(evidence(r, "dns_qname"));
    CHECK(evidence(r, "dns_qname")->substr(0, 63) == std::string(63, 'a'));
    CHECK_FALSE(evidence(r, "dns_qtype"));  // the question's type lies beyond the sample
  }
  SUBCASE("TCP, length-prefixed") { CHECK(tcp(prefix(tcp_framed(msg), 256)).app == App::dns); }
  SUBCASE("a name cut before 128 bytes is not evidence") {
    CHECK(udp(prefix(msg, 12 + 127)).app == App::unknown);
    CHECK(udp(prefix(msg, 12 + 140)).app == App::dns);
  }
  SUBCASE("a response with no question and a cut record name is not evidence") {
    Buf b = prefix(dns_message({.flags = 0x8400, .qd = 0, .an = 1}, name, 1), 256);
    CHECK(udp(b).app == App::unknown);
  }
}
