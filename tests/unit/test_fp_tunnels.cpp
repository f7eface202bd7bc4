// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The tunnels group (userspace/fingerprint/tunnels.cpp): QUIC, DTLS, OpenVPN, WireGuard,
// STUN/TURN and SOCKS, each from vectors built field by field after its RFC or source layout
// (a few cut from the public captures), both roles, every prefix cut, near-misses, random bytes,
// and DNS messages shaped to look like them.
#include <doctest/doctest.h>

#include <string>

#include "fingerprint/parsers.h"
#include "test_fp_helpers.h"

using namespace fp_test;
using fp::App;
using fp::Role;
using fp::Transport;

namespace {

Buf operator+(Buf a, const Buf& b) {
  put(a, b);
  return a;
}
fp::Result tunnels(const Buf& b, Transport t) {
  fp::Result r;
  protoport::fingerprint::detail::match_tunnels(b, t, r);
  return r;
}
fp::Result classify(const Buf& b, Transport t) { return fp::classify_payload(b, t); }
bool continuation(const Buf& b, Transport t) { return fp::continuation_form(b, t); }

// ---- QUIC ----
void put32(Buf& b, std::uint32_t v) {
  put16(b, v >> 16);
  put16(b, v & 0xffff);
}
Buf varint2(unsigned v) {
  return Buf{static_cast<std::uint8_t>(0x40 | v >> 8), static_cast<std::uint8_t>(v)};
}
// A long-header Initial (v1 type 0; v2 type 1), padded to 1200 bytes as a client's is.
Buf quic_initial(std::uint32_t version, std::size_t dcid = 8, std::size_t scid = 8,
                 std::size_t token = 0, unsigned type_bits = 0x00) {
  Buf b;
  put8(b, 0xc3 | type_bits);
  put32(b, version);
  put8(b, static_cast<unsigned>(dcid));
  b.insert(b.end(), dcid, 0xd1);
  put8(b, static_cast<unsigned>(scid));
  b.insert(b.end(), scid, 0x5c);
  put8(b, static_cast<unsigned>(token));  // 1-byte varint
  b.insert(b.end(), token, 0x70);
  std::size_t len = 1200 - b.size() - 2;
  put(b, varint2(static_cast<unsigned>(len)));
  b.insert(b.end(), len, 0xee);
  return b;
}
Buf quic_vn(std::initializer_list<std::uint32_t> versions) {
  Buf b;
  put8(b, 0x80 | 0x2a);  // the rest of the first byte is unused
  put32(b, 0);
  put8(b, 8);
  b.insert(b.end(), 8, 0x5c);
  put8(b, 8);
  b.insert(b.end(), 8, 0xd1);
  for (std::uint32_t v : versions) put32(b, v);
  return b;
}
// ndpi__quic-29.pcap, client's first datagram (first 48 bytes), and ndpi__gquic.pcap (Q050).
const Buf kDraft29 =
    hex("c2ff00001d12f36e07bf0b7088ef28c71d488acaaff39ffc1143944eda18beb7e548b38d375bf3c2a3bc0044b7"
        "43b590a797856cfe");
const Buf kQ050 = hex("c35130353008017697f17a15e6ef000045343459c182c17986405543d41c76101007b0");

// ---- DTLS ----
Buf dtls_record(unsigned type, unsigned version, unsigned epoch, const Buf& body,
                std::uint64_t seq = 0) {
  Buf b;
  put8(b, type);
  put16(b, version);
  put16(b, epoch);
  put16(b, static_cast<unsigned>(seq >> 32));
  put32(b, static_cast<std::uint32_t>(seq));
  put16(b, static_cast<unsigned>(body.size()));
  put(b, body);
  return b;
}
Buf dtls_handshake(unsigned msg_type, const Buf& body, unsigned msg_seq = 0,
                   unsigned frag_off = 0) {
  Buf b;
  put8(b, msg_type);
  put24(b, static_cast<unsigned>(body.size()));
  put16(b, msg_seq);
  put24(b, frag_off);
  put24(b, static_cast<unsigned>(body.size()));
  put(b, body);
  return b;
}
Buf dtls_client_hello(unsigned version = 0xfefd, std::size_t cookie = 0, unsigned msg_seq = 0) {
  Buf body;
  put16(body, version);
  body.insert(body.end(), 32, 0x5a);
  put8(body, 0);  // session id
  put8(body, static_cast<unsigned>(cookie));
  body.insert(body.end(), cookie, 0xc0);
  put(body, hex("0004 c02b c02f 01 00"));  // suites, compression
  put(body, hex("0006 000a 0002 0017"));   // extensions: supported_groups
  return dtls_record(22, 0xfeff, 0, dtls_handshake(1, body, msg_seq));
}
Buf dtls_hello_verify() {
  Buf body;
  put16(body, 0xfeff);
  put8(body, 20);
  body.insert(body.end(), 20, 0xc0);
  return dtls_record(22, 0xfeff, 0, dtls_handshake(3, body));
}
Buf dtls_server_hello() {
  Buf body;
  put16(body, 0xfefd);
  body.insert(body.end(), 32, 0x77);
  put8(body, 0);
  put(body, hex("c02b 00 0000"));
  Buf out = dtls_record(22, 0xfefd, 0, dtls_handshake(2, body, 1), 1);
  // The rest of the flight in the same datagram: a Certificate record header and its start.
  put(out, dtls_record(22, 0xfefd, 0, dtls_handshake(11, hex("000000")), 2));
  return out;
}

// ---- OpenVPN ----
const Buf kSid = hex("a1b2c3d4e5f60718");
const Buf kSid2 = hex("1122334455667788");
Buf ovpn(unsigned opcode, unsigned key_id, const Buf& after_sid) {
  Buf b;
  put8(b, opcode << 3 | key_id);
  put(b, kSid);
  put(b, after_sid);
  return b;
}
// tls-auth fields: HMAC, replay packet-id 1, timestamp 2023-11.
Buf tls_auth(std::size_t hmac = 20) {
  Buf b(hmac, 0x3a);
  put(b, hex("00000001 65544ed0"));
  return b;
}
Buf client_reset() { return ovpn(7, 0, hex("00 00000000")); }
Buf client_reset_tls_auth() { return ovpn(7, 0, tls_auth() + hex("00 00000000")); }
Buf client_reset_early_neg() { return ovpn(7, 0, hex("00 0f000000 0001 0002 0001")); }
Buf server_reset() {
  Buf rest = hex("01 00000000");
  put(rest, kSid2);
  put(rest, hex("00000000"));
  return ovpn(8, 0, rest);
}
Buf control_v1() {
  Buf rest = hex("00 00000001");
  put(rest, client_hello({.sni = "vpn.example.com"}));
  return ovpn(4, 0, rest);
}
Buf ack_v1() {
  Buf rest = hex("01 00000000");
  put(rest, kSid2);
  return ovpn(5, 0, rest);
}
Buf tls_crypt_reset() {
  Buf rest = hex("00000001 65544ed0");
  rest.insert(rest.end(), 32, 0x7a);  // tag
  rest.insert(rest.end(), 5, 0x9e);   // encrypted ACK count + packet-id
  return ovpn(7, 0, rest);
}

// ---- WireGuard ----
Buf wg(unsigned type, std::size_t size) {
  Buf b = {static_cast<std::uint8_t>(type), 0, 0, 0, 0x12, 0x34, 0x56, 0x78};
  while (b.size() < size) b.push_back(static_cast<std::uint8_t>(b.size() < 16 ? 0 : 0x99));
  if (type == 4) b[8] = 7;  // counter 7
  return b;
}

// ---- STUN ----
// RFC 5769 2.1: the sample Binding request (software, priority, ice-controlled, username,
// message-integrity, fingerprint).
const Buf kStunRequest =
    hex("000100582112a442b7e7a701bc34d686fa87dfae802200105354554e207465737420636c69656e74002400046e"
        "0001ff80290008932ff9b151263b36000600096576746a3a68367659202020000800149aeaa70cbfd8cb56781e"
        "f2b5b2d3f249c1b571a280280004e57a3bcf");
Buf stun(unsigned type, const Buf& attrs) {
  Buf b;
  put16(b, type);
  put16(b, static_cast<unsigned>(attrs.size()));
  put(b, hex("2112a442 0102030405060708090a0b0c"));
  put(b, attrs);
  return b;
}
const Buf kXorMapped = hex("0020 0008 0001 a147 e112a643");  // XOR-MAPPED-ADDRESS
// ndpi__zoom.pcap: an RFC 3489 Binding request (no cookie) to port 3478.
const Buf kClassicStun =
    hex("00010018c15dae63585d14392e582c260403bf30010100143132333435363738393031323334353637383900");

// ---- SOCKS ----
Buf socks4(const Buf& ip, std::string_view user, std::string_view host = {}) {
  Buf b = hex("04 01 0050");
  put(b, ip);
  put(b, user);
  put8(b, 0);
  if (!host.empty()) {
    put(b, host);
    put8(b, 0);
  }
  return b;
}

struct Vector {
  const char* name;
  Buf bytes;
  Transport t;
  App app;
  Role role;
};

std::vector<Vector> vectors() {
  return {
      {"quic v1 client initial", quic_initial(1, 8, 8, 16), Transport::udp, App::quic,
       Role::client},
      {"quic v1 initial, no token", quic_initial(1, 8, 0), Transport::udp, App::quic,
       Role::unknown},
      {"quic v2 initial", quic_initial(0x6b3343cf, 8, 8, 4, 0x10), Transport::udp, App::quic,
       Role::client},
      {"quic draft-29 (capture)", kDraft29, Transport::udp, App::quic, Role::unknown},
      {"quic Q050 (capture)", kQ050, Transport::udp, App::quic, Role::unknown},
      {"gquic Q043 public header",
       hex("09 0102030405060708 51303433 01 a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"), Transport::udp,
       App::quic, Role::client},
      {"quic version negotiation", quic_vn({0x1a2a3a4a, 1, 0x6b3343cf}), Transport::udp, App::quic,
       Role::server},
      {"dtls clienthello", dtls_client_hello(), Transport::udp, App::dtls, Role::client},
      {"dtls clienthello with cookie", dtls_client_hello(0xfefd, 20, 1), Transport::udp, App::dtls,
       Role::client},
      {"dtls hello verify request", dtls_hello_verify(), Transport::udp, App::dtls, Role::server},
      {"dtls serverhello flight", dtls_server_hello(), Transport::udp, App::dtls, Role::server},
      {"openvpn client reset", client_reset(), Transport::udp, App::openvpn, Role::client},
      {"openvpn client reset tls-auth", client_reset_tls_auth(), Transport::udp, App::openvpn,
       Role::client},
      {"openvpn client reset 2.6", client_reset_early_neg(), Transport::udp, App::openvpn,
       Role::client},
      {"openvpn server reset", server_reset(), Transport::udp, App::openvpn, Role::server},
      {"openvpn control", control_v1(), Transport::udp, App::openvpn, Role::unknown},
      {"openvpn ack", ack_v1(), Transport::udp, App::openvpn, Role::unknown},
      {"openvpn tls-crypt reset", tls_crypt_reset(), Transport::udp, App::openvpn, Role::client},
      {"openvpn tcp client reset", tcp_framed(client_reset()), Transport::tcp, App::openvpn,
       Role::client},
      {"openvpn tcp server reset", tcp_framed(server_reset()), Transport::tcp, App::openvpn,
       Role::server},
      {"openvpn tcp control", tcp_framed(control_v1()), Transport::tcp, App::openvpn,
       Role::unknown},
      {"wireguard initiation", wg(1, 148), Transport::udp, App::wireguard, Role::client},
      {"wireguard response", wg(2, 92), Transport::udp, App::wireguard, Role::server},
      {"wireguard cookie", wg(3, 64), Transport::udp, App::wireguard, Role::unknown},
      {"wireguard keepalive", wg(4, 32), Transport::udp, App::wireguard, Role::unknown},
      {"wireguard data", wg(4, 32 + 48), Transport::udp, App::wireguard, Role::unknown},
      {"stun rfc5769 request", kStunRequest, Transport::udp, App::stun, Role::client},
      {"stun binding success", stun(0x0101, kXorMapped), Transport::udp, App::stun, Role::server},
      {"turn allocate request", stun(0x0003, hex("0019 0004 11000000")), Transport::udp, App::stun,
       Role::client},
      {"turn allocate error", stun(0x0113, hex("0009 0008 00000401 00000000")), Transport::udp,
       App::stun, Role::server},
      {"stun over tcp", stun(0x0001, {}), Transport::tcp, App::stun, Role::client},
      {"stun classic (zoom capture)", kClassicStun, Transport::udp, App::stun, Role::client},
      {"socks4 connect", socks4(hex("5db8d877"), "alice"), Transport::tcp, App::socks,
       Role::client},
      {"socks4a connect", socks4(hex("00000001"), "", "www.example.com"), Transport::tcp,
       App::socks, Role::client},
      {"socks4 reply", hex("005a 0000 00000000"), Transport::tcp, App::socks, Role::server},
      {"socks5 greeting", hex("05 02 00 02"), Transport::tcp, App::socks, Role::client},
      {"socks5 connect domain", hex("05 01 00 03 0b 6578616d706c652e636f6d 01bb"), Transport::tcp,
       App::socks, Role::client},
      {"socks5 connect ipv6", hex("05 01 00 04 20010db8000000000000000000000001 0050"),
       Transport::tcp, App::socks, Role::client},
      {"socks5 method selection", hex("05 00"), Transport::tcp, App::socks, Role::server},
      {"socks5 reply", hex("05 00 00 01 0a000001 1f90"), Transport::tcp, App::socks, Role::server},
  };
}

}  // namespace

