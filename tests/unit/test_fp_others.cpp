// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// FTP, SSH, POP3 and IMAP in the forms their servers take (issue 20): an FTP client's opening
// commands in any case and with the blanks vsftpd accepts, SSH identification strings with
// comments, IMAP status atoms in any case; and the forms those servers reject stay unnamed.
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Role;
using fp::Transport;

TEST_CASE("ftp: the client's opening commands, in any case, name ftp") {
  for (std::string s :
       {"USER anonymous\r\n", "user anonymous\r\n", "User ftp\r\n", "uSeR someone\r\n",
        "USER  anonymous\r\n", "USER anonymous  \r\n", "USER anonymous\n",
        "USER a name with spaces\r\n", "USER anonymous@example.com\r\n", "AUTH TLS\r\n",
        "auth tls\r\n", "AUTH SSL\r\n", "AUTH TLS-C\r\n", "AUTH tls-p \r\n", "FEAT\r\n", "feat\n",
        "USER anonymous\r\nPASS guest\r\n"}) {
    CAPTURE(s);
    auto r = tcp(text(s));
    CHECK(r.app == App::ftp);
    CHECK(r.role == Role::client);
  }
}

TEST_CASE("ftp: forms vsftpd rejects, and look-alikes, name nothing") {
  for (std::string s : {"USRE anonymous\r\n", " USER anonymous\r\n", "USER\tanonymous\r\n",
                        "\r\n\tUSER x\r\n", "USER\r\n", "USER \r\n", "USER  \r\n", "USER anonymous",
                        "USERS anonymous\r\n", "USER anon\x01ymous\r\n", "USER anon\xffymous\r\n",
                        "AUTH GSSAPI\r\n", "AUTH TLSX\r\n", "AUTH\r\n", "AUTH TLS extra\r\n",
                        "FEATURES\r\n", "FEAT x\r\n", "FEAT", "user-agent: x\r\n"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::unknown);
  }
  // A USER line longer than any server reads is not an FTP command.
  CHECK(tcp(text("USER " + std::string(600, 'a') + "\r\n")).app == App::unknown);
}

TEST_CASE("ftp: a USER line cut by the sample names nothing until its line end") {
  Buf user = text("USER anonymous\r\n");
  for (std::size_t n = 0; n <= user.size(); ++n) {
    CAPTURE(n);
    CHECK((tcp(prefix(user, n)).app == App::ftp) == (n == user.size()));
  }
}

TEST_CASE("ftp and pop3 share USER: the server's greeting decides") {
  CHECK(fp::classify_flow(text("USER anonymous\r\n"), text("220 (vsFTPd 3.0.3)\r\n"),
                          Transport::tcp, 21)
            .app == App::ftp);
  CHECK(fp::classify_flow(text("USER alice\r\n"), text("+OK POP3 ready\r\n"), Transport::tcp, 110)
            .app == App::pop3);
  CHECK(fp::classify_flow(text("user alice\r\n"), {}, Transport::tcp, 2121).app == App::ftp);
  // Another server greeting does not override a named client command.
  CHECK(fp::classify_flow(text("USER alice\r\n"), text("* OK IMAP4rev1 ready\r\n"), Transport::tcp,
                          143)
            .app == App::ftp);
}

TEST_CASE("ssh: identification strings with and without comments") {
  for (std::string s : {"SSH-2.0-diff\r\n", "SSH-2.0-diff a comment\r\n",
                        "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n", "SSH-2.0-diff\n",
                        "SSH-1.99-diff\r\n", "SSH-2.0-PuTTY_Release_0.78\r\n"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::ssh);
  }
  for (std::string s : {"ssh-2.0-diff\r\n", "SSH-2.0\r\n", "SSH-2.0-\r\n", "SSH-2.0- x\r\n",
                        "hello\r\nSSH-2.0-diff\r\n", "SSH-20-x\r\n"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::unknown);
  }
}

TEST_CASE("imap: status atoms in any case; pop3 status stays upper case") {
  for (std::string s : {"* OK ready\r\n", "* ok ready\r\n", "* Ok [CAPABILITY IMAP4rev1]\r\n",
                        "* preauth logged in\r\n", "* bye\r\n"}) {
    CAPTURE(s);
    auto r = tcp(text(s));
    CHECK(r.app == App::imap);
    CHECK(r.role == Role::server);
  }
  for (std::string s : {"* okay\r\n", "*  OK ready\r\n", "* NO x\r\n", "+ok ready\r\n"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::unknown);
  }
}

TEST_CASE("ftp: empty lines before the command, as vsftpd and ProFTPD ignore them") {
  for (std::string s : {"\r\nUSER anonymous\r\n", "\n\nuser x\n", "\r\n\r\nFEAT\r\n"}) {
    CAPTURE(s);
    CHECK(tcp(text(s)).app == App::ftp);
  }
  std::string many;
  for (int i = 0; i < 65; ++i) many += "\r\n";
  CHECK(tcp(text(many + "USER x\r\n")).app == App::unknown);
  CHECK(tcp(text("\r\n USER x\r\n")).app == App::unknown);
  CHECK(tcp(text("\r\n\r\n")).app == App::unknown);
}
