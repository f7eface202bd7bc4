// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Flow verdicts from both directions, port renaming of DNS wire format, and what no protocol
// may claim: random bytes, zeros, empty payloads.
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::FirstSpeaker;
using fp::Role;
using fp::Transport;

namespace {
const Buf kQuery = dns_message({}, "printer.local", 12);
const Buf kResponse = dns_message({.flags = 0x8400, .an = 0}, "printer.local", 12);
const Buf kHello = client_hello({.sni = "mail.example.com"});
const Buf kBanner = text("220 mx.example.com ESMTP Postfix\r\n");
}  // namespace

// A NetBIOS name query for "WORKGROUP<1d>" (first-level encoding) and an LLMNR-style query for a
// single-label name.
const Buf kNbQuery = dns_message({}, "FHEPFCELEHFCEPFFFACACACACACACABN", 0x20);
const Buf kSingleLabel = dns_message({}, "printer", 1);
const Buf kTunnel = dns_message({}, "aGVsbG8gd29ybGQ.exfil.test", 16);

// Renamed only when the message travels as the cousin protocol does (issue 19: the port alone
// let a unicast DNS tunnel on 5353, 5355 or 137 pass as mdns, llmnr or nbns).
TEST_CASE("flow: DNS wire format is renamed by the responder's port and how it was sent") {
  const fp::Delivery group5355{5355, true};
  CHECK(fp::classify_flow(kQuery, kResponse, Transport::udp, 53).app == App::dns);
  CHECK(fp::classify_flow(kQuery, kResponse, Transport::udp, 5353).app == App::mdns);  // .local
  CHECK(fp::classify_flow(kQuery, {}, Transport::udp, group5355).app == App::llmnr);
  CHECK(fp::classify_flow(kSingleLabel, {}, Transport::udp, 5355).app == App::llmnr);
  CHECK(fp::classify_flow({}, kNbQuery, Transport::udp, 137).app == App::nbns);
  CHECK(fp::classify_flow(tcp_framed(kSingleLabel), {}, Transport::tcp, 5355).app == App::llmnr);
  // Unicast DNS to their ports with ordinary names (a DNS tunnel's shape) stays dns.
  for (const std::uint16_t port : {5353, 5355, 137}) {
    CHECK(fp::classify_flow(kTunnel, {}, Transport::udp, port).app == App::dns);
    CHECK(fp::classify_flow(tcp_framed(kTunnel), {}, Transport::tcp, port).app == App::dns);
  }
  CHECK(fp::classify_flow(kResponse, {}, Transport::udp, 137).app == App::dns);  // not NetBIOS
  // ... and sent to a group it is the cousin, whatever the names (mDNS/LLMNR queriers).
  CHECK(fp::classify_flow(kTunnel, {}, Transport::udp, fp::Delivery{5353, true}).app == App::mdns);
  CHECK(fp::classify_flow(kTunnel, {}, Transport::udp, group5355).app == App::llmnr);
  // mDNS names: .local, link-local reverse zones, any case, a trailing dot.
  for (const char* name :
       {"Printer.LOCAL", "printer.local.", "1.0.254.169.in-addr.arpa",
        "b.a.9.8.7.6.5.0.4.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa"})
    CHECK(fp::classify_flow(dns_message({}, name, 12), {}, Transport::udp, 5353).app == App::mdns);
  for (const char* name : {"local.example.com", "notlocal", "2.0.192.in-addr.arpa"})
    CHECK(fp::classify_flow(dns_message({}, name, 12), {}, Transport::udp, 5353).app == App::dns);
  // Only DNS is renamed: HTTP on 5353 stays http.
  CHECK(fp::classify_flow(text("GET / HTTP/1.1\r\n\r\n"), {}, Transport::tcp, 5353).app ==
        App::http);
}

TEST_CASE("flow: either direction alone is enough") {
  CHECK(fp::classify_flow({}, kResponse, Transport::udp, 53).app == App::dns);
  CHECK(fp::classify_flow({}, text("HTTP/1.1 200 OK\r\n"), Transport::tcp, 8081).app == App::http);
  CHECK(fp::classify_flow({}, server_hello({}), Transport::tcp, 4443).app == App::ssl);
  CHECK(fp::classify_flow({}, kBanner, Transport::tcp, 2525).app == App::smtp);
  CHECK(fp::classify_flow(kHello, {}, Transport::tcp, 4443).app == App::ssl);
  CHECK(fp::classify_flow({}, {}, Transport::tcp, 80).app == App::unknown);
}

TEST_CASE("flow: both directions agree, evidence from both") {
  auto r = fp::classify_flow(kHello, server_hello({.record_version = 0x0303}), Transport::tcp, 443);
  CHECK(r.app == App::ssl);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "sni") == "mail.example.com");
  CHECK(evidence(r, "tls_version") == "TLSv1.2");
}