TEST_CASE("tunnels: every vector names its app and the sender's role") {
  for (const Vector& v : vectors()) {
    INFO(std::string(v.name));
    fp::Result r = classify(v.bytes, v.t);
    CHECK(r.app == v.app);
    CHECK(r.role == v.role);
    CHECK(tunnels(v.bytes, v.t).app == v.app);
    // None of them is a continuation form: each is an opening.
    // (A first byte 01xxxxxx on UDP is also a QUIC short header: continuation_form is asked only
    // about bytes that nothing names.)
    if ((v.bytes[0] & 0xc0) != 0x40) CHECK_FALSE(continuation(v.bytes, v.t));
  }
}

TEST_CASE("tunnels: evidence names versions and targets") {
  CHECK(evidence(udp(quic_initial(1)), "app_version") == "1");
  CHECK(evidence(udp(quic_initial(0x6b3343cf, 8, 8, 0, 0x10)), "app_version") == "2");
  CHECK(evidence(udp(kDraft29), "app_version") == "draft-29");
  CHECK(evidence(udp(kQ050), "app_version") == "Q050");
  CHECK(evidence(udp(dtls_client_hello()), "app_version") == "1.2");
  CHECK(evidence(udp(dtls_hello_verify()), "app_version") == "1.0");
  fp::Result s4 = tcp(socks4(hex("5db8d877"), "alice"));
  CHECK(evidence(s4, "app_version") == "4");
  CHECK(evidence(s4, "app_target") == "93.184.216.119:80");
  fp::Result s4a = tcp(socks4(hex("00000001"), "", "www.example.com"));
  CHECK(evidence(s4a, "app_version") == "4a");
  CHECK(evidence(s4a, "app_target") == "www.example.com:80");
  CHECK(evidence(tcp(hex("05 01 00 03 0b 6578616d706c652e636f6d 01bb")), "app_target") ==
        "example.com:443");
  CHECK(evidence(tcp(hex("05 01 00 04 20010db8000000000000000000000001 0050")), "app_target") ==
        "[2001:db8:0:0:0:0:0:1]:80");
  // A greeting followed at once by its request (a client that does not wait).
  fp::Result pipelined = tcp(hex("05 01 00  05 01 00 01 0a000001 0016"));
  CHECK(pipelined.app == App::socks);
  CHECK(evidence(pipelined, "app_target") == "10.0.0.1:22");
  // A host name with control bytes is not a SOCKS4a host.
  CHECK(tcp(socks4(hex("00000001"), "",
                   "a\x01"
                   "b"))
            .app == App::unknown);
}

