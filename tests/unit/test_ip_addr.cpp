// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include <doctest/doctest.h>

#include "common/ip_addr.h"

using protoport::Cidr;
using protoport::IpAddr;

TEST_CASE("IPv4 and IPv6 addresses round-trip through text") {
  CHECK(IpAddr::parse("192.0.2.1")->to_string() == "192.0.2.1");
  CHECK(IpAddr::parse("192.0.2.1")->v4);
  CHECK(IpAddr::parse("2001:db8::1")->to_string() == "2001:db8::1");
  CHECK_FALSE(IpAddr::parse("2001:db8::1")->v4);
  CHECK_FALSE(IpAddr::parse("").has_value());
  CHECK_FALSE(IpAddr::parse("300.1.1.1").has_value());
  CHECK_FALSE(IpAddr::parse("example.com").has_value());
  CHECK_FALSE(IpAddr::parse(std::string(200, '1')).has_value());
}

TEST_CASE("CIDR matching stays within the address family") {
  const auto net = Cidr::parse("10.1.2.3/8");
  REQUIRE(net);
  CHECK(net->to_string() == "10.0.0.0/8");
  CHECK(net->contains(*IpAddr::parse("10.200.0.1")));
  CHECK_FALSE(net->contains(*IpAddr::parse("11.0.0.1")));
  CHECK_FALSE(net->contains(*IpAddr::parse("::ffff:10.0.0.1")));  // an IPv6 packet, not IPv4
  const auto v6 = Cidr::parse("2001:db8::/32");
  REQUIRE(v6);
  CHECK(v6->contains(*IpAddr::parse("2001:db8:ffff::1")));
  CHECK_FALSE(v6->contains(*IpAddr::parse("2001:db9::1")));
  CHECK_FALSE(v6->contains(*IpAddr::parse("10.0.0.1")));
  CHECK(Cidr::parse("0.0.0.0/0")->contains(*IpAddr::parse("203.0.113.9")));
  CHECK(Cidr::parse("192.0.2.7")->prefix == 32);
  CHECK_FALSE(Cidr::parse("10.0.0.0/33").has_value());
  CHECK_FALSE(Cidr::parse("10.0.0.0/").has_value());
  CHECK_FALSE(Cidr::parse("10.0.0.0/8x").has_value());
}