TEST_CASE("flow: the opening payload decides") {
  SUBCASE("STARTTLS on 25 is smtp") {
    Buf client = text("EHLO client.example.com\r\nSTARTTLS\r\n");
    CHECK(fp::classify_flow(client, kBanner, Transport::tcp, 25).app == App::smtp);
    CHECK(fp::classify_flow(text("EHLO c\r\n"), kBanner, Transport::tcp, 25).app == App::smtp);
  }
  SUBCASE("HTTP CONNECT is http") {
    auto r = fp::classify_flow(
        text("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"),
        text("HTTP/1.1 200 Connection established\r\n\r\n"), Transport::tcp, 3128);
    CHECK(r.app == App::http);
    CHECK(evidence(r, "http_host") == "example.com:443");
  }
  SUBCASE("a server greeting answered by commands we do not name") {
    CHECK(fp::classify_flow(text("USER anonymous\r\n"), text("220 (vsFTPd 3.0.3)\r\n"),
                            Transport::tcp, 21)
              .app == App::ftp);
    CHECK(fp::classify_flow(text("CAPA\r\n"), text("+OK ready\r\n"), Transport::tcp, 110).app ==
          App::pop3);
    CHECK(fp::classify_flow(text("QUIT\r\n"), kBanner, Transport::tcp, 587).app == App::smtp);
  }
  SUBCASE("implicit TLS towards a plaintext banner: the client did not wait") {
    CHECK(fp::classify_flow(kHello, kBanner, Transport::tcp, 465).app == App::ssl);
    CHECK(fp::classify_flow(kHello, kBanner, Transport::tcp, 465, FirstSpeaker::responder).app ==
          App::smtp);
    CHECK(fp::classify_flow(kHello, kBanner, Transport::tcp, 465, FirstSpeaker::initiator).app ==
          App::ssl);
  }
  SUBCASE("an unrecognised preamble before an HTTP reply is not http") {
    Buf preamble(40, 0x38);
    Buf reply = text("HTTP/1.1 400 Bad Request\r\n\r\n");
    CHECK(fp::classify_flow(preamble, reply, Transport::tcp, 4176).app == App::unknown);
    CHECK(fp::classify_flow(preamble, reply, Transport::tcp, 4176, FirstSpeaker::responder).app ==
          App::http);
  }
  SUBCASE("a TCP DNS length prefix alone leaves it to the reply") {
    Buf reply = tcp_framed(dns_message({.flags = 0x8180}, "example.com"));
    CHECK(fp::classify_flow(hex("001d"), reply, Transport::tcp, 53).app == App::dns);
  }
}

TEST_CASE("flow: no protocol claims random bytes, zeros or empty payloads") {
  Rng rng{0x243f6a8885a308d3ull};
  int hits = 0;
  for (int i = 0; i < 300000; ++i) {
    Buf b = rng.bytes(1 + rng.next() % 300);
    hits += tcp(b).app != App::unknown;
    hits += udp(b).app != App::unknown;
  }
  CHECK(hits == 0);
  for (std::size_t n = 0; n <= 1024; ++n) {
    CHECK(tcp(Buf(n, 0)).app == App::unknown);
    CHECK(udp(Buf(n, 0)).app == App::unknown);
    CHECK(tcp(Buf(n, 0xff)).app == App::unknown);
    CHECK(udp(Buf(n, 0xff)).app == App::unknown);
  }
  CHECK(fp::classify_flow(Buf(64, 0), Buf(64, 0), Transport::udp, 53).app == App::unknown);
}

TEST_CASE("flow: names") {
  CHECK(fp::to_string(App::ssl) == "ssl");
  CHECK(fp::to_string(App::nbns) == "nbns");
  CHECK(fp::to_string(App::unknown) == "unknown");
  CHECK(fp::to_string(Transport::udp) == "udp");
  CHECK(fp::to_string(Role::server) == "server");
  CHECK(fp::is_printable(text("a b~")));
  CHECK_FALSE(fp::is_printable(text("a\tb")));
  CHECK_FALSE(fp::is_printable(hex("80")));
}

// Issue 20: a request form no parser knows, answered by the server as its protocol, is named by
// the answer; an answer that rejects the request (400, an alert) names nothing.
TEST_CASE("flow: the server's accepting reply decides when the request was not recognised") {
  const Buf odd_request = text("GeT / HTTP/1.1\r\nHost: h\r\n\r\n");  // lower-case: not ours
  CHECK(fp::classify_payload(odd_request, Transport::tcp).app == App::unknown);
  const auto r =
      fp::classify_flow(odd_request, text("HTTP/1.1 200 OK\r\n\r\n"), Transport::tcp, 8081);
  CHECK(r.app == App::http);
  CHECK(r.role == Role::server);
  CHECK(fp::classify_flow(Buf(40, 0x8a), server_hello({}), Transport::tcp, 4443).app == App::ssl);
  CHECK(
      fp::classify_flow(odd_request, text("HTTP/1.1 400 Bad Request\r\n\r\n"), Transport::tcp, 8081)
          .app == App::unknown);
  CHECK(fp::classify_flow(odd_request, text("HTTP/1.1 505 HTTP Version Not Supported\r\n\r\n"),
                          Transport::tcp, 8081)
            .app == App::unknown);
  CHECK(fp::classify_flow(Buf(40, 0x8a), hex("15 0303 0002 0228"), Transport::tcp, 4443).app ==
        App::unknown);
}