TEST_CASE("tunnels: a cut vector names the same app or nothing, never another") {
  for (const Vector& v : vectors()) {
    for (std::size_t n = 1; n < v.bytes.size(); ++n) {
      INFO(std::string(v.name) << " cut at " << n);
      Buf cut = prefix(v.bytes, n);
      fp::Result r = classify(cut, v.t);
      CHECK((r.app == v.app || r.app == App::unknown));
      fp::Result mine = tunnels(cut, v.t);
      CHECK((mine.app == v.app || mine.app == App::unknown));
    }
  }
}

TEST_CASE("tunnels: a QUIC long header classifies once its version and CIDs are in") {
  Buf b = quic_initial(1, 8, 8, 16);
  CHECK(udp(prefix(b, 5)).app == App::unknown);  // version only
  CHECK(udp(prefix(b, 1 + 4 + 1 + 8)).app == App::unknown);
  CHECK(udp(prefix(b, 1 + 4 + 1 + 8 + 1 + 8)).app == App::quic);
  CHECK(udp(prefix(b, 1 + 4 + 1 + 8 + 1 + 8)).role == Role::unknown);  // token not yet seen
}

TEST_CASE("tunnels: QUIC near-misses") {
  CHECK(udp(quic_initial(2)).app == App::unknown);           // version 2 is 0x6b3343cf
  CHECK(udp(quic_initial(0xff00000f)).app == App::unknown);  // draft 15: before the fixed bit
  CHECK(udp(quic_initial(0x1a2a3a4a)).app == App::unknown);  // GREASE version
  CHECK(udp(quic_initial(1, 21)).app == App::unknown);       // DCID > 20 bytes
  CHECK(udp(quic_initial(1, 8, 21)).app == App::unknown);    // SCID > 20 bytes
  Buf no_fixed = quic_initial(1);
  no_fixed[0] &= ~0x40;
  CHECK(udp(no_fixed).app == App::unknown);
  Buf short_len = quic_initial(1, 8, 8);
  short_len[1 + 4 + 1 + 8 + 1 + 8 + 1] = 0x40;  // Length 19: no room for the HP sample
  short_len[1 + 4 + 1 + 8 + 1 + 8 + 2] = 19;
  CHECK(udp(short_len).app == App::unknown);
  CHECK(udp(quic_vn({0x1a2a3a4a})).app == App::unknown);  // only GREASE listed
  Buf vn_odd = quic_vn({1});
  vn_odd.push_back(0);
  CHECK(udp(vn_odd).app == App::unknown);
  CHECK(tcp(quic_initial(1)).app != App::quic);  // QUIC is UDP
  // gQUIC public header: reset flag, unused high bit, a version that is not "Q0dd".
  CHECK(udp(hex("0b 0102030405060708 51303433 01 a0b1c2d3")).app == App::unknown);
  CHECK(udp(hex("89 0102030405060708 51303433 01 a0b1c2d3")).app == App::unknown);
  CHECK(udp(hex("09 0102030405060708 5130344a 01 a0b1c2d3")).app == App::unknown);
}

