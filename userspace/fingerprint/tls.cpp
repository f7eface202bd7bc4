// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// TLS and SSLv3 (RFC 8446, 5246, 6101): the record layer, with ClientHello and ServerHello parsed
// field by field, and the SSLv2-format ClientHello (RFC 6101 E.2). Every length must agree with
// the one that encloses it; a hello that runs past the sample classifies from the fields that are
// there, but one inconsistent field rejects it.
#include <array>
#include <cstdio>
#include <optional>

#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {
namespace {

enum ContentType : std::uint8_t {
  kCcs = 20,
  kAlert = 21,
  kHandshake = 22,
  kAppData = 23,
  kHeartbeat = 24
};
enum HandshakeType : std::uint8_t { kClientHello = 1, kServerHello = 2 };
enum Extension : std::uint16_t { kSni = 0, kAlpn = 16, kSupportedVersions = 43 };

constexpr std::size_t kRecordHeader = 5;
constexpr std::size_t kMaxRecord = 16384 + 2048;  // TLSCiphertext limit (RFC 5246 6.2.3)
constexpr std::uint32_t kMaxHello = 1u << 17;     // far above any real hello, far below 2^24
constexpr int kMaxRecordsChecked = 16;
constexpr std::size_t kMaxEncryptedAlert = 128;

// TLS 1.3 keeps 0x0303 (0x0301 in a first ClientHello) in the record layer: 0x0304 never appears
// from a conforming stack.
bool record_version(std::uint16_t v) { return v >= 0x0300 && v <= 0x0303; }
// RFC 8446 5.1: legacy_record_version "MUST be ignored for all purposes", and OpenSSL answers a
// ClientHello whose records say 0x0304 (any 3.x) with a ServerHello. Allowed for handshake
// records only, and only when the message they carry is a hello that parses field by field.
bool hello_record_version(std::uint16_t v) { return (v >> 8) == 3; }
bool hello_version(std::uint16_t v) { return v >= 0x0300 && v <= 0x0303; }
bool grease(std::uint16_t v) { return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff); }

// Writes a version name into buf, returns its length.
std::size_t version_name(std::uint16_t v, char* buf, std::size_t cap) {
  const char* name = nullptr;
  switch (v) {
    case 0x0002: name = "SSLv2"; break;
    case 0x0300: name = "SSLv3"; break;
    case 0x0301: name = "TLSv1.0"; break;
    case 0x0302: name = "TLSv1.1"; break;
    case 0x0303: name = "TLSv1.2"; break;
    case 0x0304: name = "TLSv1.3"; break;
  }
  int n = name ? std::snprintf(buf, cap, "%s", name) : std::snprintf(buf, cap, "0x%04x", v);
  return n < 0 ? 0 : (static_cast<std::size_t>(n) < cap ? static_cast<std::size_t>(n) : cap - 1);
}

// A comma-separated list built in place, for evidence: no allocation until it is copied out.
struct ListBuf {
  std::array<std::uint8_t, 512> data{};
  std::size_t len = 0;
  bool any = false;
  void add(Bytes item) {
    if (len + item.size() + 1 > data.size()) return;  // keep what fits
    if (any) data[len++] = ',';
    for (std::uint8_t c : item) data[len++] = c;
    any = true;
  }
  void add_version(std::uint16_t v) {
    char buf[16];
    std::size_t n = version_name(v, buf, sizeof buf);
    add(Bytes(reinterpret_cast<const std::uint8_t*>(buf), n));
  }
  Bytes view() const { return Bytes(data.data(), len); }
};

// Evidence collected while parsing, copied into the Result only once the hello is accepted.
struct HelloEvidence {
  std::optional<Bytes> sni;
  ListBuf alpn;
  ListBuf versions;
  bool versions_known = false;
};

// A length-prefixed field whose declared end is checked against its enclosing `end`; its body
// may be cut off by the sample (`complete` false), never by the declaration.
std::optional<Bytes> declared(ByteReader& r, std::size_t len, std::size_t end, bool& complete) {
  if (r.offset() + len > end) return std::nullopt;
  return r.take_up_to(len, complete);
}

