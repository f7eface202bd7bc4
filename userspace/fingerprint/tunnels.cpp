// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The tunnels group: QUIC (RFC 9000/9369 long headers, IETF drafts, Google QUIC), DTLS (RFC 6347,
// 9147), OpenVPN's TLS-mode control channel (UDP, and TCP with its 2-byte length framing),
// WireGuard, STUN/TURN (RFC 8489, 8656) and SOCKS 4/4a/5 (RFC 1928). These carry other traffic or
// set up a path for it, so a port rule wants them named; none of them may take a DNS message or a
// TLS record, which are the common traffic on the same ports.
//
// Each parser builds its verdict in a local Result and moves it into `out` only once every check
// passed, so a rejection leaves `out` untouched. A sample may be cut by the sampler: a parser
// classifies a prefix only where what is there already proves the protocol (a QUIC long header
// with a known version and its connection IDs, a STUN header with the magic cookie); messages
// whose proof is their exact length (WireGuard, SOCKS, OpenVPN) name nothing when cut.
#include <array>
#include <cstdio>
#include <optional>

#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {
namespace {

// Evidence text built in place (a version name, a SOCKS target): no allocation until accepted.
struct TextBuf {
  std::array<std::uint8_t, 300> data{};
  std::size_t len = 0;
  void add(Bytes b) {
    for (std::uint8_t c : b)
      if (len < data.size()) data[len++] = c;
  }
  void add(std::string_view s) {
    add(Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }
  void addf(const char* fmt, unsigned v) {
    char buf[16];
    int n = std::snprintf(buf, sizeof buf, fmt, v);
    if (n > 0) add(std::string_view(buf, static_cast<std::size_t>(n) < sizeof buf ? n : 0));
  }
  Bytes view() const { return Bytes(data.data(), len); }
};

// ---------------------------------------------------------------------------------------------
// QUIC. The long header's invariant part (RFC 8999 5.1): a first byte with the high bit set, a
// 4-byte version, then the connection IDs. A known version plus CID lengths in range is already
// a 2^-30 coincidence for random bytes, so a header cut after its CIDs classifies. A client's
// Initial is padded to >= 1200 bytes (RFC 9000 14.1), but so is a server's ack-eliciting one, and
// a sample is cut at <= 1024 bytes: the datagram size tells neither the role nor the protocol.

enum class QuicFamily { none, ietf, draft_nibble, google_nibble, google_ietf };

QuicFamily quic_family(std::uint32_t v) {
  if (v == 0x00000001 || v == 0x6b3343cf) return QuicFamily::ietf;  // v1, v2 (RFC 9369)
  // IETF drafts 17-34: 17 introduced the fixed bit; 22 moved from one byte of two 4-bit CID
  // lengths to a length byte per CID.
  if ((v & 0xffffff00) == 0xff000000) {
    unsigned d = v & 0xff;
    if (d >= 17 && d <= 34) return d >= 22 ? QuicFamily::ietf : QuicFamily::draft_nibble;
    return QuicFamily::none;
  }
  // Google QUIC "Q0dd" (crypto handshake) and "T0dd" (TLS): Q046-Q049 use the 4-bit CID lengths
  // of the early invariants, Q050 and T0dd a length byte per CID. Earlier versions use the old
  // public header (match_gquic_public).
  std::uint8_t c0 = v >> 24, c1 = (v >> 16) & 0xff, c2 = (v >> 8) & 0xff, c3 = v & 0xff;
  if ((c0 == 'Q' || c0 == 'T') && c1 == '0' && is_digit(c2) && is_digit(c3)) {
    unsigned n = (c2 - '0') * 10u + (c3 - '0');
    if (c0 == 'T') return n >= 48 ? QuicFamily::google_ietf : QuicFamily::none;
    if (n >= 46 && n <= 49) return QuicFamily::google_nibble;
    if (n >= 50) return QuicFamily::google_ietf;
  }
  return QuicFamily::none;
}

void quic_version_name(std::uint32_t v, TextBuf& t) {
  if (v == 0x00000001) return t.add("1");
  if (v == 0x6b3343cf) return t.add("2");
  if ((v >> 8) == 0xff0000) return t.addf("draft-%u", v & 0xff);
  const std::uint8_t name[4] = {static_cast<std::uint8_t>(v >> 24),
                                static_cast<std::uint8_t>(v >> 16),
                                static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
  t.add(Bytes(name, 4));
}

// QUIC variable-length integer (RFC 9000 16).
std::optional<std::uint64_t> varint(ByteReader& r) {
  auto first = r.peek_u8();
  if (!first) return std::nullopt;
  std::size_t n = std::size_t{1} << (*first >> 6);
  if (!r.has(n)) return std::nullopt;
  std::uint64_t v = *r.u8() & 0x3f;
  for (std::size_t i = 1; i < n; ++i) v = (v << 8) | *r.u8();
  return v;
}

constexpr std::size_t kMaxCid = 20;           // RFC 9000 17.2, for the versions it defines
constexpr std::uint64_t kMinQuicLen = 20;     // packet number + header-protection sample (RFC 9001
                                              // 5.4.2: 4 bytes assumed for the number, 16 sampled)
constexpr std::uint64_t kMaxQuicLen = 65527;  // a UDP payload's limit

// Version negotiation (RFC 9000 17.2.1): version 0, CIDs of up to 255 bytes (RFC 8999), then
// versions, at least one of them one we know (servers list real versions beside GREASE ones).
bool match_quic_vn(ByteReader r, Result& out) {
  auto dcid_len = r.u8();
  if (!dcid_len || !r.skip(*dcid_len)) return false;
  auto scid_len = r.u8();
  if (!scid_len || !r.skip(*scid_len)) return false;
  if (r.remaining() < 4 || r.remaining() % 4 != 0) return false;
  bool known = false;
  while (auto v = r.u32()) known = known || quic_family(*v) != QuicFamily::none;
  if (!known) return false;
  out.app = App::quic;
  out.role = Role::server;
  return true;
}

bool match_quic_long(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  std::uint8_t first = *r.u8();
  auto version = r.u32();
  if (!version) return false;
  if (*version == 0) return match_quic_vn(r, out);
  if ((first & 0xc0) != 0xc0) return false;  // fixed bit (RFC 9000 17.2)
  QuicFamily family = quic_family(*version);
  if (family == QuicFamily::none) return false;
  if (family == QuicFamily::draft_nibble || family == QuicFamily::google_nibble) {
    // One byte: DCIL << 4 | SCIL, each 0 or 3 + the length (draft-ietf-quic-invariants-03).
    auto lens = r.u8();
    if (!lens) return false;
    unsigned dcil = *lens >> 4, scil = *lens & 0x0f;
    if (!r.skip(dcil ? dcil + 3 : 0) || !r.skip(scil ? scil + 3 : 0)) return false;
  } else {
    auto dcid_len = r.u8();
    if (!dcid_len || *dcid_len > kMaxCid || !r.skip(*dcid_len)) return false;
    auto scid_len = r.u8();
    if (!scid_len || *scid_len > kMaxCid || !r.skip(*scid_len)) return false;
  }
  Role role = Role::unknown;
  if (family == QuicFamily::ietf) {
    // Long packet types (RFC 9000 17.2; RFC 9369 3.2 rotates them for v2).
    unsigned type = (first >> 4) & 3;
    if (*version == 0x6b3343cf) type = (type + 3) & 3;  // v2: 1 Initial .. 0 Retry
    enum { kInitial = 0, kZeroRtt = 1, kHandshake = 2, kRetry = 3 };
    if (type == kRetry) {
      role = Role::server;  // a Retry carries a token and a 16-byte integrity tag
      if (r.has(1) && r.remaining() < 1 + 16) return false;
    } else {
      if (type == kZeroRtt) role = Role::client;
      if (type == kInitial) {
        // A server's Initial MUST have an empty token (RFC 9000 17.2.2).
        auto token_len = varint(r);
        if (token_len && *token_len > 0) role = Role::client;
        if (token_len && *token_len > kMaxQuicLen) return false;
        if (token_len && !r.skip(*token_len)) r.skip(r.remaining());
      }
      if (auto len = varint(r); len && (*len < kMinQuicLen || *len > kMaxQuicLen)) return false;
    }
  }
  TextBuf name;
  quic_version_name(*version, name);
  Result res;
  res.app = App::quic;
  res.role = role;
  add_evidence(res, EvidenceKey::app_version, name.view());
  out = std::move(res);
  return true;
}

// Google QUIC before Q046: the public header (flags, 8-byte connection ID, version "Q0dd"). Flags:
// 0x01 version present, 0x08 8-byte CID, 0x02 public reset (not with a version), 0x80 and 0x40
// unused (zero). A client puts its version in every packet until the server agrees; a server
// sends a version only in a version negotiation packet, which is nothing but versions.
bool match_gquic_public(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  std::uint8_t flags = *r.u8();
  if ((flags & 0xcb) != 0x09 || !r.skip(8)) return false;
  auto version = r.u32();
  if (!version) return false;
  std::uint8_t c2 = (*version >> 8) & 0xff, c3 = *version & 0xff;
  if ((*version >> 16) != 0x5130 || !is_digit(c2) || !is_digit(c3)) return false;  // "Q0dd"
  bool all_versions = r.remaining() % 4 == 0;
  for (ByteReader v(r.rest()); all_versions && !v.empty();)
    all_versions = (*v.u32() >> 16) == 0x5130;
  TextBuf name;
  quic_version_name(*version, name);
  Result res;
  res.app = App::quic;
  res.role = all_versions && !r.empty() ? Role::server : Role::client;
  add_evidence(res, EvidenceKey::app_version, name.view());
  out = std::move(res);
  return true;
}

// ---------------------------------------------------------------------------------------------
// DTLS (RFC 6347 4.1, RFC 9147 4): a 13-byte record header (type, version, 2-byte epoch, 6-byte
// sequence number, length). The opening is an epoch-0 handshake record whose first message is a
// ClientHello, a HelloVerifyRequest or a ServerHello, with a DTLS handshake header (length,
// message_seq, fragment_offset, fragment_length) consistent with the record.

constexpr std::size_t kDtlsHeader = 13;
constexpr std::size_t kMaxRecord = 16384 + 2048;

bool dtls_type(std::uint8_t t) { return (t >= 20 && t <= 23) || t == 25; }  // 25: ACK (9147)
// 1.0, 1.2 and 1.3 (0xfefc: RFC 9147's version number, 1.3 records themselves say 0xfefd).
bool dtls_version(std::uint16_t v) { return v == 0xfeff || v == 0xfefd || v == 0xfefc; }

// Headers of the records after the first, as far as the sample holds them: a datagram carries
// whole records, so each must start where the previous one ended.
bool dtls_following_records(ByteReader r) {
  for (int i = 0; i < 16 && !r.empty(); ++i) {
    auto type = r.u8();
    if (!dtls_type(*type)) return false;
    auto version = r.u16();
    if (!version) return true;
    if (!dtls_version(*version)) return false;
    if (!r.skip(8)) return true;
    auto len = r.u16();
    if (!len) return true;
    if (*len > kMaxRecord) return false;
    if (!r.skip(*len)) return true;
  }
  return true;
}

bool match_dtls(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  if (*r.u8() != 22) return false;  // the opening is a handshake record
  auto rec_version = r.u16();
  auto epoch = r.u16();
  auto seq_hi = r.u16();
  auto seq_lo = r.u32();
  auto rec_len = r.u16();
  if (!rec_len || !dtls_version(*rec_version) || *epoch != 0) return false;
  // The first flight is the first thing sent in epoch 0: a small sequence number, even after
  // retransmissions.
  if (*seq_hi != 0 || *seq_lo > 0xffff) return false;
  if (*rec_len < 12 || *rec_len > kMaxRecord) return false;
  std::size_t rec_end = r.offset() + *rec_len;
  auto msg_type = r.u8();
  auto msg_len = r.u24();
  auto msg_seq = r.u16();
  auto frag_off = r.u24();
  auto frag_len = r.u24();
  if (!frag_len) return false;
  enum { kClientHello = 1, kServerHello = 2, kHelloVerifyRequest = 3 };
  // message_seq: 0 for a first ClientHello, 1 for the one that answers a HelloVerifyRequest (and
  // for the ServerHello after it); the first message of a flight starts at fragment offset 0.
  if (*msg_type != kClientHello && *msg_type != kServerHello && *msg_type != kHelloVerifyRequest)
    return false;
  if (*msg_seq > 1 || (*msg_type == kHelloVerifyRequest && *msg_seq != 0)) return false;
  if (*frag_off != 0 || *frag_len > *msg_len || *frag_len > *rec_len - 12u) return false;
  if (*msg_len > (1u << 17)) return false;
  // The hello's first fields, as far as the fragment and the sample hold them.
  bool complete = false;
  ByteReader h(r.take_up_to(*frag_len, complete));
  auto version = h.u16();
  if (!version) return false;  // too little to tell a hello from a look-alike
  if (*version != 0xfeff && *version != 0xfefd) return false;
  if (*msg_type == kHelloVerifyRequest) {
    auto cookie_len = h.u8();
    if (cookie_len && *cookie_len + 3u != *frag_len) return false;
  } else {
    if (h.has(1) && !h.skip(32)) h.skip(h.remaining());
    auto sid_len = h.u8();
    if (sid_len && *sid_len > 32) return false;
    if (sid_len && !h.skip(*sid_len)) h.skip(h.remaining());
    if (*msg_type == kClientHello) {
      auto cookie_len = h.u8();
      if (cookie_len && !h.skip(*cookie_len)) h.skip(h.remaining());
      auto suites_len = h.u16();
      if (suites_len && (*suites_len == 0 || *suites_len % 2 != 0)) return false;
    }
  }
  if (complete && r.offset() <= rec_end) {
    ByteReader rest(bytes);
    if (!rest.skip(rec_end)) rest.skip(rest.remaining());
    if (!dtls_following_records(rest)) return false;
  }
  Result res;
  res.app = App::dtls;
  res.role = *msg_type == kClientHello ? Role::client : Role::server;
  add_evidence(res, EvidenceKey::app_version, *version == 0xfeff ? "1.0" : "1.2");
  out = std::move(res);
  return true;
}

// ---------------------------------------------------------------------------------------------
// OpenVPN, TLS mode (ssl.h, reliable.h in OpenVPN's source): opcode << 3 | key_id, an 8-byte
// session ID, then, with --tls-auth, an HMAC and a replay packet-id + timestamp; the ACK array
// (count, packet-ids, remote session ID when count > 0); the message packet-id (not in P_ACK);
// the payload. With --tls-crypt the packet-id and timestamp come first, then a 32-byte tag, and
// the rest is encrypted. Only the packets of an opening are named: the hard resets (key_id 0),
// P_CONTROL_V1 carrying the start of a TLS record, and P_ACK_V1.

enum OvpnOpcode : std::uint8_t {
  kControlV1 = 4,
  kAckV1 = 5,
  kResetClientV2 = 7,
  kResetServerV2 = 8,
  kResetClientV3 = 10,
};
constexpr std::size_t kSessionId = 8;
constexpr unsigned kMaxAcks = 8;  // RELIABLE_ACK_SIZE
constexpr std::size_t kMaxOvpnPacket = 1600;
// The reliable layer's packet-ids count control messages from 0, afresh for every key_id: a
// handshake takes a few dozen, so an id in an opening is far below this.
constexpr std::uint32_t kMaxReliableId = 0xffff;
// OpenVPN 2.6 marks a client reset that carries TLVs with this message packet-id.
constexpr std::uint32_t kEarlyNegStart = 0x0f000000;

bool zero_id(Bytes id) {
  for (std::uint8_t c : id)
    if (c) return false;
  return true;
}

// tls-auth/tls-crypt replay protection: packet-id counts from 1, the timestamp is the sender's
// clock (after 2012; OpenVPN 2.x on any current system).
bool replay_fields(ByteReader& r) {
  auto pid = r.u32();
  auto ts = r.u32();
  return ts && *pid >= 1 && *pid < 0x10000 && *ts >= 0x50000000;
}

// Early-negotiation TLVs of a 2.6 client reset: (type, length, value) to the packet's end.
bool tlvs(ByteReader r) {
  while (!r.empty()) {
    auto len = r.skip(2) ? r.u16() : std::nullopt;  // type, length
    if (!len || !r.skip(*len)) return false;
  }
  return true;
}

// The cleartext part after the session ID (and the tls-auth fields): ACK array, message
// packet-id, payload. `p` holds exactly the rest of the packet.
bool ovpn_cleartext(ByteReader p, std::uint8_t opcode) {
  auto acks = p.u8();
  if (!acks || *acks > kMaxAcks) return false;
  for (unsigned i = 0; i < *acks; ++i)
    if (auto id = p.u32(); !id || *id > kMaxReliableId) return false;
  if (*acks > 0 && !p.skip(kSessionId)) return false;
  if (opcode == kAckV1) return *acks > 0 && p.empty();
  auto msg_pid = p.u32();
  if (!msg_pid || (*msg_pid > kMaxReliableId && *msg_pid != kEarlyNegStart)) return false;
  switch (opcode) {
    case kResetClientV2:
      if (*acks != 0) return false;
      if (*msg_pid == kEarlyNegStart) return !p.empty() && tlvs(p);
      return *msg_pid == 0 && p.empty();
    case kResetServerV2: return *msg_pid == 0 && p.empty();
    case kControlV1: {
      // The first bytes of a TLS record (the ClientHello or the server's first flight).
      auto type = p.u8();
      auto major = p.u8();
      auto minor = p.u8();
      return minor && *type >= 20 && *type <= 23 && *major == 3 && *minor <= 3;
    }
    default: return false;
  }
}

// tls-crypt: everything after the tag is encrypted; the reset's ciphertext has a known size
// (ACK count + message packet-id, + a 6-byte TLV for a 2.6 client; + one ACK and the remote
// session ID for the server), and a tls-crypt-v2 client reset appends the wrapped client key,
// which ends with its own 2-byte length.
bool ovpn_tls_crypt(ByteReader p, std::uint8_t opcode) {
  if (!replay_fields(p) || !p.skip(32)) return false;
  std::size_t n = p.remaining();
  switch (opcode) {
    case kResetClientV2: return n == 5 || n == 11;
    case kResetServerV2: return n == 5 + 4 + kSessionId;
    case kResetClientV3: {
      Bytes rest = p.rest();
      if (n < 2) return false;
      std::size_t wkc = std::size_t{rest[n - 2]} << 8 | rest[n - 1];
      return wkc >= 32 + 2 && (n == wkc + 5 || n == wkc + 11);
    }
    default: return false;
  }
}

// One OpenVPN packet, exactly `bytes` long.
bool ovpn_packet(Bytes bytes, Result& out) {
  if (bytes.size() > kMaxOvpnPacket) return false;
  ByteReader r(bytes);
  std::uint8_t op = *r.u8();
  std::uint8_t opcode = op >> 3, key_id = op & 7;
  bool reset = opcode == kResetClientV2 || opcode == kResetServerV2 || opcode == kResetClientV3;
  if (!reset && opcode != kControlV1 && opcode != kAckV1) return false;
  if (reset && key_id != 0) return false;  // a hard reset starts key 0
  auto sid = r.take(kSessionId);
  if (!sid || zero_id(*sid)) return false;
  bool ok = opcode != kResetClientV3 && ovpn_cleartext(r, opcode);
  // tls-auth: HMAC (MD5, SHA1, SHA256, SHA512) + packet-id + timestamp before the ACK array.
  for (std::size_t hmac : {16, 20, 32, 64}) {
    if (ok || opcode == kResetClientV3) break;
    ByteReader a = r;
    ok = a.skip(hmac) && replay_fields(a) && ovpn_cleartext(a, opcode);
  }
  if (!ok) ok = ovpn_tls_crypt(r, opcode);
  if (!ok) return false;
  Result res;
  res.app = App::openvpn;
  if (opcode == kResetClientV2 || opcode == kResetClientV3) res.role = Role::client;
  if (opcode == kResetServerV2) res.role = Role::server;
  out = std::move(res);
  return true;
}

// Over TCP every packet is preceded by its 2-byte length; the first packet must be whole.
bool match_openvpn_tcp(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  auto len = r.u16();
  if (!len || *len < 1 + kSessionId + 1 || !r.has(*len)) return false;
  return ovpn_packet(r.rest().first(*len), out);
}

// ---------------------------------------------------------------------------------------------
// WireGuard (whitepaper 5.4): a type byte and three reserved zero bytes, then messages of fixed
// size: initiation 148, response 92, cookie reply 64; transport data is 16 bytes of header and a
// payload padded to 16 plus a 16-byte tag. Its counter restarts with every key, and a key is
// dropped after REJECT_AFTER_TIME (180 s): even at 10^9 packets/s it stays below 2^40.
bool match_wireguard(Bytes bytes, Result& out) {
  if (bytes.size() < 4 || bytes[1] != 0 || bytes[2] != 0 || bytes[3] != 0) return false;
  Role role = Role::unknown;
  switch (bytes[0]) {
    case 1:
      if (bytes.size() != 148) return false;
      role = Role::client;
      break;
    case 2:
      if (bytes.size() != 92) return false;
      role = Role::server;
      break;
    case 3:  // sent by whichever end is under load
      if (bytes.size() != 64) return false;
      break;
    case 4:
      if (bytes.size() < 32 || (bytes.size() - 16) % 16 != 0) return false;
      if (bytes[13] != 0 || bytes[14] != 0 || bytes[15] != 0) return false;  // counter < 2^40
      break;
    default: return false;
  }
  if (zero_id(bytes.subspan(4, 4))) return false;  // the sender/receiver index is random
  out.app = App::wireguard;
  out.role = role;
  return true;
}

// ---------------------------------------------------------------------------------------------
// STUN/TURN (RFC 8489 5, RFC 8656): type with the top two bits zero, length a multiple of 4, the
// magic cookie 0x2112A442, a 12-byte transaction ID, then TLV attributes padded to 4. The same
// framing over TCP. RFC 3489's cookie-less messages are not named: nothing but the length
// would prove them.

constexpr std::uint32_t kMagicCookie = 0x2112a442;

// RFC 3489's classic Binding messages have no cookie (a 16-byte transaction ID instead), and RFC
// 5389 12 keeps servers answering them; clients such as Zoom's still send them. Without the
// cookie only the exact layout proves them: a Binding request, response or error response
// over UDP, whose length is the datagram's rest and whose attributes end exactly there.
bool match_classic_stun(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  auto type = r.u16();
  auto len = r.u16();
  // At least one attribute: a bare 20-byte header would be proved by nothing but its length.
  if (!len || *len == 0 || (*type != 0x0001 && *type != 0x0101 && *type != 0x0111)) return false;
  if (*len % 4 != 0 || bytes.size() != 20u + *len || !r.skip(16)) return false;
  while (!r.empty()) {
    auto attr_len = r.skip(2) ? r.u16() : std::nullopt;  // type, length
    if (!attr_len || *attr_len % 4 != 0 || !r.skip(*attr_len)) return false;
  }
  out.app = App::stun;
  out.role = *type == 0x0001 ? Role::client : Role::server;
  return true;
}

bool match_stun(Bytes bytes, Transport t, Result& out) {
  ByteReader r(bytes);
  auto type = r.u16();
  auto len = r.u16();
  auto cookie = r.u32();
  if (!cookie || (*type & 0xc000) != 0 || *len % 4 != 0) return false;
  if (*cookie != kMagicCookie) return t == Transport::udp && match_classic_stun(bytes, out);
  if (!r.skip(12)) return false;
  unsigned method = ((*type & 0x3e00) >> 2) | ((*type & 0x00e0) >> 1) | (*type & 0x000f);
  unsigned cls = ((*type & 0x0100) >> 7) | ((*type & 0x0010) >> 4);
  enum { kRequest = 0, kIndication = 1, kSuccess = 2, kError = 3 };
  switch (method) {
    case 0x001:  // Binding
    case 0x003:  // Allocate
    case 0x004:  // Refresh
    case 0x008:  // CreatePermission
    case 0x009:  // ChannelBind
    case 0x00a:  // Connect (RFC 6062)
    case 0x00b:  // ConnectionBind
    case 0x00c:  // ConnectionAttempt
      if (method != 0x001 && cls == kIndication) return false;
      break;
    case 0x006:  // Send
    case 0x007:  // Data
      if (cls != kIndication) return false;
      break;
    default: return false;
  }
  std::size_t end = 20 + *len;
  // A datagram is one message; a TCP segment may hold more after it. Either may be cut.
  if (t == Transport::udp && bytes.size() > end) return false;
  ByteReader attrs(bytes.subspan(20, (bytes.size() < end ? bytes.size() : end) - 20));
  while (!attrs.empty()) {
    auto attr_len = attrs.skip(2) ? attrs.u16() : std::nullopt;  // type, length
    if (!attr_len) break;                                        // cut inside an attribute header
    std::size_t padded = (*attr_len + 3u) & ~3u;
    if (20 + attrs.offset() + padded > end) return false;
    if (!attrs.skip(padded)) break;  // cut inside a value
  }
  out.app = App::stun;
  out.role = cls == kRequest ? Role::client : cls == kIndication ? Role::unknown : Role::server;
  return true;
}

// ---------------------------------------------------------------------------------------------
// SOCKS (SOCKS4 protocol description, the SOCKS4a extension, RFC 1928). Each message is sent
// alone, the client waiting for the reply, so each must fill the payload exactly (a SOCKS5
// greeting may be followed by its request by clients that do not wait).

constexpr std::size_t kMaxSocksString = 255;
bool is_text(std::uint8_t c) { return c >= 0x20 && c < 0x7f; }

// A NUL-terminated string of printable bytes (empty allowed when `allow_empty`).
std::optional<Bytes> c_string(ByteReader& r, bool allow_empty, bool visible) {
  Bytes s = r.take_while(visible ? is_visible : is_text, kMaxSocksString);
  auto nul = r.u8();
  if (!nul || *nul != 0 || (!allow_empty && s.empty())) return std::nullopt;
  return s;
}

void add_ipv4(TextBuf& t, Bytes ip) {
  for (std::size_t i = 0; i < 4; ++i) t.addf(i ? ".%u" : "%u", ip[i]);
}

bool match_socks4(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  r.skip(1);
  auto cmd = r.u8();
  auto port = r.u16();
  auto ip = r.take(4);
  if (!ip || (*cmd != 1 && *cmd != 2) || *port == 0) return false;
  if (!c_string(r, true, false)) return false;  // user ID
  // SOCKS4a: 0.0.0.x with x != 0, then the host name.
  bool v4a = (*ip)[0] == 0 && (*ip)[1] == 0 && (*ip)[2] == 0;
  if (v4a && (*ip)[3] == 0) return false;
  std::optional<Bytes> host;
  if (v4a && !(host = c_string(r, false, true))) return false;
  if (!r.empty()) return false;
  TextBuf target;
  if (host) {
    target.add(*host);
  } else {
    add_ipv4(target, *ip);
  }
  target.addf(":%u", *port);
  Result res;
  res.app = App::socks;
  res.role = Role::client;
  add_evidence(res, EvidenceKey::app_version, v4a ? "4a" : "4");
  add_evidence(res, EvidenceKey::app_target, target.view());
  out = std::move(res);
  return true;
}

// Reply: a null version byte, 90-93 (granted, rejected, identd failures), port and address.
bool match_socks4_reply(Bytes bytes, Result& out) {
  if (bytes.size() != 8 || bytes[0] != 0 || bytes[1] < 0x5a || bytes[1] > 0x5d) return false;
  Result res;
  res.app = App::socks;
  res.role = Role::server;
  add_evidence(res, EvidenceKey::app_version, "4");
  out = std::move(res);
  return true;
}

// RFC 1928 4/6: VER, CMD or REP, RSV 0, ATYP (1 IPv4, 3 domain, 4 IPv6), address, port; exactly
// the rest of `r`. Writes the target when asked.
bool socks5_address_message(ByteReader r, TextBuf* target) {
  if (!r.skip(2)) return false;
  auto rsv = r.u8();
  auto atyp = r.u8();
  if (!atyp || *rsv != 0) return false;
  std::optional<Bytes> addr;
  if (*atyp == 1) {
    addr = r.take(4);
  } else if (*atyp == 4) {
    addr = r.take(16);
  } else if (*atyp == 3) {
    auto n = r.u8();
    if (!n || *n == 0) return false;
    addr = r.take(*n);
    if (addr)
      for (std::uint8_t c : *addr)
        if (!is_visible(c)) return false;
  } else {
    return false;
  }
  auto port = r.u16();
  if (!port || !addr || !r.empty()) return false;
  if (target) {
    if (*atyp == 1) {
      add_ipv4(*target, *addr);
    } else if (*atyp == 3) {
      target->add(*addr);
    } else {
      target->add("[");
      for (std::size_t i = 0; i < 16; i += 2)
        target->addf(i ? ":%x" : "%x", unsigned{(*addr)[i]} << 8 | (*addr)[i + 1]);
      target->add("]");
    }
    target->addf(":%u", *port);
  }
  return true;
}

bool match_socks5(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  r.skip(1);
  auto second = r.u8();
  if (!second) return false;
  TextBuf target;
  Role role = Role::unknown;
  bool has_target = false;
  if (bytes.size() == 2) {
    // Method selection: no auth, GSSAPI, user/password, none acceptable.
    if (*second > 0x02 && *second != 0xff) return false;
    role = Role::server;
  } else if (*second >= 1 && *second <= 3 && socks5_address_message(ByteReader(bytes), &target)) {
    role = Role::client;  // CONNECT, BIND, UDP ASSOCIATE
    has_target = true;
  } else if (*second <= 8 && socks5_address_message(ByteReader(bytes), nullptr)) {
    role = Role::server;  // reply: 0 succeeded .. 8 address type not supported
  } else {
    // Greeting: n methods (IANA: 0x00-0x09 assigned, 0x80-0xfe private), then nothing, or the
    // request of a client that does not wait for the method selection.
    if (*second == 0) return false;
    auto methods = r.take(*second);
    if (!methods) return false;
    for (std::uint8_t m : *methods)
      if (m > 0x09 && (m < 0x80 || m == 0xff)) return false;
    if (!r.empty()) {
      ByteReader req(r.rest());
      auto ver = req.peek_u8();
      auto cmd = req.peek_u8(1);
      if (!cmd || *ver != 5 || *cmd < 1 || *cmd > 3 || !socks5_address_message(req, &target))
        return false;
      has_target = true;
    }
    role = Role::client;
  }
  Result res;
  res.app = App::socks;
  res.role = role;
  add_evidence(res, EvidenceKey::app_version, "5");
  if (has_target) add_evidence(res, EvidenceKey::app_target, target.view());
  out = std::move(res);
  return true;
}

// ---------------------------------------------------------------------------------------------

bool match_udp(Bytes b, Result& out) {
  std::uint8_t c = b[0];
  if (c & 0x80) return match_quic_long(b, out);
  if ((c & 0xcb) == 0x09 && match_gquic_public(b, out)) return true;
  switch (c) {
    case 0x00: return match_stun(b, Transport::udp, out);
    case 0x01: return match_stun(b, Transport::udp, out) || match_wireguard(b, out);
    case 0x02:
    case 0x03:
    case 0x04: return match_wireguard(b, out);
    case 0x16: return match_dtls(b, out);
    default: break;
  }
  std::uint8_t opcode = c >> 3;
  if (opcode == kControlV1 || opcode == kAckV1 || opcode == kResetClientV2 ||
      opcode == kResetServerV2 || opcode == kResetClientV3)
    return ovpn_packet(b, out);
  return false;
}

bool match_tcp(Bytes b, Result& out) {
  switch (b[0]) {
    case 0x00:
      return match_stun(b, Transport::tcp, out) || match_socks4_reply(b, out) ||
             match_openvpn_tcp(b, out);
    case 0x01: return match_stun(b, Transport::tcp, out) || match_openvpn_tcp(b, out);
    case 0x04: return match_socks4(b, out) || match_openvpn_tcp(b, out);
    case 0x05: return match_socks5(b, out) || match_openvpn_tcp(b, out);
    case 0x02:
    case 0x03:
    case 0x06: return match_openvpn_tcp(b, out);  // lengths up to kMaxOvpnPacket
    default: return false;
  }
}

// DNS and TLS win a tie: bytes that are a valid DNS message or TLS record are far more likely
// that than the rare coincidence of, say, a non-recursive DNS query with an ID of 0x01xx and a
// length of 148 (a WireGuard initiation has no structure beyond its length). Only reached when
// one of ours accepted, so it costs nothing on a miss.
bool common_protocol(Bytes b, Transport t) {
  Result scratch;
  return match_dns(b, t, scratch) || match_tls(b, scratch);
}

}  // namespace

bool match_tunnels(Bytes bytes, Transport transport, Result& out) {
  if (bytes.empty()) return false;
  Result res;
  bool ok = transport == Transport::udp ? match_udp(bytes, res) : match_tcp(bytes, res);
  if (!ok || common_protocol(bytes, transport)) return false;
  out = std::move(res);
  return true;
}

namespace {

// Text: the first byte of SIP, SSDP, JSON or an 'R' PostgreSQL message is also 01xxxxxx. A QUIC
// short header is followed by a connection ID and ciphertext, whose next 7 bytes are all
// printable with odds (95/256)^7 < 10^-3.
bool text_start(Bytes b) {
  for (std::size_t i = 1; i < 8; ++i)
    if (b[i] < 0x20 || b[i] > 0x7e) return false;
  return true;
}

// TURN ChannelData messages (RFC 8656 12.4: channels 0x4000-0x4fff, RFC 5766's upper range is
// reserved now), each a non-empty body behind its length; over UDP one per datagram, padding
// optional; over TCP padded to 4 and back to back, the last one possibly cut by the sample.
bool channel_data(Bytes bytes, Transport transport) {
  ByteReader r(bytes);
  for (int i = 0; i < 16 && !r.empty(); ++i) {
    auto channel = r.u16();
    auto len = r.u16();
    if (!len || *channel < 0x4000 || *channel > 0x4fff || *len == 0) return false;
    std::size_t padded = (*len + 3u) & ~3u;
    if (transport == Transport::udp) return r.remaining() >= *len && r.remaining() <= padded;
    if (!r.skip(padded)) return i > 0;  // a cut first message proves nothing
  }
  return true;
}

}  // namespace

// Forms sent only after an opening, which say that a flow's opening was missed:
//  - a QUIC short-header packet (RFC 9000 17.3): first byte 01xxxxxx (fixed bit set, long-header
//    bit clear; the rest is under header protection). At least 21 bytes: the first byte, then
//    (with a zero-length DCID) a packet number and payload of at least 4 + 16 bytes, which the
//    header-protection sample needs (RFC 9001 5.4.2). Not when it reads as text.
//  - a DTLS record of epoch > 0 (protected with keys the handshake set up), with a valid header.
//  - TURN ChannelData, sent once a ChannelBind succeeded (channel_data).
bool continuation_tunnels(Bytes bytes, Transport transport) {
  if (bytes.size() < 4) return false;
  std::uint8_t c = bytes[0];
  if (transport == Transport::udp && dtls_type(c) && bytes.size() >= kDtlsHeader) {
    ByteReader r(bytes);
    r.skip(1);
    auto version = r.u16();
    auto epoch = r.u16();
    r.skip(6);
    auto len = r.u16();
    if (dtls_version(*version) && *epoch > 0 && *len > 0 && *len <= kMaxRecord) return true;
  }
  if ((c & 0xc0) != 0x40) return false;
  if (transport == Transport::udp && bytes.size() >= 21 && !text_start(bytes)) return true;
  return channel_data(bytes, transport);
}

}  // namespace protoport::fingerprint::detail