TEST_CASE("tunnels: DTLS near-misses") {
  CHECK(udp(dtls_client_hello(0x0303)).app == App::unknown);  // TLS version in the hello
  Buf tls_rec = dtls_client_hello();
  tls_rec[1] = 0x03, tls_rec[2] = 0x03;  // TLS record version
  CHECK(udp(tls_rec).app == App::unknown);
  CHECK(udp(dtls_client_hello(0xfefd, 0, 2)).app == App::unknown);  // message_seq 2
  Buf body = hex("fefd");
  body.insert(body.end(), 40, 0);
  CHECK(udp(dtls_record(22, 0xfefd, 0, dtls_handshake(1, body, 0, 100))).app == App::unknown);
  CHECK(udp(dtls_record(22, 0xfefd, 0, dtls_handshake(11, body))).app == App::unknown);
  Buf big_seq = dtls_client_hello();
  big_seq[5] = 1;  // sequence number >= 2^32
  CHECK(udp(big_seq).app == App::unknown);
  Buf frag_long = dtls_client_hello();
  frag_long[13 + 11] += 1;  // fragment_length past the record
  CHECK(udp(frag_long).app == App::unknown);
  Buf bad_next = dtls_server_hello();
  bad_next[bad_next.size() - 28] = 0x30;  // the second record's type
  CHECK(udp(bad_next).app == App::unknown);
  // Epoch 1 is encrypted traffic after a handshake: a continuation form, not an opening.
  Buf later = dtls_record(23, 0xfefd, 1, Buf(48, 0xab), 5);
  CHECK(udp(later).app == App::unknown);
  CHECK(continuation(later, Transport::udp));
  CHECK_FALSE(continuation(dtls_record(23, 0xfefd, 0, Buf(48, 0xab)), Transport::udp));
  CHECK_FALSE(continuation(dtls_record(23, 0x0303, 1, Buf(48, 0xab)), Transport::udp));
}

