// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The text group (userspace/fingerprint/text.cpp): SIP, RTSP, SSDP, IRC and an HTTP/2 server's
// SETTINGS. Vectors as the real programs send them (sipsak, curl rtsp://, miniupnpc, irssi,
// nginx h2c), their prefix cuts, near-misses, and the rule that SIP, RTSP and SSDP are never http.
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Role;

namespace {

void put32(Buf& b, unsigned v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}

Buf h2_settings(std::initializer_list<std::pair<unsigned, unsigned>> settings, unsigned flags = 0,
                unsigned stream = 0) {
  Buf b;
  put24(b, static_cast<unsigned>(settings.size() * 6));
  put8(b, 4);
  put8(b, flags);
  put32(b, stream);
  for (auto [id, value] : settings) {
    put16(b, id);
    put32(b, value);
  }
  return b;
}

}  // namespace

TEST_CASE("text: SIP requests and responses, both transports") {
  const std::string options =
      "OPTIONS sip:lab@192.0.2.15 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK\r\n";
  for (auto r : {udp(text(options)), tcp(text(options))}) {
    CHECK(r.app == App::sip);
    CHECK(r.role == Role::client);
    CHECK(evidence(r, "app_target") == "sip:lab@192.0.2.15");
    CHECK(evidence(r, "app_version") == "SIP/2.0");
  }
  for (const char* m : {"INVITE", "REGISTER", "BYE", "ACK", "SUBSCRIBE", "MESSAGE"}) {
    CAPTURE(m);
    CHECK(udp(text(std::string(m) + " sips:bob@example.com SIP/2.0\r\n")).app == App::sip);
  }
  CHECK(tcp(text("INVITE tel:+15551234 SIP/2.0\r\n")).app == App::sip);
  auto reply = udp(text("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP x\r\n"));
  CHECK(reply.app == App::sip);
  CHECK(reply.role == Role::server);
  CHECK(tcp(text("SIP/2.0 401 Unauthorized\r\n")).app == App::sip);
  // Prefix cuts: the request line must be whole.
  const Buf b = text(options);
  for (std::size_t n = 0; n < 36; ++n) CHECK(udp(prefix(b, n)).app != App::sip);
  CHECK(udp(prefix(b, 36)).app == App::sip);
}

TEST_CASE("text: SIP near-misses") {
  for (const char* s : {"OPTIONS http://x SIP/2.0\r\n", "options sip:x SIP/2.0\r\n",
                        "OPTIONS sip:x SIP/2.1\r\n", "OPTIONS sip:x SIP/2.0 \r\n",
                        "FETCH sip:x SIP/2.0\r\n", "OPTIONS  sip:x SIP/2.0\r\n",
                        "SIP/2.0 20 OK\r\n", "SIP/2.0 200OK\r\n", "SIP/2.0 900 x\r\n",
                        "SIP/1.0 200 OK\r\n"}) {
    CAPTURE(s);
    CHECK(udp(text(s)).app != App::sip);
    CHECK(tcp(text(s)).app != App::sip);
  }
}

TEST_CASE("text: RTSP requests and responses (TCP), never http") {
  auto r = tcp(text("OPTIONS rtsp://192.0.2.16:80/stream RTSP/1.0\r\nCSeq: 1\r\n"
                    "User-Agent: curl/7.88.1\r\n\r\n"));
  CHECK(r.app == App::rtsp);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "app_target") == "rtsp://192.0.2.16:80/stream");
  CHECK(evidence(r, "app_version") == "RTSP/1.0");
  for (const char* m : {"DESCRIBE", "SETUP", "PLAY", "PAUSE", "TEARDOWN", "GET_PARAMETER",
                        "SET_PARAMETER", "ANNOUNCE", "RECORD"}) {
    CAPTURE(m);
    CHECK(tcp(text(std::string(m) + " rtsp://cam/1 RTSP/1.0\r\n")).app == App::rtsp);
  }
  CHECK(tcp(text("OPTIONS * RTSP/2.0\r\n")).app == App::rtsp);
  auto reply = tcp(text("RTSP/1.0 200 OK\r\nCSeq: 1\r\n"));
  CHECK(reply.app == App::rtsp);
  CHECK(reply.role == Role::server);
  for (const char* s : {"OPTIONS rtsp://x RTSP/1.1\r\n", "OPTIONS http://x RTSP/1.0\r\n",
                        "GET rtsp://x RTSP/1.0\r\n", "RTSP/1.0 2000 OK\r\n",
                        "OPTIONS rtsp://x RTSP/1.0"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::unknown);
  }
  // On UDP RTSP is not named (rtspu is all but unused): neither is it http.
  CHECK(udp(text("OPTIONS rtsp://x RTSP/1.0\r\n")).app == App::unknown);
}

