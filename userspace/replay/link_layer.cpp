// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "replay/link_layer.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cstring>

namespace protoport::replay {
namespace {

// Linux cooked headers (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html, _SLL2.html).
constexpr std::size_t kSllHeaderLen = 16;
constexpr std::size_t kSllAddrLenOffset = 4;
constexpr std::size_t kSllAddrOffset = 6;
constexpr std::size_t kSllProtocolOffset = 14;

constexpr std::size_t kSll2HeaderLen = 20;
constexpr std::size_t kSll2ProtocolOffset = 0;
constexpr std::size_t kSll2AddrLenOffset = 11;
constexpr std::size_t kSll2AddrOffset = 12;

constexpr std::size_t kMacLen = 6;
constexpr std::size_t kLoopbackHeaderLen = 4;

// BSD address families as written by the capturing OS: AF_INET is 2 everywhere, AF_INET6 is 24
// (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly) or 30 (Darwin).
constexpr std::uint32_t kBsdAfInet = 2;
constexpr std::uint32_t kBsdAfInet6[] = {24, 28, 30};

std::uint16_t load_be16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

// Writes a 14-byte Ethernet header and then `payload` into scratch; source MAC from `src_mac`
// when given (6 bytes), zeros otherwise; destination MAC always zeros (cooked captures do not keep
// it).
Converted rebuild(std::uint16_t ether_type, const std::uint8_t* src_mac,
                  std::span<const std::uint8_t> payload, std::vector<std::uint8_t>& scratch) {
  const std::size_t len = kEthernetHeaderLen + payload.size();
  if (scratch.size() < len) scratch.resize(len);  // grows only: no allocation once warmed up
  std::uint8_t* out = scratch.data();
  std::memset(out, 0, 2 * kMacLen);
  if (src_mac != nullptr) std::memcpy(out + kMacLen, src_mac, kMacLen);
  out[12] = static_cast<std::uint8_t>(ether_type >> 8);
  out[13] = static_cast<std::uint8_t>(ether_type & 0xff);
  if (!payload.empty()) std::memcpy(out + kEthernetHeaderLen, payload.data(), payload.size());
  return {ConvertStatus::ok, {out, len}};
}

Converted from_sll(std::span<const std::uint8_t> rec, std::vector<std::uint8_t>& scratch,
                   std::size_t header_len, std::size_t proto_off, std::size_t addr_len_off,
                   std::size_t addr_off, bool addr_len_is_16bit) {
  if (rec.size() < header_len) return {ConvertStatus::truncated, {}};
  const std::size_t addr_len =
      addr_len_is_16bit ? load_be16(&rec[addr_len_off]) : rec[addr_len_off];
  const std::uint8_t* src_mac = addr_len == kMacLen ? &rec[addr_off] : nullptr;
  return rebuild(load_be16(&rec[proto_off]), src_mac, rec.subspan(header_len), scratch);
}

Converted from_raw_ip(std::span<const std::uint8_t> rec, std::vector<std::uint8_t>& scratch) {
  if (rec.empty()) return {ConvertStatus::truncated, {}};
  switch (rec[0] >> 4) {
    case 4: return rebuild(kEtherTypeIPv4, nullptr, rec, scratch);
    case 6: return rebuild(kEtherTypeIPv6, nullptr, rec, scratch);
    default: return {ConvertStatus::unknown_family, {}};
  }
}

// The family is a 32-bit value in whichever byte order the writer used; families are small, so
// exactly one of the two readings has its three high bytes zero.
Converted from_loopback(std::span<const std::uint8_t> rec, std::vector<std::uint8_t>& scratch) {
  if (rec.size() < kLoopbackHeaderLen) return {ConvertStatus::truncated, {}};
  std::uint32_t family;
  if (rec[1] == 0 && rec[2] == 0 && rec[3] == 0) {
    family = rec[0];  // little-endian writer (and family 0 in either order)
  } else if (rec[0] == 0 && rec[1] == 0 && rec[2] == 0) {
    family = rec[3];  // big-endian writer, or DLT_LOOP's network order
  } else {
    return {ConvertStatus::unknown_family, {}};
  }
  const auto payload = rec.subspan(kLoopbackHeaderLen);
  if (family == kBsdAfInet) return rebuild(kEtherTypeIPv4, nullptr, payload, scratch);
  if (std::find(std::begin(kBsdAfInet6), std::end(kBsdAfInet6), family) != std::end(kBsdAfInet6))
    return rebuild(kEtherTypeIPv6, nullptr, payload, scratch);
  return {ConvertStatus::unknown_family, {}};
}

}  // namespace

std::optional<Link> link_from_dlt(int dlt) {
  switch (dlt) {
    case DLT_EN10MB: return Link::ethernet;
    case DLT_LINUX_SLL: return Link::linux_sll;
    case DLT_LINUX_SLL2: return Link::linux_sll2;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6: return Link::raw_ip;
    case DLT_NULL: return Link::bsd_null;
    case DLT_LOOP: return Link::bsd_loop;
    default: return std::nullopt;
  }
}

Converted to_ethernet(Link link, std::span<const std::uint8_t> record,
                      std::vector<std::uint8_t>& scratch) {
  switch (link) {
    case Link::ethernet:
      if (record.size() < kEthernetHeaderLen) return {ConvertStatus::truncated, {}};
      return {ConvertStatus::ok, record};
    case Link::linux_sll:
      return from_sll(record, scratch, kSllHeaderLen, kSllProtocolOffset, kSllAddrLenOffset,
                      kSllAddrOffset, true);
    case Link::linux_sll2:
      return from_sll(record, scratch, kSll2HeaderLen, kSll2ProtocolOffset, kSll2AddrLenOffset,
                      kSll2AddrOffset, false);
    case Link::raw_ip: return from_raw_ip(record, scratch);
    case Link::bsd_null:
    case Link::bsd_loop: return from_loopback(record, scratch);
  }
  return {ConvertStatus::unknown_family, {}};
}

}  // namespace protoport::replay
