// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// HTTP fingerprint: request lines for every registered method, status lines, the h2c preface,
// and the near-misses that share HTTP's look (RTSP, SIP, SSDP on UDP, lower-case methods).
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Role;

TEST_CASE("http: every registered method, WebDAV and CONNECT included") {
  for (std::string m : {"ACL",
                        "BASELINE-CONTROL",
                        "BIND",
                        "CHECKIN",
                        "CHECKOUT",
                        "CONNECT",
                        "COPY",
                        "DELETE",
                        "GET",
                        "HEAD",
                        "LABEL",
                        "LINK",
                        "LOCK",
                        "MERGE",
                        "MKACTIVITY",
                        "MKCALENDAR",
                        "MKCOL",
                        "MKREDIRECTREF",
                        "MKWORKSPACE",
                        "MOVE",
                        "OPTIONS",
                        "ORDERPATCH",
                        "PATCH",
                        "POST",
                        "PROPFIND",
                        "PROPPATCH",
                        "PUT",
                        "QUERY",
                        "REBIND",
                        "REPORT",
                        "SEARCH",
                        "TRACE",
                        "UNBIND",
                        "UNCHECKOUT",
                        "UNLINK",
                        "UNLOCK",
                        "UPDATE",
                        "UPDATEREDIRECTREF",
                        "VERSION-CONTROL"}) {
    CAPTURE(m);
    std::string target = m == "CONNECT" ? "example.com:443" : "/dav/file";
    auto r = tcp(text(m + " " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n"));
    CHECK(r.app == App::http);
    CHECK(r.role == Role::client);
    CHECK(evidence(r, "http_method") == m);
    CHECK(evidence(r, "http_host") == "example.com");
  }
}

TEST_CASE("http: request near-misses") {
  for (std::string s :
       {"GETX / HTTP/1.1\r\n\r\n", "get / HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
        "GET / RTSP/1.0\r\n\r\n", "PRI / HTTP/1.1\r\n", "OPTIONS rtsp://cam/stream/with/a/long",
        "GET /a\x01"
        "b HTTP/1.1\r\n",
        "GET ", "GET", "POST /x\r\n", "GET * HTTP/1.1\r\n", "GET example.com:80", "OPTIONS * RTS",
        "OPTIONS * RTSP/1.0", "GET / HTTP/1.1x", "GET / HTTP/1.12"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::unknown);
  }
  // HTTP-shaped, but SIP's and RTSP's (text.cpp): never http.
  CHECK(tcp(text("OPTIONS rtsp://cam/stream RTSP/1.0\r\nCSeq: 1\r\n\r\n")).app == App::rtsp);
  CHECK(tcp(text("OPTIONS sip:bob@example.com SIP/2.0\r\n")).app == App::sip);
  CHECK(tcp(text("DESCRIBE rtsp://cam/ RTSP/1.0\r\n")).app == App::rtsp);
}

TEST_CASE("http: request lines as clients really send them") {
  CHECK(tcp(text("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n")).app == App::http);
  CHECK(tcp(text("GET http://example.com/ HTTP/1.0\r\n\r\n")).app == App::http);  // via a proxy
  CHECK(tcp(text("GET /my file.html HTTP/1.1\r\n\r\n")).app == App::http);        // unencoded space
  CHECK(tcp(text("CONNECT mail.example.de:25 / HTTP/1.0\r\n\r\n")).app == App::http);
  CHECK(tcp(text("GET /bad.html\r\n")).app == App::http);   // HTTP/0.9 Simple-Request
  CHECK(tcp(text("GET / HTTP/1.0\n\n")).app == App::http);  // bare LF
  auto r = tcp(text("GET / HTTP/1.1\r\nUser-Agent: x\r\nhost:   spaced.example \t\r\n\r\n"));
  CHECK(evidence(r, "http_host") == "spaced.example");
}

TEST_CASE("http: a request line cut anywhere after the target's first byte still classifies") {
  Buf req = text("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nAccept: */*\r\n\r\n");
  std::size_t host_end =
      std::string_view("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n").size();
  for (std::size_t n = 0; n <= req.size(); ++n) {
    CAPTURE(n);
    auto r = tcp(prefix(req, n));
    CHECK((r.app == App::http) == (n >= 5));  // "GET /"
    CHECK(evidence(r, "http_host").has_value() == (n >= host_end));
  }
}

TEST_CASE("http: a long URL beyond the sample still classifies") {
  std::string url = "/search?q=" + std::string(400, 'x');
  Buf req = text("GET " + url + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
  CHECK(tcp(prefix(req, 256)).app == App::http);
  CHECK(tcp(prefix(req, 64)).app == App::http);
}

TEST_CASE("http: status lines are the server's") {
  auto r = tcp(text("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"));
  CHECK(r.app == App::http);
  CHECK(r.role == Role::server);
  CHECK(evidence(r, "http_status") == "200");
  CHECK(tcp(text("HTTP/1.0 404 Not Found\r\n")).app == App::http);
  CHECK(tcp(text("HTTP/1.1 200\r\n")).app == App::http);  // empty reason phrase
  CHECK(tcp(text("HTTP/1.1 101 Switching Protocols\r\n")).app == App::http);
  for (std::string s : {"HTTP/1.1 999 Weird\r\n", "HTTP/1.1 20 OK\r\n", "HTTP/1.1 2000 OK\r\n",
                        "HTTP/1.1 099 x\r\n", "HTTP/2 200\r\n", "ICY 200 OK\r\n", "HTTP/1.x 200 OK\r\n", "HTTP/1.1"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::unknown);
  }
  CHECK(tcp(text("RTSP/1.0 200 OK\r\n")).app == App::rtsp);  // RTSP's status line, not http
  Buf resp = text("HTTP/1.1 301 Moved Permanently\r\n");
  for (std::size_t n = 0; n <= resp.size(); ++n) {
    CAPTURE(n);
    CHECK((tcp(prefix(resp, n)).app == App::http) == (n >= 12));  // "HTTP/1.1 301"
  }
}

TEST_CASE("http: HTTP/2 cleartext preface") {
  Buf preface = text(std::string_view("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x12\x04", 28));
  auto r = tcp(preface);
  CHECK(r.app == App::http);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "http_version") == "HTTP/2.0");
  CHECK(tcp(prefix(preface, 16)).app == App::http);
  CHECK(tcp(prefix(preface, 15)).app == App::unknown);
  CHECK(tcp(text("PRI * HTTP/2.0\r\n\r\nXX\r\n\r\n")).app == App::unknown);
}

TEST_CASE("http: HTTP-looking text on UDP is SSDP, not http") {
  CHECK(udp(text("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n")).app == App::ssdp);
  CHECK(udp(text("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n\r\n")).app == App::ssdp);
  CHECK(udp(text("HTTP/1.1 200 OK\r\n\r\n")).app == App::unknown);
  CHECK(udp(text("GET / HTTP/1.1\r\n\r\n")).app == App::unknown);
}

TEST_CASE("http: the Host value is raw bytes with a printable flag") {
  Buf req = text("GET / HTTP/1.1\r\nHost: a");
  req.push_back(0x1b);
  put(req, "b\r\n\r\n");
  auto r = tcp(req);
  REQUIRE(evidence(r, "http_host").has_value());
  CHECK(*evidence(r, "http_host") == std::string("a\x1b"
                                                 "b"));
  CHECK_FALSE(r.evidence.back().printable);
}

// Issue 20: what real servers accept in a request line is http (nginx answered 200 to each
// request form here but the tabs, which it answers 400 and Python's http.server 200: see
// integration.differential), what curl accepts in a status line too; look-alikes stay out.
TEST_CASE("http: the forms servers accept: empty lines first, runs of spaces or tabs") {
  for (std::string s :
       {"\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", "\r\n\r\n\nGET / HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET  /  HTTP/1.1\r\nHost: h\r\n\r\n", "GET  / HTTP/1.1\r\n", "GET\t/\tHTTP/1.1\r\n",
        "GET / HTTP/1.1  \r\n", "POST   /upload    HTTP/1.0\r\n",
        "\nGET  /a/long/path/cut/by/the/sampler"}) {
    CAPTURE(s);
    const auto r = tcp(text(s));
    CHECK(r.app == App::http);
    CHECK(r.role == Role::client);
  }
  CHECK(evidence(tcp(text("\r\nGET  /  HTTP/1.1\r\nHost: split.example\r\n\r\n")), "http_host") ==
        "split.example");
  CHECK(tcp(text("HTTP/1.1  200 OK\r\n")).app == App::http);
  CHECK(tcp(text("HTTP/1.1\t200 OK\r\n")).app == App::http);
  for (std::string s :
       {"\r\nOPTIONS sip:bob@example.com SIP/2.0\r\n", "\r\nDESCRIBE  rtsp://cam/  RTSP/1.0\r\n",
        "GET  /  HTTP/2.0\r\n", "\r\n\r\n", "\r\nget / HTTP/1.1\r\n", "GET  /  RTSP/1.0\r\n",
        "\r\n220 mail ESMTP\r\n"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app != App::http);
  }
}

// Issue 20, differential test: Python's http.server splits the request line on whitespace and
// answers a request with blanks before its method (nginx answers 400); RFC 9112 3 allows it.
TEST_CASE("http: blanks before the method, as servers that split on whitespace accept") {
  for (std::string s : {" GET / HTTP/1.1\r\nHost: h\r\n\r\n", "\t\tPOST /x HTTP/1.0\r\n",
                        "\r\n   GET / HTTP/1.1\r\n", "  GET  /a/long/path/cut/by/the/sampler"}) {
    CAPTURE(s);
    const auto r = tcp(text(s));
    CHECK(r.app == App::http);
    CHECK(r.role == Role::client);
  }
  CHECK(evidence(tcp(text(" GET / HTTP/1.1\r\nHost: lead.example\r\n\r\n")), "http_host") ==
        "lead.example");
  for (std::string s :
       {" OPTIONS sip:bob@example.com SIP/2.0\r\n", "  DESCRIBE rtsp://cam/ RTSP/1.0\r\n",
        " get / HTTP/1.1\r\n", " GET / HTTP/2.0\r\n", "    \r\n", " ", "\t220 mail ESMTP\r\n",
        "\v GET / HTTP/1.1\r\n"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app != App::http);
  }
  // Bounded: 64 blanks are skipped, 65 are not.
  CHECK(tcp(text(std::string(64, ' ') + "GET / HTTP/1.1\r\n")).app == App::http);
  CHECK(tcp(text(std::string(65, ' ') + "GET / HTTP/1.1\r\n")).app == App::unknown);
}
