// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// TLS fingerprint: ClientHello/ServerHello parsed with their evidence, the other record types,
// SSLv2-format hellos, truncation at each field, and inconsistent lengths.
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Role;

namespace {
HelloSpec modern_client() {
  return {.sni = "www.example.com",
          .alpn = {"h2", "http/1.1"},
          .versions = {0x3a3a /* GREASE */, 0x0304, 0x0303}};
}
Buf cat(Buf a, const Buf& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

TEST_CASE("tls: ClientHello gives SNI, ALPN and offered versions") {
  auto r = tcp(client_hello(modern_client()));
  CHECK(r.app == App::ssl);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "sni") == "www.example.com");
  CHECK(evidence(r, "alpn") == "h2,http/1.1");
  CHECK(evidence(r, "tls_versions") == "TLSv1.3,TLSv1.2");
  CHECK(evidence(r, "tls_record") == std::nullopt);
  for (const auto& e : r.evidence) CHECK(e.printable);
}

TEST_CASE("tls: ClientHello without supported_versions offers its own version") {
  auto r = tcp(client_hello({.sni = "a.example"}));
  CHECK(evidence(r, "tls_versions") == "TLSv1.2");
  auto ssl3 = tcp(client_hello({.record_version = 0x0300,
                                .hello_version = 0x0300,
                                .session_id_len = 0,
                                .extensions = false}));
  CHECK(ssl3.app == App::ssl);
  CHECK(evidence(ssl3, "tls_versions") == "SSLv3");
}

TEST_CASE("tls: ServerHello is the server's, with its choice") {
  auto r = tcp(server_hello({.record_version = 0x0303, .alpn = {"h2"}, .versions = {0x0304}}));
  CHECK(r.app == App::ssl);
  CHECK(r.role == Role::server);
  CHECK(evidence(r, "tls_version") == "TLSv1.3");
  CHECK(evidence(r, "alpn_selected") == "h2");
  CHECK(evidence(r, "sni") == std::nullopt);
  auto tls12 = tcp(server_hello({.record_version = 0x0303}));
  CHECK(evidence(tls12, "tls_version") == "TLSv1.2");
}

TEST_CASE("tls: cut at every byte, a hello classifies from its version on") {
  Buf hello = client_hello(modern_client());
  // The SNI extension is the first one: record(5) + hs(4) + version(2) + random(32) + sid(1+32)
  // + suites(2+6) + compression(2) + extensions length(2) + type/len(4) + body.
  std::size_t sni_end = 5 + 4 + 2 + 32 + 33 + 8 + 2 + 2 + 4 + 5 + 15;
  for (std::size_t n = 0; n <= hello.size(); ++n) {
    CAPTURE(n);
    auto r = tcp(prefix(hello, n));
    CHECK((r.app == App::ssl) == (n >= 11));
    CHECK(evidence(r, "sni").has_value() == (n >= sni_end));
    CHECK(evidence(r, "tls_versions").has_value() == (n == hello.size()));
  }
  Buf sh = server_hello({.record_version = 0x0303, .versions = {0x0304}});
  for (std::size_t n = 0; n <= sh.size(); ++n) {
    CAPTURE(n);
    CHECK((tcp(prefix(sh, n)).app == App::ssl) == (n >= 11));
  }
}

TEST_CASE("tls: a ClientHello longer than one sample classifies from its first bytes") {
  HelloSpec s = modern_client();
  Buf hello = client_hello(s);
  // Grow it past 1500 bytes with a padding extension (RFC 7685), as post-quantum hellos are.
  Buf padded;
  {
    Buf pad = ext(21, Buf(1400, 0));
    std::size_t ext_len_at = 5 + 4 + 2 + 32 + 33 + 8 + 2;
    Buf body(hello.begin() + 9, hello.end());
    put(body, pad);
    std::size_t total = ((hello[ext_len_at] << 8) | hello[ext_len_at + 1]) + pad.size();
    body[ext_len_at - 9] = static_cast<std::uint8_t>(total >> 8);
    body[ext_len_at - 9 + 1] = static_cast<std::uint8_t>(total);
    padded = handshake_record(0x0301, 1, body);
  }
  REQUIRE(tcp(padded).app == App::ssl);
  auto r = tcp(prefix(padded, 256));
  CHECK(r.app == App::ssl);
  CHECK(evidence(r, "sni") == "www.example.com");
  // Fragmented: the same hello split over two records (record length < handshake length).
  Buf frag = padded;
  frag[3] = 0x01;  // the first record holds only 256 bytes of it
  frag[4] = 0x00;
  CHECK(tcp(prefix(frag, 200)).app == App::ssl);
}