TEST_CASE("tunnels: OpenVPN near-misses") {
  Buf keyed = client_reset();
  keyed[0] |= 1;  // a hard reset with key_id 1
  CHECK(udp(keyed).app == App::unknown);
  CHECK(udp(ovpn(7, 0, hex("00 00000001"))).app == App::unknown);     // first message id is 0
  CHECK(udp(ovpn(7, 0, hex("00 00000000 00"))).app == App::unknown);  // trailing byte
  CHECK(udp(ovpn(1, 0, hex("00 00000000"))).app == App::unknown);     // V1 resets are not taken
  Buf zero_sid = client_reset();
  std::fill(zero_sid.begin() + 1, zero_sid.begin() + 9, 0);
  CHECK(udp(zero_sid).app == App::unknown);
  Buf many_acks = hex("09");  // 9 > RELIABLE_ACK_SIZE
  many_acks.insert(many_acks.end(), 36 + 8 + 4, 0);
  CHECK(udp(ovpn(5, 0, many_acks)).app == App::unknown);
  CHECK(udp(ovpn(5, 0, hex("00"))).app == App::unknown);  // an ACK that acknowledges nothing
  Buf not_tls = hex("00 00000001 48545450");              // P_CONTROL without a TLS record
  CHECK(udp(ovpn(4, 0, not_tls)).app == App::unknown);
  Buf old_ts = tls_auth();
  old_ts[20 + 4] = 0x10;  // timestamp in 1978
  CHECK(udp(ovpn(7, 0, old_ts + hex("00 00000000"))).app == App::unknown);
  // TCP: the length prefix must frame the packet exactly as far as it goes.
  Buf framed = tcp_framed(client_reset());
  framed[1] += 1;
  CHECK(tcp(framed).app == App::unknown);
  CHECK(tcp(client_reset()).app == App::unknown);  // no prefix
  CHECK(udp(tcp_framed(client_reset())).app == App::unknown);
}

