// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// DNS wire format (RFC 1035 and later), strict enough that random UDP payloads do not pass: a
// header with a known opcode, counts a real message could hold, then a first name whose labels
// end inside the sample (or run to its end after 128 bytes: a long name the sampler cut),
// followed by a plausible type and class. mDNS, LLMNR and NBNS share this
// wire format; classify_flow renames them by port.
#include <array>
#include <cstdio>

#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {
namespace {

constexpr std::size_t kHeaderLen = 12;
constexpr std::size_t kMinQuestion = 5;  // root name (1) + qtype (2) + qclass (2)
constexpr std::size_t kMinRecord = 11;   // root name (1) + type, class, ttl, rdlength (10)
constexpr std::size_t kMaxUdpMessage = 65507;
constexpr std::size_t kMaxNameLen = 255;  // RFC 1035 3.1, wire length including length bytes

enum Opcode : unsigned { kQuery = 0, kStatus = 2, kNotify = 4, kUpdate = 5 };

// Types a question or a record could carry: the IANA registry's assigned ranges (NB/NBSTAT of
// NetBIOS name service coincide with 32/33). Everything else (0, the unassigned gaps, private use)
// is where random bytes land.
bool plausible_type(std::uint16_t t) {
  return (t >= 1 && t <= 69) || (t >= 99 && t <= 109) || (t >= 249 && t <= 261) || t == 32768 ||
         t == 32769;
}
// IN, CH, HS, NONE, ANY; the top bit is mDNS's unicast-response / cache-flush flag.
bool plausible_class(std::uint16_t c) {
  c &= 0x7fff;
  return c == 1 || c == 3 || c == 4 || c == 254 || c == 255;
}

const char* type_name(std::uint16_t t) {
  switch (t) {
    case 1: return "A";
    case 2: return "NS";
    case 5: return "CNAME";
    case 6: return "SOA";
    case 12: return "PTR";
    case 13: return "HINFO";
    case 15: return "MX";
    case 16: return "TXT";
    case 28: return "AAAA";
    case 32: return "NB";
    case 33: return "SRV";
    case 35: return "NAPTR";
    case 41: return "OPT";
    case 43: return "DS";
    case 46: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case 99: return "SPF";
    case 251: return "IXFR";
    case 252: return "AXFR";
    case 255: return "ANY";
    case 257: return "CAA";
    default: return nullptr;
  }
}

// The first name of a message, in dotted form (labels verbatim, "." for the root).
struct Name {
  std::array<std::uint8_t, kMaxNameLen + 1> text{};
  std::size_t len = 0;
};

// A name that runs past the end of the sample is accepted only after this many bytes of
// well-formed labels: the sampler cut it (at the default 256-byte sample, any cut name has 240 or
// more), and a name that long is itself what DNS tunnels look like. A shorter cut name is not
// evidence: random bytes reach a short run of labels too easily.
constexpr std::size_t kMinCutName = 128;

enum class NameRead { whole, cut, bad };

NameRead read_first_name(ByteReader& r, Name& name) {
  std::size_t wire_len = 0;
  auto ran_out = [&] { return wire_len >= kMinCutName ? NameRead::cut : NameRead::bad; };
  while (true) {
    auto len = r.u8();
    if (!len) return ran_out();
    ++wire_len;
    if (*len == 0) break;
    // 0b11 is a compression pointer: the first name of a message has nothing earlier to point
    // to. 0b01 and 0b10 are the obsolete extended label types.
    if (*len > 63) return NameRead::bad;
    if (wire_len + *len > kMaxNameLen) return NameRead::bad;
    if (name.len > 0) name.text[name.len++] = '.';
    auto label = r.take(*len);
    if (!label) {
      // Keep what the sample holds of the last label, for the evidence.
      for (std::uint8_t c : r.rest()) name.text[name.len++] = c;
      wire_len += r.rest().size();
      return ran_out();
    }
    wire_len += *len;
    for (std::uint8_t c : *label) name.text[name.len++] = c;
  }
  if (name.len == 0) name.text[name.len++] = '.';
  return NameRead::whole;
}

struct Header {
  std::uint16_t flags, qd, an, ns, ar;
  bool response() const { return flags & 0x8000; }
  unsigned opcode() const { return (flags >> 11) & 0xf; }
  unsigned rcode() const { return flags & 0xf; }
  bool z() const { return flags & 0x0040; }
};

bool plausible_header(const Header& h, std::size_t message_len) {
  unsigned op = h.opcode();
  if (op != kQuery && op != kStatus && op != kNotify && op != kUpdate) return false;
  if (h.z()) return false;
  // NOTIFY and UPDATE name exactly one zone in the question section.
  if ((op == kNotify || op == kUpdate) && h.qd != 1) return false;
  if (!h.response()) {
    // A question always; known answers (mDNS), proposed records (mDNS probes, UPDATE) and EDNS
    // or TSIG additions are few. Queries carry no error code.
    if (h.qd == 0 || h.qd > 64 || h.an > 256 || h.ns > 256 || h.ar > 64) return false;
    if (h.rcode() != 0) return false;
  } else {
    // mDNS announcements have no question but answers; error replies may have neither, but then
    // there is no name to check and a response header alone is too weak.
    if (h.qd > 64 || h.an > 4096 || h.ns > 4096 || h.ar > 4096) return false;
    if (h.qd == 0 && h.an == 0) return false;
    if (h.rcode() > 11) return false;
  }
  // Every entry takes room: the counts must fit the message the header heads.
  std::size_t min_len =
      kHeaderLen + h.qd * kMinQuestion + (std::size_t{h.an} + h.ns + h.ar) * kMinRecord;
  return min_len <= message_len;
}

}  // namespace

