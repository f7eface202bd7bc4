// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// SMTP fingerprint and the greetings it must not take: FTP's 220, POP3, IMAP, SSH.
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Role;

TEST_CASE("smtp: 220 greetings that name SMTP") {
  for (std::string s : {"220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n",
                        "220 smtp.gmail.com ESMTP a1sm123 - gsmtp\r\n",
                        "220 host.example.com Microsoft ESMTP MAIL Service ready at Mon\r\n",
                        "220 mail.example.org ESMTP Sendmail 8.15.2/8.15.2; Mon, 1 Jan 2024\r\n",
                        "220 relay SMTP ready\r\n", "220 ESMTP\r\n",
                        "220-mx.example.com ESMTP Exim 4.96\r\n220 no UCE\r\n",
                        "220-Welcome to our mail relay\r\n220 mx.example.com SMTP ready\r\n",
                        "220 host Simple Mail Transfer Service Ready\r\n",
                        "220 mx.example.com (ESMTP) ready\r\n"}) {
    CAPTURE(s);
    auto r = tcp(text(s));
    CHECK(r.app == App::smtp);
    CHECK(r.role == Role::server);
  }
  auto r = tcp(text("220 mx.example.com ESMTP Postfix\r\n"));
  CHECK(evidence(r, "smtp_banner") == "mx.example.com ESMTP Postfix");
}

TEST_CASE("smtp: 220 greetings that are not SMTP") {
  SUBCASE("FTP") {
    for (std::string s :
         {"220 (vsFTPd 3.0.3)\r\n", "220 ProFTPD 1.3.5 Server (Debian)\r\n",
          "220 Microsoft FTP Service\r\n", "220 smtp.example.com FTP server ready.\r\n",
          "220---------- Welcome to Pure-FTPd [privsep] ----------\r\n"}) {
      CAPTURE(s);
      auto r = tcp(text(s));
      CHECK(r.app == App::ftp);
      CHECK(r.role == Role::server);
    }
  }
  SUBCASE("a bare 220 names nothing (FileZilla's FTP banner never says FTP)") {
    for (std::string s :
         {"220-FileZilla Server 0.9.60 beta\r\n220 written by Tim Kosse\r\n", "220 f\n",
          "220 mail.example.com\r\n", "220 *****************\r\n", "220 smtp.example.com ready\r\n",
          "220ESMTP\r\n", "2200 ESMTP\r\n", "221 mx ESMTP closing\r\n"}) {
      CAPTURE(s);
      CHECK(tcp(text(s)).app == App::unknown);
    }
  }
  SUBCASE("POP3, IMAP, SSH") {
    auto pop = tcp(text("+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>\r\n"));
    CHECK(pop.app == App::pop3);
    CHECK(pop.role == Role::server);
    CHECK(tcp(text("+OK\r\n")).app == App::pop3);
    CHECK(tcp(text("+OKAY\r\n")).app == App::unknown);
    CHECK(tcp(text("* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n")).app == App::imap);
    CHECK(tcp(text("* PREAUTH IMAP4rev1 server logged in as Smith\r\n")).app == App::imap);
    CHECK(tcp(text("* OKAY\r\n")).app == App::unknown);
    CHECK(tcp(text("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")).app == App::ssh);
    CHECK(tcp(text("SSH-1.99-Cisco-1.25\r\n")).app == App::ssh);
    CHECK(tcp(text("SSH-2.0")).app == App::unknown);
    CHECK(tcp(text("SSH-x.0-foo\r\n")).app == App::unknown);
  }
}

TEST_CASE("smtp: EHLO and HELO are the client's, with the name as evidence") {
  auto r = tcp(text("EHLO client.example.com\r\n"));
  CHECK(r.app == App::smtp);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "smtp_ehlo") == "client.example.com");
  CHECK(evidence(tcp(text("helo [192.0.2.1]\r\n")), "smtp_ehlo") == "[192.0.2.1]");
  CHECK(tcp(text("HELO relay\n")).app == App::smtp);
  CHECK(tcp(text("EHLO client.example.com \r\n")).app == App::smtp);  // trailing space
  for (std::string s : {"EHLO\r\n", "EHLO \r\n", "EHLO a b\r\n", "EHLO client.example.com",
                        "EHLOX a\r\n", "LHLO a\r\n", "EHLO a\x01\r\n"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::unknown);
  }
}

TEST_CASE("smtp: multi-line 250 reply to EHLO") {
  auto r =
      tcp(text("250-mx.example.com Hello client [192.0.2.1]\r\n250-SIZE 52428800\r\n"
               "250-8BITMIME\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 HELP\r\n"));
  CHECK(r.app == App::smtp);
  CHECK(r.role == Role::server);
  CHECK(tcp(text("250-mx\r\n250 STARTTLS\r\n")).app == App::smtp);
  CHECK(tcp(text("250 OK\r\n")).app == App::unknown);
  CHECK(tcp(text("250-mx\r\n250-FOO\r\n250 BAR\r\n")).app == App::unknown);
  CHECK(tcp(text("250-mx\r\n")).app == App::unknown);
}

TEST_CASE("smtp: cut at every byte") {
  Buf banner = text("220 mx.example.com ESMTP Postfix\r\n");
  std::size_t word_end = std::string_view("220 mx.example.com ESMTP").size();
  for (std::size_t n = 0; n <= banner.size(); ++n) {
    CAPTURE(n);
    CHECK((tcp(prefix(banner, n)).app == App::smtp) == (n >= word_end));
  }
  Buf ehlo = text("EHLO client.example.com\r\n");
  for (std::size_t n = 0; n <= ehlo.size(); ++n) {
    CAPTURE(n);
    CHECK((tcp(prefix(ehlo, n)).app == App::smtp) == (n == ehlo.size()));
  }
}

TEST_CASE("smtp: text protocols are TCP only") {
  CHECK(udp(text("220 mx.example.com ESMTP Postfix\r\n")).app == App::unknown);
  CHECK(udp(text("EHLO client.example.com\r\n")).app == App::unknown);
  CHECK(udp(text("SSH-2.0-OpenSSH_9.2p1\r\n")).app == App::unknown);
}