TEST_CASE("tunnels: WireGuard near-misses") {
  CHECK(udp(wg(1, 149)).app == App::unknown);
  CHECK(udp(wg(1, 147)).app == App::unknown);
  CHECK(udp(wg(2, 148)).app == App::unknown);
  CHECK(udp(wg(4, 40)).app == App::unknown);  // not header + 16k + tag
  CHECK(udp(wg(5, 64)).app == App::unknown);
  Buf reserved = wg(1, 148);
  reserved[2] = 1;
  CHECK(udp(reserved).app == App::unknown);
  Buf counter = wg(4, 64);
  counter[15] = 1;  // a counter above 2^40
  CHECK(udp(counter).app == App::unknown);
  Buf no_index = wg(1, 148);
  std::fill(no_index.begin() + 4, no_index.begin() + 8, 0);
  CHECK(udp(no_index).app == App::unknown);
  CHECK(tcp(wg(1, 148)).app != App::wireguard);
}

TEST_CASE("tunnels: STUN near-misses") {
  Buf cookie = kStunRequest;
  cookie[7] ^= 1;
  CHECK(udp(cookie).app == App::unknown);
  Buf top = stun(0x0001, kXorMapped);
  top[0] |= 0x40;
  CHECK(udp(top).app == App::unknown);
  Buf len = stun(0x0001, kXorMapped);
  len[3] += 2;  // not a multiple of 4
  CHECK(udp(len).app == App::unknown);
  Buf extra = kStunRequest;
  extra.push_back(0);  // a datagram is one message
  CHECK(udp(extra).app == App::unknown);
  CHECK(udp(stun(0x0002, {})).app == App::unknown);  // method 2 (old SharedSecret)
  CHECK(udp(stun(0x0006, {})).app == App::unknown);  // Send must be an indication
  CHECK(udp(stun(0x0016, {})).app == App::stun);     // Send indication
  Buf overrun = stun(0x0001, hex("0006 0009 6576746a3a68367659202020"));
  overrun[3] = 8;  // message length shorter than its attribute
  CHECK(udp(overrun).app == App::unknown);
  // Classic (RFC 3489): only whole, exactly walked messages, only on UDP.
  Buf classic_cut = prefix(kClassicStun, kClassicStun.size() - 4);
  CHECK(udp(classic_cut).app == App::unknown);
  CHECK(tcp(kClassicStun).app == App::unknown);
  CHECK(udp(hex("0001 0000 0102030405060708090a0b0c0d0e0f10")).app == App::unknown);
  // TURN ChannelData is a continuation form, not an opening.
  Buf channel = hex("4001 0005 6869686968 000000");
  CHECK(udp(channel).app == App::unknown);
  CHECK(continuation(prefix(channel, 9), Transport::tcp) == false);  // TCP pads to 4
  CHECK(continuation(channel, Transport::tcp));
  CHECK(continuation(hex("4001 0005 6869686968"), Transport::udp));
  CHECK(continuation(channel + hex("4001 0008 0102"), Transport::tcp));  // next one cut
  CHECK_FALSE(continuation(hex("5001 0004 68696869"), Transport::tcp));  // reserved channel
  CHECK_FALSE(continuation(hex("4001 0000"), Transport::tcp));           // empty
}