bool match_dns(Bytes bytes, Transport transport, Result& out) {
  ByteReader outer(bytes);
  std::size_t message_len = kMaxUdpMessage;
  if (transport == Transport::tcp) {
    // RFC 1035 4.2.2: a two-byte length, then the message. A segment holding only the prefix
    // says nothing about what follows.
    auto prefix = outer.u16();
    if (!prefix || outer.empty()) return false;
    message_len = *prefix;
  }
  if (message_len < kHeaderLen + kMinQuestion) return false;
  Bytes rest = outer.rest();
  ByteReader r(rest.first(rest.size() < message_len ? rest.size() : message_len));

  Header h{};
  if (!r.skip(2)) return false;  // id: any value
  auto flags = r.u16(), qd = r.u16(), an = r.u16(), ns = r.u16(), ar = r.u16();
  if (!ar) return false;
  h = {*flags, *qd, *an, *ns, *ar};
  if (!plausible_header(h, message_len)) return false;

  Name name;
  const NameRead read = read_first_name(r, name);
  if (read == NameRead::bad) return false;
  if (read == NameRead::cut) {
    if (h.qd == 0) return false;  // a record's name, not a question: too little to go on
    out.app = App::dns;
    out.role = h.response() ? Role::server : Role::client;
    add_evidence(out, EvidenceKey::dns_qname, Bytes(name.text.data(), name.len));
    return true;
  }
  auto type = r.u16(), cls = r.u16();
  if (!cls || !plausible_type(*type) || !plausible_class(*cls)) return false;
  bool is_record = h.qd == 0;
  if (is_record) {
    // No question: the first answer record stands in for it; its length must fit the message.
    auto ttl = r.u32();
    auto rdlength = r.u16();
    if (!rdlength) return false;
    if (*type == 41) return false;  // OPT belongs in the additional section only
    if (r.offset() + *rdlength > message_len) return false;
    if ((*type == 1 && *rdlength != 4) || (*type == 28 && *rdlength != 16)) return false;
    (void)ttl;
  } else if (*type == 41) {
    return false;  // OPT is not a question
  }

  out.app = App::dns;
  out.role = h.response() ? Role::server : Role::client;
  add_evidence(out, is_record ? EvidenceKey::dns_rrname : EvidenceKey::dns_qname,
               Bytes(name.text.data(), name.len));
  const char* tn = type_name(*type);
  char num[8];
  if (!tn) {
    std::snprintf(num, sizeof num, "%u", unsigned{*type});
    tn = num;
  }
  add_evidence(out, is_record ? EvidenceKey::dns_rrtype : EvidenceKey::dns_qtype,
               std::string_view(tn));
  return true;
}

}  // namespace protoport::fingerprint::detail