void parse_sni(Bytes body, HelloEvidence& ev) {
  ByteReader r(body);
  auto list_len = r.u16();
  if (!list_len || *list_len != r.remaining()) return;
  auto type = r.u8();
  auto name_len = r.u16();
  if (!name_len || *type != 0) return;
  if (auto name = r.take(*name_len)) ev.sni = *name;
}

void parse_alpn(Bytes body, HelloEvidence& ev) {
  ByteReader r(body);
  auto list_len = r.u16();
  if (!list_len || *list_len != r.remaining()) return;
  while (!r.empty()) {
    auto n = r.u8();
    if (!n) return;
    auto proto = r.take(*n);
    if (!proto) return;
    ev.alpn.add(*proto);
  }
}

// Extensions block: a 2-byte total that must end exactly where the hello ends, then
// (type, length, body) entries that must each fit inside it. Returns false on inconsistency.
bool parse_extensions(ByteReader& r, std::size_t hello_end, bool client, HelloEvidence& ev) {
  if (r.offset() == hello_end) return true;  // no extensions (allowed before TLS 1.3)
  auto total = r.u16();
  if (!total) return true;  // the sample ends here
  std::size_t ext_end = r.offset() + *total;
  if (ext_end != hello_end) return false;
  while (r.offset() < ext_end) {
    auto type = r.u16();
    auto len = r.u16();
    if (!len) return true;  // sample ends inside an extension header
    bool complete = false;
    auto body = declared(r, *len, ext_end, complete);
    if (!body) return false;
    if (!complete) return true;  // an extension the sample cut off tells nothing
    if (*type == kSni && client) parse_sni(*body, ev);
    if (*type == kAlpn) parse_alpn(*body, ev);
    if (*type == kSupportedVersions) {
      ByteReader v(*body);
      if (client) {
        auto n = v.u8();
        if (!n || *n != v.remaining() || *n % 2 != 0) return false;
      } else if (body->size() != 2) {
        return false;
      }
      ev.versions = {};
      while (auto ver = v.u16())
        if (!grease(*ver)) ev.versions.add_version(*ver);
      ev.versions_known = true;
    }
    if (r.offset() > ext_end) return false;
  }
  return r.offset() == ext_end;
}

// ClientHello or ServerHello body, after its 4-byte handshake header. `hello_end` is the body's
// declared end, as an offset into `r`.
bool parse_hello(ByteReader& r, std::size_t hello_end, bool client, HelloEvidence& ev) {
  auto version = r.u16();
  if (!version || !hello_version(*version)) return false;
  ev.versions.add_version(*version);  // until supported_versions says otherwise
  bool complete = false;
  if (!declared(r, 32, hello_end, complete)) return false;  // random
  if (!complete) return true;
  auto sid_len = r.u8();
  if (!sid_len) return true;
  if (*sid_len > 32 || !declared(r, *sid_len, hello_end, complete)) return false;
  if (!complete) return true;
  if (client) {
    auto cs_len = r.u16();
    if (!cs_len) return true;
    if (*cs_len < 2 || *cs_len % 2 != 0 || !declared(r, *cs_len, hello_end, complete)) return false;
    if (!complete) return true;
    auto comp_len = r.u8();
    if (!comp_len) return true;
    if (*comp_len < 1 || !declared(r, *comp_len, hello_end, complete)) return false;
    if (!complete) return true;
  } else {
    if (!declared(r, 3, hello_end, complete)) return false;  // cipher suite, compression
    if (!complete) return true;
  }
  if (!parse_extensions(r, hello_end, client, ev)) return false;
  // Whole hello seen: without supported_versions, the hello's own version is the offer/choice.
  if (r.offset() == hello_end) ev.versions_known = true;
  return true;
}

void emit(const HelloEvidence& ev, bool client, Result& out) {
  if (ev.sni) add_evidence(out, EvidenceKey::sni, *ev.sni);
  if (ev.alpn.any)
    add_evidence(out, client ? EvidenceKey::alpn : EvidenceKey::alpn_selected, ev.alpn.view());
  if (ev.versions_known && ev.versions.any)
    add_evidence(out, client ? EvidenceKey::tls_versions : EvidenceKey::tls_version,
                 ev.versions.view());
}

