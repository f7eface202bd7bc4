// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "common/ip_addr.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace protoport {

namespace {
constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
}

IpAddr IpAddr::from_v4_mapped(const std::uint8_t (&raw)[16], bool is_v4) {
  IpAddr a;
  std::memcpy(a.bytes.data(), raw, 16);
  a.v4 = is_v4;
  return a;
}

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  IpAddr a;
  if (inet_pton(AF_INET, buf, a.bytes.data() + 12) == 1) {
    std::memcpy(a.bytes.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
    a.v4 = true;
    return a;
  }
  if (inet_pton(AF_INET6, buf, a.bytes.data()) == 1) return a;
  return std::nullopt;
}

std::string IpAddr::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (v4)
    inet_ntop(AF_INET, bytes.data() + 12, buf, sizeof buf);
  else
    inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  const auto addr = IpAddr::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  const unsigned max_prefix = addr->v4 ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const auto digits = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        prefix > max_prefix)
      return std::nullopt;
  }
  Cidr c{*addr, prefix};
  // Normalise the base so that "10.1.2.3/8" matches like "10.0.0.0/8".
  const unsigned offset = addr->v4 ? 96 : 0;
  for (unsigned bit = offset + prefix; bit < 128; ++bit)
    c.base.bytes[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  return c;
}

bool Cidr::contains(const IpAddr& addr) const {
  if (addr.v4 != base.v4) return false;
  const unsigned total = (base.v4 ? 96 : 0) + prefix;
  for (unsigned bit = 0; bit < total; ++bit) {
    const std::uint8_t mask = 0x80u >> (bit % 8);
    if ((addr.bytes[bit / 8] & mask) != (base.bytes[bit / 8] & mask)) return false;
  }
  return true;
}

std::string Cidr::to_string() const { return base.to_string() + "/" + std::to_string(prefix); }

}  // namespace protoport
