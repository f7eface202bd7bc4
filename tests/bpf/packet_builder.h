// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Crafts Ethernet frames for the BPF test runs: optional VLAN tags, IPv4 (options, fragments)
// or IPv6 (extension headers), TCP or UDP, payload, Ethernet padding, and overrides that make a
// header lie (ihl, doff, length fields) for the malformed cases. Bounds-safe: every write goes
// through std::vector::at().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pp_test {

inline constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;
inline constexpr std::uint8_t kTcp = 6, kUdp = 17, kIcmp = 1;
inline constexpr std::uint8_t kHopByHop = 0, kRouting = 43, kFragment = 44, kAuth = 51,
                              kNoNext = 59, kDestOpts = 60;

struct Ipv6Ext {
  std::uint8_t type = kHopByHop;
  std::size_t len = 8;           // total bytes: multiple of 8 (AH: multiple of 4, >= 12)
  std::uint16_t frag_field = 0;  // fragment header: offset << 3 | M flag (host order)
};

struct PacketSpec {
  int family = 4;
  std::string src = "192.0.2.1";
  std::string dst = "198.51.100.2";
  std::uint16_t sport = 40000;
  std::uint16_t dport = 8080;
  std::uint8_t l4 = kTcp;  // kTcp, kUdp, or any protocol number (no L4 header is written)
  std::uint8_t tcp_flags = kAck | kPsh;
  std::uint32_t tcp_seq = 1000;
  std::vector<std::uint8_t> payload;
  std::vector<std::uint16_t> vlan_tpids;   // outermost first: 0x8100, 0x88a8
  std::optional<std::uint16_t> ethertype;  // default from family
  std::size_t ipv4_options_len = 0;        // multiple of 4, <= 40
  std::uint16_t ipv4_frag_field = 0;       // flags (MF = 0x2000) | offset in 8-byte units
  std::vector<Ipv6Ext> ipv6_ext;
  std::size_t tcp_options_len = 0;  // multiple of 4, <= 40
  std::size_t trailer_len = 0;      // bytes after the IP datagram (Ethernet padding)
  // Lies, for malformed packets.
  std::optional<std::uint8_t> ihl;
  std::optional<std::uint8_t> ip_version;
  std::optional<std::uint8_t> doff;
  std::optional<std::uint16_t> ip_len;  // IPv4 tot_len / IPv6 payload_len
  std::optional<std::uint16_t> udp_len;
};

struct Frame {
  std::vector<std::uint8_t> bytes;
  std::size_t l3_off = 0;       // IP header
  std::size_t l4_off = 0;       // TCP/UDP header
  std::size_t payload_off = 0;  // first payload byte
  int family = 4;

  // Cuts the frame to n bytes; with fix_ip_length the IP length field is set to what remains
  // (so that only the truncated header itself is wrong).
  Frame truncated(std::size_t n, bool fix_ip_length) const;
};

Frame build(const PacketSpec& spec);

// A non-IP frame (ARP request), 42 bytes.
std::vector<std::uint8_t> arp_frame();

// `n` bytes of recognisable payload: 'A' + i % 26.
std::vector<std::uint8_t> pattern(std::size_t n, char first = 'A');

// The 16-byte form the kernel reports: v4-mapped for IPv4. Throws on a bad literal.
std::array<std::uint8_t, 16> addr16(const std::string& text);

}  // namespace pp_test