// `hello_records`: the first record is a handshake record, so the next handshake records may
// carry the rest of a hello, with its record version (checked with the hello).
bool following_records_valid(ByteReader r, bool hello_records) {
  for (int i = 0; i < kMaxRecordsChecked && r.has(kRecordHeader); ++i) {
    auto type = r.u8();
    auto version = r.u16();
    auto len = r.u16();
    const bool version_ok = record_version(*version) || (hello_records && *type == kHandshake &&
                                                         hello_record_version(*version));
    if (*type < kCcs || *type > kHeartbeat || !version_ok || *len == 0 || *len > kMaxRecord)
      return false;
    if (!r.skip(*len)) return true;
  }
  return true;
}

// AlertDescription values of the TLS registry (RFC 8446 6, RFC 5246 7.2, extensions).
bool known_alert(std::uint8_t d) {
  constexpr std::array<std::uint8_t, 35> kAlerts = {
      0,  10, 20, 21, 22, 30, 40,  41,  42,  43,  44,  45,  46,  47,  48,  49,  50, 51,
      60, 70, 71, 80, 86, 90, 100, 109, 110, 111, 112, 113, 114, 115, 116, 120, 121};
  for (std::uint8_t a : kAlerts)
    if (a == d) return true;
  return false;
}

// Role of the sender of a handshake message other than a hello, or nullopt if the type is not
// one a plaintext record carries.
std::optional<Role> handshake_role(std::uint8_t type) {
  switch (type) {
    case 4:
    case 12:
    case 13:
    case 14:
    case 22: return Role::server;  // ticket, SKE, CR, SHD, status
    case 15:
    case 16: return Role::client;   // CertificateVerify, CKE
    case 11: return Role::unknown;  // Certificate: either side
    default: return std::nullopt;
  }
}

bool match_handshake(ByteReader& r, std::size_t record_len, Result& out) {
  auto type = r.u8();
  auto hs_len = r.u24();
  if (!hs_len) return false;
  if (*type == kClientHello || *type == kServerHello) {
    bool client = *type == kClientHello;
    if (*hs_len < (client ? 41u : 38u) || *hs_len > kMaxHello) return false;
    if (!r.has(2)) return false;  // the version is the least a hello must show
    // A hello may continue in the next record: parse only what this record holds.
    std::size_t in_record = record_len - 4;
    std::size_t hello_len = *hs_len < in_record ? *hs_len : in_record;
    Bytes body = r.rest().first(r.remaining() < hello_len ? r.remaining() : hello_len);
    ByteReader h(body);
    HelloEvidence ev;
    // When the hello is fragmented its declared end lies beyond this record; fields are checked
    // against the declared end, the bytes read from this record only.
    if (!parse_hello(h, *hs_len, client, ev)) return false;
    out.app = App::ssl;
    out.role = client ? Role::client : Role::server;
    emit(ev, client, out);
    return true;
  }
  auto role = handshake_role(*type);
  if (!role) return false;
  if ((*type == 14 && *hs_len != 0) || *hs_len > kMaxHello) return false;
  out.app = App::ssl;
  out.role = *role;
  add_evidence(out, EvidenceKey::tls_record, std::string_view("handshake"));
  return true;
}

// The first handshake message as the receiving TLS stack reads it: the bodies of the
// consecutive handshake records at the start of `bytes` joined (RFC 8446 5.1 lets a message be
// fragmented over records down to one byte each, a known DPI evasion), up to the end of that
// message, the sample's end, the first record of another type, or kMaxJoined bytes.
constexpr std::size_t kMaxJoined = 4096;