TEST_CASE("text: SSDP on UDP, never http") {
  auto search = udp(text("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"
                         "MAN: \"ssdp:discover\"\r\nMX: 2\r\nST: ssdp:all\r\n\r\n"));
  CHECK(search.app == App::ssdp);
  CHECK(search.role == Role::client);
  CHECK(udp(text("NOTIFY * HTTP/1.1\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n")).app ==
        App::ssdp);
  auto answer = udp(text("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\n"
                         "ST: upnp:rootdevice\r\nUSN: uuid:1::upnp:rootdevice\r\n\r\n"));
  CHECK(answer.app == App::ssdp);
  CHECK(answer.role == Role::server);
  CHECK(udp(text("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")).app == App::unknown);
  CHECK(udp(text("M-SEARCH / HTTP/1.1\r\n")).app == App::unknown);
  CHECK(udp(text("GET / HTTP/1.1\r\n\r\n")).app == App::unknown);
  // On TCP, M-SEARCH is nobody's: not http either (an unregistered method).
  CHECK(tcp(text("M-SEARCH * HTTP/1.1\r\n\r\n")).app != App::ssdp);
}

TEST_CASE("text: IRC registration and a server's first lines") {
  for (const char* s : {"CAP LS 302\r\nNICK alice\r\nUSER alice 0 * :Alice\r\n",
                        "NICK alice\r\nUSER alice 0 * :Alice\r\n",
                        "USER guest 0 * :Real Name\r\nNICK guest\r\n",
                        "PASS secret\r\nNICK alice\r\n", "CAP LS\r\n"}) {
    CAPTURE(s);
    auto r = tcp(text(s));
    CHECK(r.app == App::irc);
    CHECK(r.role == Role::client);
  }
  for (const char* s : {":irc.lab.test NOTICE * :*** Looking up your hostname...\r\n",
                        ":srv 001 alice :Welcome to the network\r\n",
                        "NOTICE AUTH :*** Checking Ident\r\n"}) {
    CAPTURE(s);
    auto r = tcp(text(s));
    CHECK(r.app == App::irc);
    CHECK(r.role == Role::server);
  }
  // FTP's and POP3's USER/PASS stay theirs; near-misses name nothing IRC.
  CHECK(tcp(text("USER anonymous\r\n")).app == App::ftp);
  for (const char* s : {"PASS secret\r\n", "PASS secret\r\nUSER bob\r\n", "NICK 9lives\r\n",
                        "NICK\r\n", "USER a b :c\r\n", ":srv PRIVMSG x :hi\r\n", ":srv 01 x :y\r\n",
                        "CAP XX\r\n", "NICK alice"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app != App::irc);
  }
  CHECK(udp(text("NICK alice\r\n")).app != App::irc);
}

TEST_CASE("text: an HTTP/2 server's SETTINGS names http") {
  // nginx's first frame on an h2c connection: MAX_CONCURRENT_STREAMS, INITIAL_WINDOW_SIZE,
  // MAX_FRAME_SIZE.
  const Buf nginx = h2_settings({{3, 128}, {4, 65536}, {5, 16777215}});
  auto r = tcp(nginx);
  CHECK(r.app == App::http);
  CHECK(r.role == Role::server);
  CHECK(evidence(r, "http_version") == "HTTP/2.0");
  CHECK(tcp(prefix(nginx, 15)).app == App::http);   // one whole setting
  CHECK(tcp(prefix(nginx, 14)).app == App::unknown);
  CHECK(udp(nginx).app != App::http);
  CHECK(tcp(h2_settings({})).app == App::unknown);           // no setting: too little
  CHECK(tcp(h2_settings({{3, 1}}, 1)).app == App::unknown);  // an ACK is not an opening
  CHECK(tcp(h2_settings({{3, 1}}, 0, 1)).app == App::unknown);  // not stream 0
  CHECK(tcp(h2_settings({{2, 2}})).app == App::unknown);        // ENABLE_PUSH is 0 or 1
  CHECK(tcp(h2_settings({{5, 100}})).app == App::unknown);      // MAX_FRAME_SIZE >= 16384
  CHECK(tcp(h2_settings({{77, 1}})).app == App::unknown);       // not a defined setting
  // A DNS-over-TCP message never looks like one.
  CHECK(tcp(hex("001c 1234 0100 0001 0000 0000 0000 0161 036c6162 0474657374 00 0001 0001")).app ==
        App::dns);
}

TEST_CASE("text: zero bytes and random text name nothing") {
  for (std::size_t n : {1u, 4u, 16u, 64u}) CHECK(tcp(Buf(n, 0)).app == fp::App::unknown);
  CHECK(tcp(text("HELLO WORLD\r\n")).app == App::unknown);
  CHECK(udp(text("HELLO WORLD\r\n")).app == App::unknown);
}