TEST_CASE("tls: inconsistent hellos are not TLS") {
  Buf good = client_hello(modern_client());
  auto with = [&](std::size_t at, std::uint8_t v) {
    Buf b = good;
    b[at] = v;
    return b;
  };
  CHECK(tcp(with(1, 0x04)).app == App::unknown);  // record version 4.1
  // Record version 3.4 on a hello that parses: servers ignore the field (RFC 8446 5.1) and
  // OpenSSL answers it, so it is ssl (issue 20); on any other record it stays refused.
  CHECK(tcp(with(2, 0x04)).app == App::ssl);
  CHECK(tcp(hex("17 0304 0010 00112233445566778899aabbccddeeff")).app == App::unknown);
  CHECK(tcp(with(10, 0x04)).app == App::unknown);          // hello version 3.4
  CHECK(tcp(with(43, 33)).app == App::unknown);            // session id longer than 32
  CHECK(tcp(with(77, 0x07)).app == App::unknown);          // odd cipher-suite length
  CHECK(tcp(with(86, good[86] + 1)).app == App::unknown);  // extensions overrun the hello
  CHECK(tcp(with(90, 0xff)).app == App::unknown);          // an extension overruns the block
  CHECK(tcp(with(5, 0x63)).app == App::unknown);           // handshake type 99
  Buf tiny = good;
  tiny[6] = 0;
  tiny[7] = 0;
  tiny[8] = 30;  // hello shorter than its fields
  CHECK(tcp(tiny).app == App::unknown);
  CHECK(tcp(hex("16 0301 0000")).app == App::unknown);     // empty record
  CHECK(tcp(hex("16 0301 4801 01")).app == App::unknown);  // record over 2^14 + 2048
  CHECK(udp(good).app == App::unknown);                    // DTLS/QUIC are not ssl
}

TEST_CASE("tls: the other record types") {
  SUBCASE("change cipher spec") {
    CHECK(evidence(tcp(hex("14 0303 0001 01")), "tls_record") == "ccs");
    CHECK(tcp(hex("14 0303 0001 01 17 0303 0005 0102030405")).app == App::ssl);
    CHECK(tcp(hex("14 0303 0002 0101")).app == App::unknown);
    CHECK(tcp(hex("14 0303 0001 02")).app == App::unknown);
  }
  SUBCASE("alert") {
    auto r = tcp(hex("15 0303 0002 02 28"));  // fatal handshake_failure
    CHECK(r.app == App::ssl);
    CHECK(r.role == Role::unknown);
    CHECK(tcp(hex("15 0301 0002 01 00")).app == App::ssl);  // warning close_notify
    CHECK(tcp(hex("15 0303 0002 03 28")).app == App::unknown);
    CHECK(tcp(hex("15 0303 0002 02 99")).app == App::unknown);
    CHECK(tcp(cat(hex("15 0303 001a"), Buf(26, 0xab))).app == App::ssl);       // encrypted alert
    CHECK(tcp(cat(hex("15 0303 0400"), Buf(200, 0xab))).app == App::unknown);  // no alert is 1 KiB
  }
  SUBCASE("application data, and the records after it") {
    auto r = tcp(cat(hex("17 0303 0010"), Buf(16, 0xcd)));
    CHECK(r.app == App::ssl);
    CHECK(evidence(r, "tls_record") == "app_data");  // midstream: no hello to show
    CHECK(tcp(hex("17 0303 0004 01020304 17 0303 0002 0102")).app == App::ssl);
    CHECK(tcp(hex("17 0303 0004 01020304 47 4554 2020")).app == App::unknown);
    CHECK(tcp(hex("17 0303 0004 01020304 17 0303 0000")).app == App::unknown);
    CHECK(tcp(hex("18 0303 0004 01020304")).app == App::unknown);  // heartbeat first
    CHECK(tcp(hex("17 0303 00")).app == App::unknown);             // header cut
  }
  SUBCASE("other handshake messages") {
    auto cert = tcp(hex("16 0303 0010 0b 00000c 000009 000006 010203040506"));
    CHECK(cert.app == App::ssl);
    CHECK(cert.role == Role::unknown);
    CHECK(tcp(hex("16 0303 0004 0e 000000")).role == Role::server);  // ServerHelloDone
    CHECK(tcp(hex("16 0303 0008 0e 000004 00000000")).app == App::unknown);
    CHECK(tcp(cat(hex("16 0303 0046 10 000042 41"), Buf(65, 1))).role == Role::client);  // CKE
  }
}

