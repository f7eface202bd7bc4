// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The services group: the protocols published detections name most often on odd ports. MQTT
// (3.1, 3.1.1, 5), RDP (TPKT + X.224, MS-RDPBCGR 2.2.1.1), SMB 1/2/3 (with NetBIOS session
// framing, RFC 1002), DCE/RPC connection-oriented PDUs (C706 12.6), LDAP (RFC 4511, BER), VNC
// (RFB, RFC 6143), Telnet option negotiation (RFC 854/855), Redis (RESP), MySQL (protocol 10)
// and PostgreSQL (protocol 3.0). All TCP, except LDAP's search on UDP (CLDAP).
//
// Each parser proves its protocol from a fixed structure (magic bytes, a version, lengths that
// agree with each other) and builds the verdict in a local Result, moved into `out` only when
// every check passed. Several start with 0x00 as a DNS-over-TCP length prefix does; each of
// those checks a magic (\xFFSMB, \xFESMB, PostgreSQL's protocol or request codes) that a DNS
// message cannot hold there, so DNS, tried after this group, keeps its messages.
#include <algorithm>
#include <optional>
#include <string_view>

#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {
namespace {

Bytes as_bytes(std::string_view s) {
  return Bytes(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

bool is_printable_byte(std::uint8_t c) { return c >= 0x20 && c < 0x7f; }

// ---------------------------------------------------------------------------------------------
// MQTT: a client's CONNECT (fixed header 0x10, a remaining length of 1-4 bytes, protocol name
// "MQTT" at level 4 or 5, or "MQIsdp" at level 3, then connect flags whose reserved bit is 0), or
// a 3.1.1 server's CONNACK (0x20 0x02, session-present 0/1, return code 0-5), exactly 4 bytes.

bool match_mqtt(Bytes b, Result& out) {
  ByteReader r(b);
  const std::uint8_t first = *r.u8();
  if (first == 0x20) {
    if (b.size() != 4 || b[1] != 0x02 || b[2] > 1 || b[3] > 5) return false;
    return accept_as(out, App::mqtt, Role::server);
  }
  std::uint32_t remaining = 0;
  for (int i = 0;; ++i) {
    auto c = r.u8();
    if (!c || i == 4) return false;
    remaining |= std::uint32_t{*c & 0x7fu} << (7 * i);
    if (!(*c & 0x80)) break;
  }
  auto name_len = r.u16();
  if (!name_len || remaining < 10) return false;
  std::string_view version;
  if (*name_len == 4 && r.starts_with("MQTT", true)) {
    auto level = r.u8();
    if (!level || (*level != 4 && *level != 5)) return false;
    version = *level == 4 ? "3.1.1" : "5";
  } else if (*name_len == 6 && r.starts_with("MQIsdp", true)) {
    auto level = r.u8();
    if (!level || *level != 3) return false;
    version = "3.1";
  } else {
    return false;
  }
  auto flags = r.u8();
  if (!flags || (*flags & 0x01)) return false;  // reserved bit
  return accept_as(out, App::mqtt, Role::client, as_bytes(version));
}

// ---------------------------------------------------------------------------------------------
// RDP: TPKT (version 3, reserved 0, a length that covers the packet) around an X.224 Connection
// Request (0xE0, client) or Confirm (0xD0, server) whose length indicator agrees with it, class 0,
// followed by nothing, RDP's routing cookie ("Cookie: mstshash=...\r\n") or an RDP negotiation
// structure (type 1 request, 2 response, 3 failure; length 8). ISO-TSAP users of the same framing
// (S7comm on 102) carry TSAP parameters (0xC1, 0xC2) there instead, and are not taken.

bool match_rdp(Bytes b, Result& out) {
  ByteReader r(b);
  auto version = r.u8();
  auto reserved = r.u8();
  auto tpkt_len = r.u16();
  auto li = r.u8();
  auto code = r.u8();
  if (!version || !reserved || !tpkt_len || !li || !code) return false;
  if (*version != 3 || *reserved != 0 || *tpkt_len < 11 || *tpkt_len > 1024) return false;
  if (*li != *tpkt_len - 5 || (*code != 0xE0 && *code != 0xD0)) return false;
  if (!r.skip(4)) return false;  // destination and source references
  auto cls = r.u8();
  if (!cls || *cls != 0) return false;
  const Role role = *code == 0xE0 ? Role::client : Role::server;
  const std::size_t body = *tpkt_len - 11u;
  Bytes cookie;
  if (body > 0 && r.peek_u8()) {
    if (*r.peek_u8() == 'C') {
      if (role != Role::client || !r.starts_with("Cookie: ", true)) return false;
      cookie = r.take_while(is_printable_byte, 256);
      if (!r.starts_with("\r\n", true) && !r.empty()) return false;
    }
    if (auto type = r.peek_u8()) {
      if (*type < 1 || *type > 3) return false;
      if (r.peek_u8(2) && *r.peek_u8(2) != 8) return false;  // length 8, little-endian
      if (r.peek_u8(3) && *r.peek_u8(3) != 0) return false;
    }
  }
  return accept_as(out, App::rdp, role, {}, cookie);
}

// RDP after the connection: TPKT around X.224 Data (0xF0 0x80).
bool rdp_data(Bytes b) {
  return b.size() >= 7 && b[0] == 3 && b[1] == 0 && ((b[2] << 8) | b[3]) >= 7 && b[4] == 2 &&
         b[5] == 0xF0 && b[6] == 0x80;
}

// ---------------------------------------------------------------------------------------------
// SMB over NetBIOS session framing (type 0x00, a 3-byte length; also on 445 "direct TCP"): an
// SMB1 header (\xFFSMB) with the Negotiate command, or an SMB2/3 header (\xFESMB, structure size
// 64) with Negotiate. The reply flag of either header gives the role. Or a NetBIOS Session Request
// (0x81) carrying two first-level encoded names, as SMB clients send it on 139.

bool match_smb_header(ByteReader& r, bool negotiate_only, Role& role, std::string_view& version) {
  if (r.starts_with("\xFFSMB", true)) {
    auto command = r.u8();
    if (!command || (negotiate_only && *command != 0x72) || !r.skip(4)) return false;
    auto flags = r.u8();
    if (!flags) return false;
    role = (*flags & 0x80) ? Role::server : Role::client;
    version = "SMB1";
    return true;
  }
  if (r.starts_with("\xFESMB", true)) {
    auto size_lo = r.u8();
    auto size_hi = r.u8();
    if (!size_lo || !size_hi || *size_lo != 64 || *size_hi != 0) return false;
    if (!r.skip(6)) return false;  // credit charge, status
    auto cmd_lo = r.u8();
    auto cmd_hi = r.u8();
    if (!cmd_lo || !cmd_hi || *cmd_hi != 0 || *cmd_lo > 0x12) return false;
    if (negotiate_only && *cmd_lo != 0) return false;
    if (!r.skip(2)) return false;  // credits
    auto flags = r.u8();
    if (!flags) return false;
    role = (*flags & 0x01) ? Role::server : Role::client;
    version = "SMB2";
    return true;
  }
  return false;
}

bool netbios_name(ByteReader& r) {
  auto len = r.u8();
  if (!len || *len != 32) return false;
  for (int i = 0; i < 32; ++i) {
    auto c = r.u8();
    if (!c || *c < 'A' || *c > 'P') return false;
  }
  auto end = r.u8();
  return end && *end == 0;
}

bool match_smb(Bytes b, Result& out) {
  ByteReader r(b);
  const std::uint8_t type = *r.u8();
  auto len = r.u24();
  if (!len) return false;
  if (type == 0x81) {  // session request: called and calling names
    if (*len != 68 || !netbios_name(r) || !netbios_name(r)) return false;
    return accept_as(out, App::smb, Role::client, as_bytes("NetBIOS"));
  }
  if (type != 0x00 || *len < 32) return false;
  Role role;
  std::string_view version;
  if (!match_smb_header(r, true, role, version)) return false;
  return accept_as(out, App::smb, role, as_bytes(version));
}

bool smb_continuation(Bytes b) {
  ByteReader r(b);
  auto type = r.u8();
  auto len = r.u24();
  Role role;
  std::string_view version;
  return type && *type == 0 && len && *len >= 64 && match_smb_header(r, false, role, version);
}

// ---------------------------------------------------------------------------------------------
// DCE/RPC connection-oriented PDU header (16 bytes): version 5, minor 0 or 1, a packet type,
// flags, the data representation (integers little- or big-endian, ASCII, IEEE floats), a
// fragment length that holds the header, an authentication length that fits in it.

struct DceHeader {
  std::uint8_t ptype;
  std::uint16_t frag_len;
};

std::optional<DceHeader> dce_header(Bytes b) {
  if (b.size() < 10 || b[0] != 5 || b[1] > 1) return std::nullopt;
  if ((b[4] != 0x10 && b[4] != 0x00) || b[5] != 0 || b[6] != 0 || b[7] != 0) return std::nullopt;
  const bool le = b[4] == 0x10;
  const auto u16 = [&](std::size_t at) {
    return static_cast<std::uint16_t>(le ? b[at] | b[at + 1] << 8 : b[at] << 8 | b[at + 1]);
  };
  const std::uint16_t frag_len = u16(8);
  if (frag_len < 16) return std::nullopt;
  if (b.size() >= 12 && u16(10) > frag_len - 16) return std::nullopt;
  return DceHeader{b[2], frag_len};
}

bool match_dcerpc(Bytes b, Result& out) {
  auto h = dce_header(b);
  if (!h) return false;
  switch (h->ptype) {
    case 11:  // bind
    case 14:  // alter_context
      if (h->frag_len < 28) return false;  // + max frag sizes, association group, context count
      return accept_as(out, App::dcerpc, Role::client);
    case 12:  // bind_ack
    case 13:  // bind_nak
    case 15:  // alter_context_resp
      return accept_as(out, App::dcerpc, Role::server);
    default: return false;
  }
}

bool dcerpc_continuation(Bytes b) {
  auto h = dce_header(b);
  return h && (h->ptype == 0 || h->ptype == 2) && h->frag_len >= 24;  // request, response
}

// ---------------------------------------------------------------------------------------------
// LDAP: an LDAPMessage (BER SEQUENCE, messageID INTEGER > 0) holding a bind, search or extended
// request (client) or their responses (server), each checked a field further: a bind's version
// (2 or 3) and name, a search's scope and alias dereferencing, a result's code.

std::optional<std::uint32_t> ber_length(ByteReader& r) {
  auto first = r.u8();
  if (!first) return std::nullopt;
  if (*first < 0x80) return *first;
  const int n = *first & 0x7f;
  if (n == 0 || n > 4) return std::nullopt;
  std::uint32_t len = 0;
  for (int i = 0; i < n; ++i) {
    auto c = r.u8();
    if (!c) return std::nullopt;
    len = len << 8 | *c;
  }
  return len;
}

// A primitive element `tag` with a small integer value (<= 4 bytes); its value.
std::optional<std::uint32_t> ber_small_int(ByteReader& r, std::uint8_t tag) {
  auto t = r.u8();
  if (!t || *t != tag) return std::nullopt;
  auto len = ber_length(r);
  if (!len || *len == 0 || *len > 4) return std::nullopt;
  std::uint32_t v = 0;
  for (std::uint32_t i = 0; i < *len; ++i) {
    auto c = r.u8();
    if (!c) return std::nullopt;
    v = v << 8 | *c;
  }
  return v;
}

bool match_ldap(Bytes b, Transport transport, Result& out) {
  ByteReader r(b);
  r.skip(1);  // 0x30, checked by the caller
  auto total = ber_length(r);
  if (!total || *total < 5) return false;
  auto id = ber_small_int(r, 0x02);
  if (!id || *id == 0 || *id > 0x7fffffff) return false;
  auto op = r.u8();
  if (!op) return false;
  auto op_len = ber_length(r);
  if (!op_len) return false;
  switch (*op) {
    case 0x60: {  // bindRequest: version, name (OCTET STRING), then the authentication choice
      auto version = ber_small_int(r, 0x02);
      if (!version || (*version != 2 && *version != 3)) return false;
      auto name_tag = r.u8();
      if (!name_tag || *name_tag != 0x04) return false;
      auto name_len = ber_length(r);
      if (!name_len || *name_len > *op_len) return false;
      if (r.skip(*name_len)) {
        auto auth = r.u8();
        if (auth && *auth != 0x80 && *auth != 0xa3) return false;  // simple or SASL
      }
      return transport == Transport::tcp &&
             accept_as(out, App::ldap, Role::client, as_bytes(*version == 3 ? "LDAPv3" : "LDAPv2"));
    }
    case 0x63: {  // searchRequest: baseObject, scope 0-2 (3: subordinates), derefAliases 0-3
      auto base_tag = r.u8();
      if (!base_tag || *base_tag != 0x04) return false;
      auto base_len = ber_length(r);
      if (!base_len || !r.skip(*base_len)) return false;
      auto scope = ber_small_int(r, 0x0a);
      auto deref = ber_small_int(r, 0x0a);
      if (!scope || *scope > 3 || !deref || *deref > 3) return false;
      return accept_as(out, App::ldap, Role::client);
    }
    case 0x77: {  // extendedRequest: requestName [0], an OID such as StartTLS's
      auto name_tag = r.u8();
      auto name_len = name_tag ? ber_length(r) : std::nullopt;
      if (!name_tag || *name_tag != 0x80 || !name_len || *name_len < 3) return false;
      auto oid = r.take(std::min<std::uint32_t>(*name_len, 3));
      if (!oid || !is_digit((*oid)[0]) || (*oid)[1] != '.') return false;
      return transport == Transport::tcp && accept_as(out, App::ldap, Role::client);
    }
    case 0x61:    // bindResponse
    case 0x65:    // searchResDone
    case 0x78: {  // extendedResponse: an LDAPResult's code first
      auto code = ber_small_int(r, 0x0a);
      if (!code || *code > 123) return false;
      return accept_as(out, App::ldap, Role::server);
    }
    case 0x64: {  // searchResEntry: objectName (OCTET STRING) first
      auto name_tag = r.u8();
      if (!name_tag || *name_tag != 0x04) return false;
      return accept_as(out, App::ldap, Role::server);
    }
    default: return false;
  }
}

// ---------------------------------------------------------------------------------------------
// VNC: the RFB ProtocolVersion message, exactly "RFB xxx.yyy\n", sent by the server first and
// echoed by the client; which side sent it is not in the bytes.

bool match_rfb(Bytes b, Result& out) {
  if (b.size() != 12) return false;
  ByteReader r(b);
  if (!r.starts_with("RFB ", true) || b[11] != '\n' || b[7] != '.') return false;
  for (std::size_t i : {4u, 5u, 6u, 8u, 9u, 10u})
    if (!is_digit(b[i])) return false;
  return accept_as(out, App::vnc, Role::unknown, b.subspan(0, 11));
}

// ---------------------------------------------------------------------------------------------
// Telnet: an opening made of option negotiations, IAC (0xFF) then WILL/WONT/DO/DONT and an
// option (RFC 855 and the registry: 0-49, and EXOPL 255), or subnegotiations (IAC SB ... IAC SE),
// at least two of them, every byte part of one until the sample or the negotiation ends.

bool match_telnet(Bytes b, Result& out) {
  ByteReader r(b);
  int negotiations = 0;
  while (r.peek_u8() && *r.peek_u8() == 0xFF) {
    r.skip(1);
    auto cmd = r.u8();
    if (!cmd) break;  // cut after IAC
    if (*cmd >= 0xFB && *cmd <= 0xFE) {
      auto option = r.u8();
      if (!option) break;
      if (*option > 49 && *option != 255) return false;
    } else if (*cmd == 0xFA) {  // SB option ... IAC SE
      auto option = r.u8();
      if (option && *option > 49 && *option != 255) return false;
      bool ended = false;
      for (int i = 0; i < 256 && r.peek_u8(); ++i) {
        if (*r.u8() == 0xFF && r.peek_u8() && *r.peek_u8() == 0xF0) {
          r.skip(1);
          ended = true;
          break;
        }
      }
      if (!ended && !r.empty()) return false;
    } else {
      return false;
    }
    ++negotiations;
  }
  if (negotiations < 2) return false;
  return accept_as(out, App::telnet, Role::unknown);
}

// ---------------------------------------------------------------------------------------------
// Redis (RESP): a client's command as an array of bulk strings ("*2\r\n$4\r\nAUTH\r\n...") whose
// first element is a Redis command, or a server's first replies that only Redis sends.

bool redis_command(Bytes name) {
  static constexpr std::string_view kCommands[] = {
      "ping",  "auth",   "hello",     "info",      "set",     "get",      "config",  "client",
      "select", "command", "keys",    "scan",      "eval",    "evalsha",  "del",     "exists",
      "multi", "subscribe", "psubscribe", "publish", "slaveof", "replicaof", "module", "flushall",
      "flushdb", "dbsize", "sync",     "psync",     "quit",    "echo",     "type",    "ttl",
      "expire", "incr",   "lpush",     "rpush",     "hset",    "hget",     "sadd",    "zadd",
      "xadd",  "mget",   "mset",      "setex",     "save",    "bgsave",   "shutdown", "monitor",
      "lrange", "hgetall", "smembers", "cluster",   "readonly", "watch",   "function", "acl"};
  for (std::string_view c : kCommands) {
    if (c.size() != name.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < c.size() && same; ++i) same = ascii_lower(name[i]) == c[i];
    if (same) return true;
  }
  return false;
}

std::optional<std::uint32_t> resp_number(ByteReader& r, std::size_t max_digits) {
  Bytes digits = r.take_while(is_digit, max_digits + 1);
  if (digits.empty() || digits.size() > max_digits || !r.starts_with("\r\n", true))
    return std::nullopt;
  std::uint32_t v = 0;
  for (std::uint8_t d : digits) v = v * 10 + (d - '0');
  return v;
}

bool match_redis(Bytes b, Result& out) {
  ByteReader r(b);
  if (r.starts_with("*", true)) {
    auto n = resp_number(r, 3);
    if (!n || *n == 0 || !r.starts_with("$", true)) return false;
    auto len = resp_number(r, 2);
    if (!len || *len == 0) return false;
    auto name = r.take(*len);
    if (!name || !redis_command(*name) || !r.starts_with("\r\n")) return false;
    return accept_as(out, App::redis, Role::client, {}, *name);
  }
  for (std::string_view reply : {"+PONG\r\n", "-NOAUTH ", "-DENIED Redis ", "-WRONGPASS "})
    if (r.starts_with(reply)) return accept_as(out, App::redis, Role::server);
  if (r.starts_with("$", true)) {  // INFO's bulk reply
    auto len = resp_number(r, 6);
    if (len && r.starts_with("# Server\r\n")) return accept_as(out, App::redis, Role::server);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// MySQL/MariaDB: the server's Initial Handshake (protocol 10: a 3-byte length, sequence 0,
// 0x0a, a NUL-terminated version that starts with a digit, thread id, 8 bytes of scramble, a
// 0x00 filler), or a client's Handshake Response / SSL Request (sequence 1, capabilities with
// CLIENT_PROTOCOL_41, then 23 zero bytes of filler).

bool match_mysql(Bytes b, Result& out) {
  if (b.size() < 5) return false;
  const std::uint32_t len = b[0] | b[1] << 8 | b[2] << 16;
  ByteReader r(b.subspan(4));
  if (b[3] == 0 && b[4] == 0x0a) {
    if (len < 20 || len > 1024) return false;
    r.skip(1);
    Bytes version = r.take_while(is_printable_byte, 64);
    if (version.empty() || !is_digit(version[0]) || !r.starts_with(std::string_view("\0", 1), true))
      return false;
    if (!r.skip(4 + 8)) return false;  // thread id, first part of the scramble
    auto filler = r.u8();
    if (!filler || *filler != 0) return false;
    return accept_as(out, App::mysql, Role::server, version);
  }
  if (b[3] == 1) {
    if (len < 32 || len > 4096) return false;
    auto caps = r.take(4);
    if (!caps || !((*caps)[1] & 0x02)) return false;  // CLIENT_PROTOCOL_41 (0x200)
    if (!r.skip(4 + 1)) return false;                 // max packet size, character set
    auto filler = r.take(23);
    if (!filler || std::any_of(filler->begin(), filler->end(), [](auto c) { return c != 0; }))
      return false;
    return accept_as(out, App::mysql, Role::client);
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL: a client's StartupMessage (a length, protocol 3.0, then NUL-terminated parameter
// names and values, the first a lower-case name such as "user"), SSLRequest, GSSENCRequest or
// CancelRequest (their exact lengths and codes), or a server's Authentication request ('R', a
// length, a method code) or ErrorResponse ('E', a length, then a severity field).

bool match_postgresql(Bytes b, Result& out) {
  ByteReader r(b);
  if (b[0] == 'R' || b[0] == 'E') {
    r.skip(1);
    auto len = r.u32();
    if (!len || *len < 8 || *len > 2048) return false;
    if (b[0] == 'R') {
      auto code = r.u32();
      if (!code || *code > 12 || *code == 1 || *code == 4 || *code == 6) return false;
      if ((*code == 0 || *code == 3) && *len != 8) return false;  // ok, cleartext: no body
      if (*code == 5 && *len != 12) return false;                 // MD5: a 4-byte salt
      return accept_as(out, App::postgresql, Role::server);
    }
    auto field = r.u8();
    if (!field || *field != 'S' || !(r.starts_with("FATAL") || r.starts_with("ERROR")))
      return false;
    return accept_as(out, App::postgresql, Role::server);
  }
  auto len = r.u32();
  auto code = r.u32();
  if (!len || !code) return false;
  if (*len == 8 && (*code == 80877103 || *code == 80877104))  // SSLRequest, GSSENCRequest
    return accept_as(out, App::postgresql, Role::client);
  if (*len == 16 && *code == 80877102) return accept_as(out, App::postgresql, Role::client);
  if (*code != 0x00030000 || *len < 16 || *len > 10000) return false;
  Bytes name = r.take_while([](std::uint8_t c) { return (c >= 'a' && c <= 'z') || c == '_'; }, 64);
  if (name.size() < 4 || !r.starts_with(std::string_view("\0", 1))) return false;
  return accept_as(out, App::postgresql, Role::client, as_bytes("3.0"));
}

bool match_first_byte(Bytes b, Transport transport, Result& out) {
  if (transport == Transport::udp) return b[0] == 0x30 && match_ldap(b, transport, out);
  switch (b[0]) {
    case 0x00: return match_smb(b, out) || match_postgresql(b, out) || match_mysql(b, out);
    case 0x03: return match_rdp(b, out) || match_mysql(b, out);
    case 0x05: return match_dcerpc(b, out) || match_mysql(b, out);
    case 0x10:
    case 0x20: return match_mqtt(b, out) || match_mysql(b, out);
    case 0x30: return match_ldap(b, transport, out) || match_mysql(b, out);
    case 0x81: return match_smb(b, out) || match_mysql(b, out);
    case 'R':
    case 'E': return match_postgresql(b, out) || match_rfb(b, out) || match_mysql(b, out);
    case 0xFF: return match_telnet(b, out) || match_mysql(b, out);
    case '*':
    case '+':
    case '-':
    case '$': return match_redis(b, out) || match_mysql(b, out);
    default: return match_mysql(b, out);  // its first byte is a length's
  }
}

}  // namespace

bool match_services(Bytes b, Transport transport, Result& out) {
  if (b.size() < 4) return false;
  Result r;
  if (!match_first_byte(b, transport, r)) return false;
  // A tie with DNS (a 64 KiB DNS-over-TCP message's length prefix reads as a Telnet IAC, say):
  // DNS, the common traffic, keeps it. Checked only for the bytes that matched here.
  Result dns;
  if (match_dns(b, transport, dns)) return false;
  out = std::move(r);
  return true;
}

bool continuation_services(Bytes b, Transport transport) {
  if (transport != Transport::tcp || b.size() < 7) return false;
  return rdp_data(b) || smb_continuation(b) || dcerpc_continuation(b);
}

}  // namespace protoport::fingerprint::detail