bool match_joined_handshake(Bytes bytes, Result& out) {
  std::array<std::uint8_t, kMaxJoined> joined;
  std::size_t len = 0;
  int records = 0;
  std::optional<std::size_t> message_end;  // 4 + the message's length, once its header is in
  bool odd_version = false;                // a record version only a hello may carry
  ByteReader r(bytes);
  while (r.has(kRecordHeader)) {  // each record takes at least 6 bytes of the sample
    auto type = r.u8();
    auto version = r.u16();
    auto rec_len = r.u16();
    if (*type != kHandshake || !hello_record_version(*version) || *rec_len == 0 ||
        *rec_len > kMaxRecord)
      break;
    odd_version = odd_version || !record_version(*version);
    ++records;
    const Bytes body = r.rest().first(r.remaining() < *rec_len ? r.remaining() : *rec_len);
    const std::size_t take = body.size() < joined.size() - len ? body.size() : joined.size() - len;
    for (std::size_t i = 0; i < take; ++i) joined[len + i] = body[i];
    len += take;
    if (!message_end && len >= 4)
      message_end = 4 + (std::size_t{joined[1]} << 16 | std::size_t{joined[2]} << 8 | joined[3]);
    if ((message_end && len >= *message_end) || !r.skip(*rec_len) || len == joined.size()) break;
  }
  if (len < 4) return false;  // not even the message's type and length
  if (odd_version && joined[0] != kClientHello && joined[0] != kServerHello) return false;
  ByteReader m(Bytes(joined.data(), len));
  if (!match_handshake(m, len, out)) return false;
  if (records > 1) {  // the hello arrived in pieces: worth showing
    char n[8];
    const int w = std::snprintf(n, sizeof n, "%d", records);
    add_evidence(out, EvidenceKey::tls_hello_records, std::string_view(n, w > 0 ? w : 0));
  }
  return true;
}

bool match_records(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  if (!r.has(kRecordHeader)) return false;
  auto type = r.u8();
  auto version = r.u16();
  auto len = r.u16();
  const bool version_ok =
      record_version(*version) || (*type == kHandshake && hello_record_version(*version));
  if (*type < kCcs || *type > kAppData || !version_ok || *len == 0 || *len > kMaxRecord)
    return false;
  // Records after this one, as far as the sample holds them, must be records too.
  ByteReader after(r.rest());
  if (after.skip(*len) && !following_records_valid(after, *type == kHandshake)) return false;
  switch (*type) {
    case kHandshake: return match_joined_handshake(bytes, out);
    case kCcs: {
      auto body = r.u8();
      if (*len != 1 || (body && *body != 1)) return false;
      out.app = App::ssl;
      out.role = Role::unknown;
      add_evidence(out, EvidenceKey::tls_record, std::string_view("ccs"));
      break;
    }
    case kAlert: {
      // A plaintext alert is (level, description); a longer one is encrypted: the two bytes plus
      // one cipher's overhead (at most 80 bytes: CBC, explicit IV, SHA-384 MAC, padding).
      if (*len == 2) {
        auto level = r.u8(), desc = r.u8();
        if ((level && *level != 1 && *level != 2) || (desc && !known_alert(*desc))) return false;
      } else if (*len < 2 || *len > kMaxEncryptedAlert) {
        return false;
      }
      out.app = App::ssl;
      out.role = Role::unknown;
      add_evidence(out, EvidenceKey::tls_record, std::string_view("alert"));
      break;
    }
    case kAppData:
      out.app = App::ssl;
      out.role = Role::unknown;
      add_evidence(out, EvidenceKey::tls_record, std::string_view("app_data"));
      break;
  }
  return true;
}

// SSLv2-format ClientHello (RFC 6101 E.2, SSLv2 spec): 2-byte header with the high bit set,
// CLIENT-HELLO, version, then three lengths that must add up to the record length.
bool match_sslv2_hello(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  auto hdr = r.u16();
  auto type = r.u8();
  auto version = r.u16();
  auto cs_len = r.u16(), sid_len = r.u16(), chal_len = r.u16();
  if (!chal_len) return false;
  std::size_t rec_len = *hdr & 0x7fff;
  if (!(*hdr & 0x8000) || *type != 1) return false;
  if (*version != 0x0002 && !hello_version(*version)) return false;
  if (*cs_len == 0 || *cs_len % 3 != 0 || (*sid_len != 0 && *sid_len != 16) || *chal_len < 16 ||
      *chal_len > 32)
    return false;
  if (rec_len != 9u + *cs_len + *sid_len + *chal_len) return false;
  out.app = App::ssl;
  out.role = Role::client;
  ListBuf v;
  v.add_version(*version);
  add_evidence(out, EvidenceKey::tls_versions, v.view());
  return true;
}

}  // namespace

bool match_tls(Bytes bytes, Result& out) {
  if (bytes.empty()) return false;
  if (bytes[0] & 0x80) return match_sslv2_hello(bytes, out);
  return match_records(bytes, out);
}

}  // namespace protoport::fingerprint::detail
