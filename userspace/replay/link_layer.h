// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Turns one captured record of a supported link type into the Ethernet frame the XDP program
// expects. Pure functions over byte spans, no libpcap state, so they can be tested alone.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace protoport::replay {

// The link layers replay understands. Everything else is refused when the file is opened.
enum class Link {
  ethernet,    // DLT_EN10MB: passed through untouched
  linux_sll,   // DLT_LINUX_SLL: 16-byte cooked header
  linux_sll2,  // DLT_LINUX_SLL2: 20-byte cooked header
  raw_ip,      // DLT_RAW, DLT_IPV4, DLT_IPV6: bare IP packet
  bsd_null,    // DLT_NULL: 4-byte address family in the capturing host's byte order
  bsd_loop,    // DLT_LOOP: 4-byte address family, normally network order
};

// Maps a libpcap DLT_* value to a Link, or nullopt when replay cannot handle it.
std::optional<Link> link_from_dlt(int dlt);

inline constexpr std::size_t kEthernetHeaderLen = 14;
inline constexpr std::uint16_t kEtherTypeIPv4 = 0x0800;
inline constexpr std::uint16_t kEtherTypeIPv6 = 0x86DD;

// Why a record could not become an Ethernet frame.
enum class ConvertStatus {
  ok,
  truncated,       // shorter than its link-layer header (or than an Ethernet header)
  unknown_family,  // no EtherType can be derived (raw IP version nibble, loopback family)
};

struct Converted {
  ConvertStatus status = ConvertStatus::ok;
  std::span<const std::uint8_t> frame;  // empty unless status == ok
};

// Converts `record` (the captured bytes of one record) to an Ethernet frame. Ethernet records are
// returned as they are, without a copy. Other link types are rebuilt into `scratch`, which only
// ever grows, so that a long replay allocates once. The result is valid until the next call with
// the same scratch buffer, or until `record`'s storage changes.
Converted to_ethernet(Link link, std::span<const std::uint8_t> record,
                      std::vector<std::uint8_t>& scratch);

}  // namespace protoport::replay
