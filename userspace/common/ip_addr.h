// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// An IPv4 or IPv6 address as the kernel reports it (16 bytes, IPv4 v4-mapped), with parsing and
// CIDR matching for the policy's filters.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace protoport {

struct IpAddr {
  std::array<std::uint8_t, 16> bytes{};  // network byte order; IPv4 as ::ffff:a.b.c.d
  bool v4 = false;

  static IpAddr from_v4_mapped(const std::uint8_t (&raw)[16], bool is_v4);
  static std::optional<IpAddr> parse(std::string_view text);  // "192.0.2.1", "2001:db8::1"
  std::string to_string() const;                              // canonical text form
  auto operator<=>(const IpAddr&) const = default;
};

// A network in CIDR form; "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128).
struct Cidr {
  IpAddr base;
  unsigned prefix = 0;  // in bits of the address's own family (0..32 or 0..128)

  static std::optional<Cidr> parse(std::string_view text);
  bool contains(const IpAddr& addr) const;
  std::string to_string() const;
};

}  // namespace protoport