TEST_CASE("tunnels: SOCKS near-misses") {
  CHECK(tcp(hex("04 03 0050 5db8d877 00")).app == App::unknown);     // command 3
  CHECK(tcp(hex("04 01 0000 5db8d877 00")).app == App::unknown);     // port 0
  CHECK(tcp(hex("04 01 0050 5db8d877")).app == App::unknown);        // no user ID terminator
  CHECK(tcp(hex("04 01 0050 00000000 00")).app == App::unknown);     // 0.0.0.0
  CHECK(tcp(hex("04 01 0050 00000001 00")).app == App::unknown);     // 4a without a host
  CHECK(tcp(hex("04 01 0050 5db8d877 00 47")).app == App::unknown);  // trailing byte
  CHECK(tcp(hex("05 02 00")).app == App::unknown);                   // 2 methods announced, 1 sent
  CHECK(tcp(hex("05 01 00 00")).app == App::unknown);                // ATYP 0
  CHECK(tcp(hex("05 01 0a")).app == App::unknown);                   // unassigned method
  CHECK(tcp(hex("05 00 00")).app == App::unknown);                   // zero methods
  CHECK(tcp(hex("05 01 01 01 0a000001 0050")).app == App::unknown);  // RSV 1
  CHECK(tcp(hex("05 03")).app == App::unknown);                      // method 3 selected
  CHECK(tcp(hex("005b 0000 00000000 00")).app == App::unknown);      // reply of 9 bytes
  CHECK(tcp(hex("0059 0000 00000000")).app == App::unknown);         // reply code 89
  CHECK(udp(socks4(hex("5db8d877"), "alice")).app == App::unknown);  // SOCKS is TCP here
}

TEST_CASE("tunnels: QUIC short headers are a continuation form") {
  Buf shorth = hex("47");
  shorth.insert(shorth.end(), 8 + 1 + 20, 0xc3);  // DCID and ciphertext: not text
  CHECK(udp(shorth).app == App::unknown);
  CHECK(continuation(shorth, Transport::udp));
  CHECK_FALSE(continuation(prefix(shorth, 20), Transport::udp));
  CHECK_FALSE(continuation(shorth, Transport::tcp));
  Buf long_bit = shorth;
  long_bit[0] = 0x87;
  CHECK_FALSE(continuation(long_bit, Transport::udp));
  // Text on UDP (SIP, SSDP, JSON) starts 01xxxxxx too.
  CHECK_FALSE(
      continuation(text("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\n"), Transport::udp));
  CHECK_FALSE(continuation(text("{\"host_int\": 676879976, \"version\": [1, 8]}"), Transport::udp));
  // A PostgreSQL AuthenticationOk ('R', length 8, 0) is not ChannelData on TCP.
  CHECK_FALSE(continuation(hex("52 00000008 00000000"), Transport::tcp));
}

TEST_CASE("tunnels: a rejection leaves the result untouched") {
  fp::Result r;
  r.app = App::smtp;
  r.role = Role::server;
  protoport::fingerprint::detail::add_evidence(r, fp::EvidenceKey::smtp_banner, "x");
  for (const Buf& b : {wg(1, 149), quic_initial(2), hex("05 02 00"), stun(0x0002, {})})
    for (Transport t : {Transport::udp, Transport::tcp}) {
      CHECK_FALSE(protoport::fingerprint::detail::match_tunnels(b, t, r));
      CHECK(r.app == App::smtp);
      CHECK(r.role == Role::server);
      CHECK(r.evidence.size() == 1);
    }
}

