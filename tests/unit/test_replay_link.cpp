// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Link-layer conversion to Ethernet, byte by byte, without any file.
#include <doctest/doctest.h>
#include <pcap/pcap.h>

#include "replay/link_layer.h"
#include "replay_test_util.h"

using namespace protoport::replay;
using protoport::replay::test::Bytes;
using protoport::replay::test::concat;
using protoport::replay::test::ether_header;
using protoport::replay::test::ipv4_udp;
using protoport::replay::test::ipv6_udp;

namespace {

Bytes as_bytes(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

Bytes sll_header(std::uint16_t proto, std::uint16_t addr_len, Bytes addr) {
  addr.resize(8, 0);
  Bytes h = {
      0, 0, 0, 1, static_cast<std::uint8_t>(addr_len >> 8), static_cast<std::uint8_t>(addr_len)};
  h.insert(h.end(), addr.begin(), addr.end());
  h.push_back(static_cast<std::uint8_t>(proto >> 8));
  h.push_back(static_cast<std::uint8_t>(proto));
  return h;
}

Bytes sll2_header(std::uint16_t proto, std::uint8_t addr_len, Bytes addr) {
  addr.resize(8, 0);
  Bytes h = {static_cast<std::uint8_t>(proto >> 8),
             static_cast<std::uint8_t>(proto),
             0,
             0,
             0,
             0,
             0,
             3,  // ifindex 3
             0,
             1,  // ARPHRD_ETHER
             4,  // PACKET_OUTGOING
             addr_len};
  h.insert(h.end(), addr.begin(), addr.end());
  return h;
}

const Bytes kMac = {0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

}  // namespace

TEST_CASE("link types map from DLT values; the rest is refused") {
  CHECK(link_from_dlt(DLT_EN10MB) == Link::ethernet);
  CHECK(link_from_dlt(DLT_LINUX_SLL) == Link::linux_sll);
  CHECK(link_from_dlt(DLT_LINUX_SLL2) == Link::linux_sll2);
  CHECK(link_from_dlt(DLT_RAW) == Link::raw_ip);
  CHECK(link_from_dlt(DLT_IPV4) == Link::raw_ip);
  CHECK(link_from_dlt(DLT_IPV6) == Link::raw_ip);
  CHECK(link_from_dlt(DLT_NULL) == Link::bsd_null);
  CHECK(link_from_dlt(DLT_LOOP) == Link::bsd_loop);
  CHECK_FALSE(link_from_dlt(DLT_IEEE802_11).has_value());
  CHECK_FALSE(link_from_dlt(DLT_PPP).has_value());
}

TEST_CASE("Ethernet passes through without a copy; shorter than a header is truncated") {
  std::vector<std::uint8_t> scratch;
  const Bytes frame = concat({ether_header(0x0800, 0x11), ipv4_udp(1)});
  const auto out = to_ethernet(Link::ethernet, frame, scratch);
  REQUIRE(out.status == ConvertStatus::ok);
  CHECK(out.frame.data() == frame.data());
  CHECK(out.frame.size() == frame.size());
  CHECK(scratch.empty());

  const Bytes runt(13, 0);
  CHECK(to_ethernet(Link::ethernet, runt, scratch).status == ConvertStatus::truncated);
}

TEST_CASE("Linux SLL: EtherType from the protocol field, source MAC from a 6-byte address") {
  std::vector<std::uint8_t> scratch;
  const Bytes rec = concat({sll_header(0x0800, 6, kMac), ipv4_udp(2)});
  const auto out = to_ethernet(Link::linux_sll, rec, scratch);
  REQUIRE(out.status == ConvertStatus::ok);
  const Bytes want = concat({Bytes(6, 0), kMac, {0x08, 0x00}, ipv4_udp(2)});
  CHECK(as_bytes(out.frame) == want);
}

TEST_CASE("Linux SLL: an address that is not 6 bytes leaves the MACs zero") {
  std::vector<std::uint8_t> scratch;
  // A GRE tunnel device has a 4-byte link-layer address.
  const Bytes rec = concat({sll_header(0x86DD, 4, {192, 0, 2, 1}), ipv6_udp(3)});
  const auto out = to_ethernet(Link::linux_sll, rec, scratch);
  REQUIRE(out.status == ConvertStatus::ok);
  CHECK(as_bytes(out.frame) == concat({Bytes(12, 0), {0x86, 0xDD}, ipv6_udp(3)}));
}

TEST_CASE("Linux SLL: non-IP protocols are kept for the program to count") {
  std::vector<std::uint8_t> scratch;
  const Bytes arp = {0, 1, 8, 0, 6, 4, 0, 1};
  const auto out =
      to_ethernet(Link::linux_sll, concat({sll_header(0x0806, 6, kMac), arp}), scratch);
  REQUIRE(out.status == ConvertStatus::ok);
  CHECK(out.frame[12] == 0x08);
  CHECK(out.frame[13] == 0x06);
  CHECK(out.frame.size() == 14 + arp.size());
}

TEST_CASE("Linux SLL2: 20-byte header, protocol first, 1-byte address length") {
  std::vector<std::uint8_t> scratch;
  const Bytes rec = concat({sll2_header(0x86DD, 6, kMac), ipv6_udp(4)});
  const auto out = to_ethernet(Link::linux_sll2, rec, scratch);
  REQUIRE(out.status == ConvertStatus::ok);
  CHECK(as_bytes(out.frame) == concat({Bytes(6, 0), kMac, {0x86, 0xDD}, ipv6_udp(4)}));

  const auto no_mac =
      to_ethernet(Link::linux_sll2, concat({sll2_header(0x0800, 0, {}), ipv4_udp(5)}), scratch);
  REQUIRE(no_mac.status == ConvertStatus::ok);
  CHECK(as_bytes(no_mac.frame) == concat({Bytes(12, 0), {0x08, 0x00}, ipv4_udp(5)}));
}

TEST_CASE("cooked headers cut short are truncated, never read past the record") {
  std::vector<std::uint8_t> scratch;
  Bytes sll = sll_header(0x0800, 6, kMac);
  sll.pop_back();
  CHECK(to_ethernet(Link::linux_sll, sll, scratch).status == ConvertStatus::truncated);
  Bytes sll2 = sll2_header(0x0800, 6, kMac);
  sll2.pop_back();
  CHECK(to_ethernet(Link::linux_sll2, sll2, scratch).status == ConvertStatus::truncated);
  // Exactly a header and no payload is a valid (empty) frame.
  const auto bare = to_ethernet(Link::linux_sll, sll_header(0x0800, 6, kMac), scratch);
  REQUIRE(bare.status == ConvertStatus::ok);
  CHECK(bare.frame.size() == 14);
}

TEST_CASE("raw IP: EtherType from the version nibble") {
  std::vector<std::uint8_t> scratch;
  const auto v4 = to_ethernet(Link::raw_ip, ipv4_udp(6), scratch);
  REQUIRE(v4.status == ConvertStatus::ok);
  CHECK(as_bytes(v4.frame) == concat({Bytes(12, 0), {0x08, 0x00}, ipv4_udp(6)}));

  const auto v6 = to_ethernet(Link::raw_ip, ipv6_udp(7), scratch);
  REQUIRE(v6.status == ConvertStatus::ok);
  CHECK(as_bytes(v6.frame) == concat({Bytes(12, 0), {0x86, 0xDD}, ipv6_udp(7)}));

  Bytes v5 = ipv4_udp(8);
  v5[0] = 0x55;
  CHECK(to_ethernet(Link::raw_ip, v5, scratch).status == ConvertStatus::unknown_family);
  CHECK(to_ethernet(Link::raw_ip, Bytes{}, scratch).status == ConvertStatus::truncated);
}

TEST_CASE("BSD loopback: family in either byte order, every AF_INET6 value") {
  std::vector<std::uint8_t> scratch;
  struct Case {
    Bytes header;
    std::uint16_t ether_type;
  };
  const Case cases[] = {
      {{2, 0, 0, 0}, 0x0800},  {{0, 0, 0, 2}, 0x0800},  {{24, 0, 0, 0}, 0x86DD},
      {{0, 0, 0, 24}, 0x86DD}, {{28, 0, 0, 0}, 0x86DD}, {{0, 0, 0, 28}, 0x86DD},
      {{30, 0, 0, 0}, 0x86DD}, {{0, 0, 0, 30}, 0x86DD},
  };
  for (const Link link : {Link::bsd_null, Link::bsd_loop}) {
    for (const auto& c : cases) {
      CAPTURE(static_cast<int>(c.header[0]));
      CAPTURE(static_cast<int>(c.header[3]));
      const Bytes ip = c.ether_type == 0x0800 ? ipv4_udp(9) : ipv6_udp(9);
      const auto out = to_ethernet(link, concat({c.header, ip}), scratch);
      REQUIRE(out.status == ConvertStatus::ok);
      const Bytes type = {static_cast<std::uint8_t>(c.ether_type >> 8),
                          static_cast<std::uint8_t>(c.ether_type)};
      CHECK(as_bytes(out.frame) == concat({Bytes(12, 0), type, ip}));
    }
  }
}

TEST_CASE("BSD loopback: unknown families and short headers are not guessed") {
  std::vector<std::uint8_t> scratch;
  CHECK(to_ethernet(Link::bsd_null, concat({{7, 0, 0, 0}, ipv4_udp(1)}), scratch).status ==
        ConvertStatus::unknown_family);
  CHECK(to_ethernet(Link::bsd_null, concat({{0, 0, 0, 0}, ipv4_udp(1)}), scratch).status ==
        ConvertStatus::unknown_family);
  CHECK(to_ethernet(Link::bsd_null, concat({{1, 2, 3, 4}, ipv4_udp(1)}), scratch).status ==
        ConvertStatus::unknown_family);
  CHECK(to_ethernet(Link::bsd_loop, Bytes{0, 0, 2}, scratch).status == ConvertStatus::truncated);
}

TEST_CASE("the scratch buffer is reused: no allocation once it is large enough") {
  std::vector<std::uint8_t> scratch;
  Bytes big_rec = {2, 0, 0, 0};
  big_rec.push_back(0x45);
  big_rec.resize(1500, 0xab);
  const auto first = to_ethernet(Link::bsd_null, big_rec, scratch);
  REQUIRE(first.status == ConvertStatus::ok);
  const auto* storage = scratch.data();
  const auto capacity = scratch.capacity();
  for (std::uint8_t i = 0; i < 50; ++i) {
    const auto out = to_ethernet(Link::bsd_null, concat({{2, 0, 0, 0}, ipv4_udp(i)}), scratch);
    REQUIRE(out.status == ConvertStatus::ok);
    CHECK(out.frame.data() == storage);
    CHECK(out.frame.size() == 14 + ipv4_udp(i).size());
  }
  CHECK(scratch.capacity() == capacity);
}