TEST_CASE("tls: SSLv2-format ClientHello") {
  // len 0x2b = 9 + 18 (six cipher specs) + 0 + 16 (challenge)
  Buf v2 = hex("802b 01 0301 0012 0000 0010");
  put(v2, hex("010080 030080 070000 000035 00002f 00000a"));
  put(v2, Buf(16, 0x42));
  auto r = tcp(v2);
  CHECK(r.app == App::ssl);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "tls_versions") == "TLSv1.0");
  CHECK(tcp(prefix(v2, 11)).app == App::ssl);
  CHECK(tcp(prefix(v2, 10)).app == App::unknown);
  Buf bad_sum = v2;
  bad_sum[1] = 0x2c;
  CHECK(tcp(bad_sum).app == App::unknown);
  Buf bad_cs = v2;
  bad_cs[6] = 0x11;  // not a multiple of 3
  CHECK(tcp(bad_cs).app == App::unknown);
  Buf server_hello_v2 = v2;
  server_hello_v2[2] = 0x04;
  CHECK(tcp(server_hello_v2).app == App::unknown);
  Buf sslv2 = v2;
  sslv2[3] = 0x00;
  sslv2[4] = 0x02;
  CHECK(evidence(tcp(sslv2), "tls_versions") == "SSLv2");
}

TEST_CASE("tls: SNI bytes come back raw with a printable flag") {
  HelloSpec s = modern_client();
  s.sni = std::string("bad\x01name", 8);
  auto r = tcp(client_hello(s));
  REQUIRE(evidence(r, "sni").has_value());
  CHECK(*evidence(r, "sni") == s.sni);
  CHECK_FALSE(r.evidence[0].printable);
}

namespace {

// The handshake message inside `record` (one record) fragmented over records at `cuts`.
Buf refragment(const Buf& record, const std::vector<std::size_t>& cuts) {
  const Buf message(record.begin() + 5, record.end());
  Buf out;
  std::size_t from = 0;
  std::vector<std::size_t> ends = cuts;
  ends.push_back(message.size());
  for (const std::size_t to : ends) {
    put(out, hex("16 0301"));
    put16(out, static_cast<unsigned>(to - from));
    out.insert(out.end(), message.begin() + static_cast<std::ptrdiff_t>(from),
               message.begin() + static_cast<std::ptrdiff_t>(to));
    from = to;
  }
  return out;
}

}  // namespace

// Issue 20: a server reassembles a handshake message fragmented over records (RFC 8446 5.1),
// so protoport does too: openssl s_server answered every one of these.
TEST_CASE("tls: a ClientHello fragmented over records at any point is the same ClientHello") {
  const Buf whole = client_hello({.sni = "split.example", .alpn = {"h2"}});
  const std::size_t n = whole.size() - 5;
  for (std::size_t cut = 1; cut < n; ++cut) {
    CAPTURE(cut);
    const auto r = tcp(refragment(whole, {cut}));
    REQUIRE(r.app == App::ssl);
    CHECK(r.role == fp::Role::client);
    CHECK(evidence(r, "sni") == "split.example");
    CHECK(evidence(r, "alpn") == "h2");
    CHECK(evidence(r, "tls_hello_records") == "2");
  }
  // One byte per record, and 1 + 3 + rest.
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < n; ++i) every.push_back(i);
  const auto bytewise = tcp(refragment(whole, every));
  CHECK(bytewise.app == App::ssl);
  CHECK(evidence(bytewise, "sni") == "split.example");
  const auto three = tcp(refragment(whole, {1, 4}));
  CHECK(evidence(three, "sni") == "split.example");
  CHECK(evidence(three, "tls_hello_records") == "3");
  // The ServerHello too.
  const auto sh = tcp(refragment(server_hello({.versions = {0x0304}}), {4}));
  CHECK(sh.app == App::ssl);
  CHECK(sh.role == fp::Role::server);
  // Not joined: a first fragment followed by a record of another type, or lengths that lie.
  Buf mixed = refragment(whole, {3});
  mixed[5 + 3] = 0x17;  // the second record's type: application data
  CHECK(tcp(mixed).app != App::ssl);
  const Buf one = refragment(whole, {});
  CHECK_FALSE(evidence(tcp(one), "tls_hello_records"));  // one record: nothing to say
}