TEST_CASE("tunnels: DNS messages shaped like ours stay dns") {
  // A non-recursive query (flags 0) with ID 0x0100 and exactly 148 bytes: a WireGuard
  // initiation by its first four bytes and its length.
  // Name: 1+60 + 1+57 + 8 (example) + 4 (com) + 1 (root) = 132 bytes, after 12 + before 4.
  Buf q = dns_message({.id = 0x0100, .flags = 0x0000},
                      std::string(60, 'q') + "." + std::string(57, 'r') + ".example.com");
  REQUIRE(q.size() == 148);
  CHECK(udp(q).app == App::dns);
  CHECK(tunnels(q, Transport::udp).app == App::unknown);
  // A transport-data-sized one (ID 0x0400, 64 bytes).
  Buf d = dns_message({.id = 0x0400, .flags = 0x0000}, std::string(34, 'd') + ".example.com");
  REQUIRE((d.size() - 16) % 16 == 0);
  CHECK(udp(d).app == App::dns);
  // IDs that are our first bytes, over UDP and TCP: 0x38 (OpenVPN reset), 0x05 (SOCKS5),
  // 0x04 (SOCKS4), 0x00/0x01 (STUN), 0x16 (DTLS), 0xc3 (QUIC).
  for (unsigned id :
       {0x3800u, 0x0501u, 0x0401u, 0x0001u, 0x0101u, 0x16feu, 0xc300u, 0x2000u, 0x0900u}) {
    for (unsigned flags : {0x0000u, 0x0100u}) {
      Buf m = dns_message({.id = id, .flags = flags}, "www.example.com", 1, 1,
                          hex("00 0029 1000 00000000 0000"));
      INFO("id " << id << " flags " << flags);
      CHECK(udp(m).app == App::dns);
      CHECK(tcp(tcp_framed(m)).app == App::dns);
    }
  }
  // Real messages (arkime dns-tcp.pcap; ndpi__zoom.pcap).
  CHECK(tcp(hex("001c5e630100000100000000000006676f6f676c6503636f6d0000010001")).app == App::dns);
  CHECK(udp(hex("7b5f01000001000000000000036c6f67047a6f6f6d0275730000010001")).app == App::dns);
  CHECK(udp(hex("c18881830001000000010000056c6f63616c0000060001")).app == App::dns);
}

TEST_CASE("tunnels: TLS records and TLS over UDP are not ours") {
  Buf ch = client_hello({.sni = "www.example.com"});
  CHECK(tcp(ch).app == App::ssl);
  CHECK(udp(ch).app == App::unknown);
  CHECK(tunnels(ch, Transport::tcp).app == App::unknown);
  CHECK(tunnels(ch, Transport::udp).app == App::unknown);
}

TEST_CASE("tunnels: random payloads name nothing") {
  // Odds per random payload: QUIC needs one of ~260 versions (2^-24), STUN the 32-bit cookie,
  // WireGuard three zero bytes and an exact length, OpenVPN an exact layout, SOCKS an exact
  // length and NUL placement. 1e5 payloads per transport are expected to give none.
  Rng rng{0x7e11e15};
  for (Transport t : {Transport::udp, Transport::tcp}) {
    int named = 0, continued = 0;
    for (int i = 0; i < 100000; ++i) {
      Buf b = rng.bytes(1 + rng.next() % 256);
      fp::Result r;
      if (protoport::fingerprint::detail::match_tunnels(b, t, r)) ++named;
      if (continuation(b, t)) ++continued;
    }
    INFO(fp::to_string(t));
    CHECK(named == 0);
    // Continuation: a quarter of random UDP datagrams of >= 21 bytes start 01xxxxxx (a QUIC
    // short header is that and nothing more); on TCP only ChannelData with its exact length.
    if (t == Transport::udp) {
      CHECK(continued > 15000);
      CHECK(continued < 30000);
    } else {
      CHECK(continued < 100);
    }
  }
  for (std::size_t n : {1u, 4u, 16u, 64u, 148u}) {
    CHECK(tcp(Buf(n, 0)).app == App::unknown);
    CHECK(udp(Buf(n, 0)).app == App::unknown);
  }
}
