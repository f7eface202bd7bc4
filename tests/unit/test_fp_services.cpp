// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The services group (userspace/fingerprint/services.cpp): MQTT, RDP, SMB, DCE/RPC, LDAP, VNC,
// Telnet, Redis, MySQL and PostgreSQL. Openings laid out as their real clients and servers send
// them (mosquitto, mstsc, smbclient, rpcclient, ldapsearch, a VNC server, telnetd, redis-cli,
// MySQL 8 and MariaDB, psql), a field changed at a time (rejected), prefix cuts, and the
// look-alikes that must stay theirs: DNS over TCP, S7comm on TPKT, POP3's +OK.
#include <doctest/doctest.h>

#include <string>

#include "fingerprint/parsers.h"
#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Role;

namespace {

Buf cat(std::initializer_list<Buf> parts) {
  Buf out;
  for (const Buf& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Buf nul(std::string_view s) { return cat({text(s), Buf{0}}); }

// MySQL packet: 3-byte little-endian length, sequence, body.
Buf mysql_packet(std::uint8_t seq, const Buf& body) {
  const auto n = static_cast<unsigned>(body.size());
  return cat({Buf{static_cast<std::uint8_t>(n), static_cast<std::uint8_t>(n >> 8),
                  static_cast<std::uint8_t>(n >> 16), seq},
              body});
}

Buf mysql_greeting(std::string_view version) {
  return mysql_packet(0, cat({Buf{0x0a}, nul(version), hex("0b000000"), text("abcdefgh"),
                              Buf{0}, hex("ffff 2d 0200 ffc1 15 00000000000000000000"),
                              nul("ijklmnopqrst"), nul("caching_sha2_password")}));
}

Buf be32(unsigned v) {
  return Buf{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
             static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
}

Buf pg_startup() {
  const Buf params = cat({nul("user"), nul("postgres"), nul("database"), nul("lab"),
                          nul("application_name"), nul("psql"), Buf{0}});
  return cat({be32(static_cast<unsigned>(8 + params.size())), hex("00030000"), params});
}

// TPKT + X.224 Connection Request with mstsc's cookie and negotiation request.
Buf rdp_request(std::string_view cookie = "Cookie: mstshash=eltons\r\n", bool neg = true) {
  Buf x224 = cat({hex("e0 0000 0000 00"), text(cookie), neg ? hex("01 00 0800 03000000") : Buf{}});
  Buf out = cat({hex("03 00"), Buf{0, 0}, Buf{static_cast<std::uint8_t>(x224.size())}, x224});
  out[3] = static_cast<std::uint8_t>(out.size());
  return out;
}

Buf netbios(const Buf& smb) {
  const auto n = static_cast<unsigned>(smb.size());
  return cat({Buf{0, static_cast<std::uint8_t>(n >> 16), static_cast<std::uint8_t>(n >> 8),
                  static_cast<std::uint8_t>(n)},
              smb});
}

Buf smb2_header(std::uint16_t command, std::uint32_t flags) {
  Buf h = cat({text("\xFESMB"), hex("4000 0000 00000000")});
  h.push_back(static_cast<std::uint8_t>(command));
  h.push_back(static_cast<std::uint8_t>(command >> 8));
  h.insert(h.end(), {0x1f, 0x00});  // credits
  for (int i = 0; i < 4; ++i) h.push_back(static_cast<std::uint8_t>(flags >> (8 * i)));
  h.resize(64, 0);
  return cat({h, hex("2400 0200 0100 0000 7f000000")});  // negotiate request body start
}

}  // namespace

TEST_CASE("services: MQTT CONNECT and CONNACK") {
  const Buf connect = cat({hex("10 1c 0004"), text("MQTT"), hex("04 02 003c 0010"),
                           text("mosquitto-pub-01")});
  auto r = tcp(connect);
  CHECK(r.app == App::mqtt);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "app_version") == "3.1.1");
  CHECK(tcp(cat({hex("10 1e 0006"), text("MQIsdp"), hex("03 02 003c 0010"), text("x")})).app ==
        App::mqtt);
  CHECK(tcp(cat({hex("10 1c 0004"), text("MQTT"), hex("05 02 003c")})).app == App::mqtt);
  auto ack = tcp(hex("20 02 00 00"));
  CHECK(ack.app == App::mqtt);
  CHECK(ack.role == Role::server);
  for (const Buf& b : {cat({hex("10 1c 0004"), text("MQTX"), hex("04 02 003c")}),
                       cat({hex("10 1c 0004"), text("MQTT"), hex("06 02 003c")}),
                       cat({hex("10 1c 0004"), text("MQTT"), hex("04 03 003c")}),  // reserved bit
                       hex("20 02 00 06"), hex("20 03 00 00"), hex("20 02 00 00 00")})
    CHECK(tcp(b).app != App::mqtt);
  CHECK(udp(connect).app != App::mqtt);
}

TEST_CASE("services: RDP connection request and confirm, not S7comm") {
  auto r = tcp(rdp_request());
  CHECK(r.app == App::rdp);
  CHECK(r.role == Role::client);
  CHECK(evidence(r, "app_target") == "mstshash=eltons");  // the routing cookie
  CHECK(tcp(rdp_request("", true)).app == App::rdp);
  CHECK(tcp(rdp_request("", false)).app == App::rdp);
  auto confirm = tcp(hex("0300 0013 0e d0 0000 1234 00 02 00 0800 01000000"));
  CHECK(confirm.app == App::rdp);
  CHECK(confirm.role == Role::server);
  // S7comm's COTP connection request carries TSAPs: not RDP.
  CHECK(tcp(hex("0300 0016 11 e0 0000 0001 00 c1 0201 00 c2 0201 02 c0 01 0a")).app != App::rdp);
  Buf wrong_li = rdp_request();
  wrong_li[4]++;
  CHECK(tcp(wrong_li).app != App::rdp);
  Buf wrong_class = rdp_request();
  wrong_class[10] = 0x20;
  CHECK(tcp(wrong_class).app != App::rdp);
}

TEST_CASE("services: SMB1 and SMB2 negotiate, NetBIOS session request") {
  auto smb2 = tcp(netbios(smb2_header(0, 0)));
  CHECK(smb2.app == App::smb);
  CHECK(smb2.role == Role::client);
  CHECK(evidence(smb2, "app_version") == "SMB2");
  auto reply = tcp(netbios(smb2_header(0, 1)));
  CHECK(reply.app == App::smb);
  CHECK(reply.role == Role::server);
  const Buf smb1 = netbios(cat({text("\xFFSMB"), hex("72 00000000 18 4328 0000 0000000000000000"
                                                     "0000 fffe 0000 0000 00 0c00 02"),
                                text("NT LM 0.12"), Buf{0}}));
  CHECK(tcp(smb1).app == App::smb);
  CHECK(evidence(tcp(smb1), "app_version") == "SMB1");
  // A session setup (command 1) is not an opening: a continuation.
  const Buf setup = netbios(smb2_header(1, 0));
  CHECK(tcp(setup).app == App::unknown);
  CHECK(fp::continuation_form(setup, fp::Transport::tcp));
  Buf session = hex("81 000044 20");
  for (int i = 0; i < 32; ++i) session.push_back('C' + i % 2);
  session.insert(session.end(), {0x00, 0x20});
  for (int i = 0; i < 32; ++i) session.push_back('E' + i % 3);
  session.push_back(0);
  CHECK(tcp(session).app == App::smb);
  Buf bad_magic = netbios(smb2_header(0, 0));
  bad_magic[5] = 'X';
  CHECK(tcp(bad_magic).app != App::smb);
}

TEST_CASE("services: DCE/RPC bind and bind_ack") {
  const Buf bind = hex("05 00 0b 03 10000000 4800 0000 01000000 b810 b810 00000000 01000000"
                       "0000 0100 c84f324b7016d30112785a47bf6ee188 0300 0000");
  auto r = tcp(bind);
  CHECK(r.app == App::dcerpc);
  CHECK(r.role == Role::client);
  auto ack = tcp(hex("05 00 0c 03 10000000 4400 0000 01000000 b810 b810 12340000"));
  CHECK(ack.app == App::dcerpc);
  CHECK(ack.role == Role::server);
  const Buf request = hex("05 00 00 03 10000000 2000 0000 02000000 08000000 0000 0000");
  CHECK(tcp(request).app == App::unknown);
  CHECK(fp::continuation_form(request, fp::Transport::tcp));
  Buf v4 = bind;
  v4[0] = 4;
  CHECK(tcp(v4).app != App::dcerpc);
  Buf drep = bind;
  drep[4] = 0x20;
  CHECK(tcp(drep).app != App::dcerpc);
  Buf short_frag = bind;
  short_frag[8] = 0x0a;
  CHECK(tcp(short_frag).app != App::dcerpc);
}

TEST_CASE("services: LDAP bind, search, StartTLS and their responses") {
  auto bind = tcp(hex("300c 020101 6007 020103 0400 8000"));
  CHECK(bind.app == App::ldap);
  CHECK(bind.role == Role::client);
  CHECK(evidence(bind, "app_version") == "LDAPv3");
  const Buf search = cat({hex("3025 020102 6320 0400 0a0100 0a0100 020100 020100 010100 870b"),
                          text("objectclass"), hex("3000")});
  CHECK(tcp(search).app == App::ldap);
  CHECK(udp(search).app == App::ldap);  // CLDAP
  CHECK(tcp(cat({hex("301d 020101 7718 8016"), text("1.3.6.1.4.1.1466.20037")})).app == App::ldap);
  auto resp = tcp(hex("300c 020101 6107 0a0100 0400 0400"));
  CHECK(resp.app == App::ldap);
  CHECK(resp.role == Role::server);
  CHECK(tcp(hex("300c 020101 6007 020104 0400 8000")).app != App::ldap);  // version 4
  CHECK(tcp(hex("300c 020100 6007 020103 0400 8000")).app != App::ldap);  // message id 0
  CHECK(tcp(hex("300c 020101 6007 020103 0400 8100")).app != App::ldap);  // auth choice
  // SNMP shares BER's SEQUENCE and INTEGER, then a community string: not LDAP.
  CHECK(udp(cat({hex("3026 020101 0406"), text("public"), hex("a019 0204 12345678")})).app !=
        App::ldap);
}

TEST_CASE("services: VNC, Telnet, Redis") {
  auto rfb = tcp(text("RFB 003.008\n"));
  CHECK(rfb.app == App::vnc);
  CHECK(evidence(rfb, "app_version") == "RFB 003.008");
  CHECK(tcp(text("RFB 003.008\nX")).app != App::vnc);
  CHECK(tcp(text("RFB 0a3.008\n")).app != App::vnc);

  CHECK(tcp(hex("fffd18 fffd20 fffd23 fffd27")).app == App::telnet);
  CHECK(tcp(hex("fffb01 fffa1f 0050 0018 fff0")).app == App::telnet);
  CHECK(tcp(hex("fffd18")).app != App::telnet);      // one negotiation is too little
  CHECK(tcp(hex("fffd99 fffd20")).app != App::telnet);  // option 0x99 is not registered
  CHECK(tcp(hex("fff1 fffd20")).app != App::telnet);    // NOP is no negotiation

  auto ping = tcp(text("*1\r\n$4\r\nPING\r\n"));
  CHECK(ping.app == App::redis);
  CHECK(ping.role == Role::client);
  CHECK(evidence(ping, "app_target") == "PING");
  CHECK(tcp(text("*2\r\n$4\r\nauth\r\n$6\r\nsecret\r\n")).app == App::redis);
  CHECK(tcp(text("+PONG\r\n")).app == App::redis);
  CHECK(tcp(text("-NOAUTH Authentication required.\r\n")).app == App::redis);
  CHECK(tcp(text("*1\r\n$4\r\nPONG\r\n")).app != App::redis);  // not a command
  CHECK(tcp(text("*1\r\n$5\r\nPING\r\n")).app != App::redis);  // length disagrees
  CHECK(tcp(text("+OK POP3 server ready\r\n")).app == App::pop3);
}

TEST_CASE("services: MySQL and MariaDB greetings, a client's response") {
  auto r = tcp(mysql_greeting("8.0.36"));
  CHECK(r.app == App::mysql);
  CHECK(r.role == Role::server);
  CHECK(evidence(r, "app_version") == "8.0.36");
  CHECK(tcp(mysql_greeting("5.5.5-10.11.6-MariaDB-0+deb12u1")).app == App::mysql);
  const Buf login = mysql_packet(1, cat({hex("8da60f00 00000001 21"), Buf(23, 0), nul("root"),
                                         hex("14"), Buf(20, 0x41)}));
  CHECK(tcp(login).app == App::mysql);
  CHECK(tcp(login).role == Role::client);
  Buf bad_filler = login;
  bad_filler[20] = 1;
  CHECK(tcp(bad_filler).app != App::mysql);
  CHECK(tcp(mysql_greeting("x8.0")).app != App::mysql);
  Buf proto9 = mysql_greeting("8.0.36");
  proto9[4] = 9;
  CHECK(tcp(proto9).app != App::mysql);
  // Server speaks first: the flow is the server's greeting's, whatever the client sent.
  CHECK(fp::classify_flow({}, mysql_greeting("8.0.36"), fp::Transport::tcp, 3306).app ==
        App::mysql);
}

TEST_CASE("services: PostgreSQL startup, SSL request, authentication") {
  auto r = tcp(pg_startup());
  CHECK(r.app == App::postgresql);
  CHECK(r.role == Role::client);
  CHECK(tcp(hex("00000008 04d2162f")).app == App::postgresql);  // SSLRequest
  CHECK(tcp(hex("00000008 04d21630")).app == App::postgresql);  // GSSENCRequest
  CHECK(tcp(hex("00000010 04d2162e 00001234 5678abcd")).app == App::postgresql);
  auto ok = tcp(hex("52 00000008 00000000"));
  CHECK(ok.app == App::postgresql);
  CHECK(ok.role == Role::server);
  CHECK(tcp(cat({hex("52 00000017 0000000a"), nul("SCRAM-SHA-256"), Buf{0}})).app ==
        App::postgresql);
  CHECK(tcp(cat({hex("45 00000060 53"), nul("FATAL"), nul("VFATAL")})).app == App::postgresql);
  CHECK(tcp(hex("00000008 04d21631")).app != App::postgresql);
  CHECK(tcp(hex("52 00000009 00000000")).app != App::postgresql);  // AuthenticationOk is 8
  CHECK(tcp(hex("52 00000008 00000004")).app != App::postgresql);  // code 4 (crypt) is gone
  Buf v2 = pg_startup();
  v2[5] = 2;
  CHECK(tcp(v2).app != App::postgresql);
}

TEST_CASE("services: DNS over TCP and random bytes stay out") {
  const Buf query = hex("001c 1234 0100 0001 0000 0000 0000 0161 036c6162 0474657374 00 0001 0001");
  CHECK(tcp(query).app == App::dns);
  for (std::size_t n : {1u, 4u, 16u, 64u}) CHECK(tcp(Buf(n, 0)).app == App::unknown);
  std::uint32_t x = 12345;
  int named = 0;
  for (int i = 0; i < 20000; ++i) {
    Buf b(32);
    for (auto& c : b) {
      x = x * 1103515245 + 12345;
      c = static_cast<std::uint8_t>(x >> 16);
    }
    fp::Result r;
    named += protoport::fingerprint::detail::match_services(b, fp::Transport::tcp, r);
  }
  CHECK(named == 0);
}
