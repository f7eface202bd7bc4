// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The XDP program's parser through bpf_prog_test_run_opts: every L2/L3/L4 layout it accepts,
// and every way a header can be cut short or lie about its length.
#include <doctest/doctest.h>

#include <cstring>

#include "harness.h"
#include "protoport/parse_limits.h"

using namespace pp_test;

namespace {

// A UDP packet creates its flow with the sender as initiator: its sample goes to the responder.
constexpr std::uint8_t kToResp = PP_DIR_TO_RESP;
constexpr std::uint8_t kUnknown = PP_DIR_UNKNOWN;

PacketSpec tcp4(std::size_t payload = 100) {
  PacketSpec s;
  s.payload = pattern(payload);
  return s;
}

PacketSpec udp6(std::size_t payload = 60) {
  PacketSpec s;
  s.family = 6;
  s.src = "2001:db8::1";
  s.dst = "2001:db8::2";
  s.l4 = kUdp;
  s.sport = 5353;
  s.dport = 4000;
  s.payload = pattern(payload, 'a');
  return s;
}

// One flow-creating sample, nothing else: the counters every accepted packet shape ends with.
void expect_one_sample(Harness& h, const PacketSpec& spec, std::uint8_t dir) {
  REQUIRE(h.records().size() == 1);
  expect_sample(h.records()[0], spec, dir, 0);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}});
}

// Nothing emitted, one outcome.
void expect_only(Harness& h, pp_counter outcome, std::uint64_t n = 1) {
  CHECK(h.records().empty());
  CHECK(h.flow_entries() == 0);
  h.expect_counters({{outcome, n}});
}

}  // namespace

TEST_CASE("IPv4 TCP mid-stream data is sampled with unknown direction") {
  Harness h;
  const auto spec = tcp4();
  h.run(build(spec));
  expect_one_sample(h, spec, kUnknown);
}

TEST_CASE("IPv6 TCP mid-stream data is sampled") {
  Harness h;
  auto spec = tcp4();
  spec.family = 6;
  spec.src = "2001:db8::10";
  spec.dst = "2001:db8::20";
  h.run(build(spec));
  expect_one_sample(h, spec, kUnknown);
}

TEST_CASE("IPv4 UDP first packet: its sender is the initiator") {
  Harness h;
  auto spec = tcp4(40);
  spec.l4 = kUdp;
  h.run(build(spec));
  expect_one_sample(h, spec, kToResp);
}

TEST_CASE("IPv6 UDP") {
  Harness h;
  const auto spec = udp6();
  h.run(build(spec));
  expect_one_sample(h, spec, kToResp);
}

TEST_CASE("802.1Q VLAN and 802.1ad QinQ tags are skipped") {
  for (const auto& tags :
       {std::vector<std::uint16_t>{0x8100}, std::vector<std::uint16_t>{0x88a8, 0x8100},
        std::vector<std::uint16_t>{0x8100, 0x8100}}) {
    CAPTURE(tags.size());
    Harness h;
    auto spec = udp6();
    spec.vlan_tpids = tags;
    h.run(build(spec));
    expect_one_sample(h, spec, kToResp);
  }
}

TEST_CASE("a third VLAN tag is not parsed: non-IP") {
  Harness h;
  auto spec = tcp4();
  spec.vlan_tpids = {0x88a8, 0x8100, 0x8100};
  h.run(build(spec));
  expect_only(h, PP_OUT_NON_IP);
}

TEST_CASE("IPv4 options are skipped using ihl") {
  for (std::size_t opts : {4u, 12u, 40u}) {
    CAPTURE(opts);
    Harness h;
    auto spec = tcp4(33);
    spec.ipv4_options_len = opts;
    spec.tcp_options_len = 12;  // and TCP options via doff
    h.run(build(spec));
    expect_one_sample(h, spec, kUnknown);
  }
}

TEST_CASE("IPv6 extension headers, each kind") {
  const std::vector<Ipv6Ext> kinds = {{kHopByHop, 8},  {kHopByHop, 24},   {kRouting, 24},
                                      {kDestOpts, 16}, {kFragment, 8, 0}, {kAuth, 24}};
  for (const auto& ext : kinds) {
    CAPTURE(int(ext.type));
    CAPTURE(ext.len);
    Harness h;
    auto spec = udp6();
    spec.ipv6_ext = {ext};
    h.run(build(spec));
    expect_one_sample(h, spec, kToResp);
  }
}

TEST_CASE("IPv6 extension header chain") {
  Harness h;
  auto spec = tcp4(77);
  spec.family = 6;
  spec.src = "fe80::1";
  spec.dst = "fe80::2";
  spec.ipv6_ext = {{kHopByHop, 8},    {kDestOpts, 8}, {kRouting, 16},
                   {kFragment, 8, 0}, {kAuth, 16},    {kDestOpts, 8}};
  h.run(build(spec));
  expect_one_sample(h, spec, kUnknown);
}

TEST_CASE("IPv6 chains on both sides of the inline fast path (2 headers) and the global walk") {
  // 0-2 hop-by-hop/routing/destination-options headers before TCP/UDP finish inline; a third,
  // or a fragment/AH header, or another L4 after them, is decided by pp_ipv6_ext_walk.
  const std::vector<std::vector<Ipv6Ext>> sampled = {
      {},
      {{kDestOpts, 16}},
      {{kHopByHop, 8}, {kRouting, 24}},
      {{kHopByHop, 8}, {kDestOpts, 8}, {kRouting, 16}},
      {{kHopByHop, 8}, {kDestOpts, 8}, {kFragment, 8, 0}},
      {{kRouting, 16}, {kAuth, 16}},
      {{kFragment, 8, 0}, {kDestOpts, 8}},
  };
  for (const auto& chain : sampled) {
    for (const std::uint8_t l4 : {kTcp, kUdp}) {
      CAPTURE(chain.size());
      CAPTURE(int(l4));
      Harness h;
      auto spec = udp6(40);
      spec.l4 = l4;
      spec.ipv6_ext = chain;
      h.run(build(spec));
      expect_one_sample(h, spec, l4 == kUdp ? kToResp : kUnknown);
    }
  }
  for (const auto& chain :
       std::vector<std::vector<Ipv6Ext>>{{}, {{kHopByHop, 8}}, {{kHopByHop, 8}, {kDestOpts, 8}}}) {
    CAPTURE(chain.size());
    Harness h;
    auto spec = udp6(0);
    spec.l4 = 58;  // ICMPv6 after the inline headers, not TCP/UDP: the walk says other_l4
    spec.ipv6_ext = chain;
    h.run(build(spec));
    spec.l4 = kNoNext;
    h.run(build(spec));
    expect_only(h, PP_OUT_OTHER_L4, 2);
  }
  Harness h;
  auto later = udp6(40);
  later.ipv6_ext = {{kHopByHop, 8}, {kDestOpts, 8}, {kFragment, 8, (13 << 3)}};
  h.run(build(later));
  // A later fragment of a datagram not seen yet: sampled for reassembly, no flow entry.
  CHECK(h.records().size() == 1);
  CHECK(h.flow_entries() == 0);
  h.expect_counters({{PP_OUT_FRAGMENT_SAMPLED, 1}});
}

TEST_CASE("IPv6 chains of any length Linux delivers reach the L4 header") {
  // 8, 9, 12, 20 headers hid the L4 header from earlier builds (issue 15); Linux delivers them.
  for (std::size_t n : {std::size_t{8}, std::size_t{9}, std::size_t{12}, std::size_t{20},
                        std::size_t{64}, std::size_t{400}}) {  // 400: 3,200 bytes, in a page
    INFO("extension headers: " << n);
    Harness h;
    auto spec = udp6();
    spec.ipv6_ext.assign(n, Ipv6Ext{kDestOpts, 8});
    h.run(build(spec));
    CHECK(h.records().size() == 1);
    h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}});
  }
  // Every kind the walk knows, mixed: hop-by-hop first, routing, AH, an atomic fragment header.
  Harness h;
  auto spec = udp6();
  spec.ipv6_ext = {Ipv6Ext{kHopByHop, 8}};
  for (int i = 0; i < 5; ++i)
    for (auto type : {kDestOpts, kRouting, kAuth})
      spec.ipv6_ext.push_back(Ipv6Ext{type, type == kAuth ? std::size_t{12} : std::size_t{16}});
  spec.ipv6_ext.push_back(Ipv6Ext{kFragment, 8, 0});
  h.run(build(spec));
  CHECK(h.records().size() == 1);
}

TEST_CASE("an IPv6 chain longer than the walk limit is malformed") {
  // More headers than fit in the linear data of any XDP buffer: the frame itself is longer
  // than a test run's linear part, so the walk meets the end of it first.
  Harness h;
  auto spec = udp6();
  spec.ipv6_ext.assign(PP_IPV6_EXT_MAX, Ipv6Ext{kDestOpts, 8});
  h.run(build(spec));
  expect_only(h, PP_OUT_MALFORMED);
}

TEST_CASE("IPv4 fragments: the first is sampled, and so are the later ones of its datagram") {
  Harness h;
  // First fragment of a 1000-byte UDP datagram: MF set, offset 0; udp->len covers it all.
  auto first = tcp4(0);
  first.l4 = kUdp;
  first.payload = pattern(200);
  first.udp_len = 1008;
  first.ipv4_frag_field = 0x2000;
  h.run(build(first));
  REQUIRE(h.records().size() == 1);
  const auto& r = h.records()[0];
  CHECK(r.header.payload_len == 1000);  // the datagram's payload
  CHECK(r.header.cap_len == 200);       // what this fragment holds
  CHECK(r.payload == first.payload);
  CHECK(r.header.dir == kToResp);

  auto later = tcp4(0);
  later.l4 = kUdp;
  later.payload = pattern(200);
  later.ipv4_frag_field = 0x2000 | 26;  // offset 208 bytes, MF
  h.run(build(later));
  later.ipv4_frag_field = 101;  // last fragment
  h.run(build(later));
  // The first fragment was sampled: its datagram's later fragments are too (reassembly).
  REQUIRE(h.records().size() == 3);
  CHECK(r.header.flags == (PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_MORE_FRAGS));
  CHECK(r.header.frag_off == 8);  // data[0] follows the 8-byte UDP header
  const auto& l = h.records()[1].header;
  CHECK(l.flags == (PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_LATER_FRAGMENT | PP_SAMPLE_F_MORE_FRAGS));
  CHECK(l.frag_off == 208);
  CHECK(l.ip_id == r.header.ip_id);
  CHECK(l.sport == 0);
  CHECK(l.payload_len == 208);  // the builder's fragment holds a UDP-header-sized prefix too
  CHECK(h.records()[2].header.frag_off == 808);
  CHECK(h.records()[2].header.flags == (PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_LATER_FRAGMENT));
  h.expect_counters(
      {{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}, {PP_OUT_FRAGMENT_SAMPLED, 2}});
}

TEST_CASE("IP fragments: a datagram whose first fragment was not sampled is not followed") {
  Harness h;
  auto first = tcp4(0);
  first.l4 = kUdp;
  first.payload = pattern(200);
  for (int i = 0; i < 2; ++i) h.run(build(first));  // two whole datagrams: the direction's samples
  first.udp_len = 1008;
  first.ipv4_frag_field = 0x2000;
  h.run(build(first));  // a first fragment of a flow direction already sampled
  auto later = tcp4(0);
  later.l4 = kUdp;
  later.payload = pattern(200);
  later.ipv4_frag_field = 26;
  h.run(build(later));
  CHECK(h.records().size() == 2);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1},
                     {PP_OUT_SAMPLED, 2},
                     {PP_OUT_ALREADY_SAMPLED, 1},
                     {PP_OUT_FRAGMENT, 1}});
}

TEST_CASE("clear_flows forgets fragmented datagrams too: a later fragment is sampled again") {
  Harness h;
  auto first = tcp4(0);
  first.l4 = kUdp;
  first.payload = pattern(200);
  for (int i = 0; i < 2; ++i) h.run(build(first));  // the direction's samples
  first.udp_len = 1008;
  first.ipv4_frag_field = 0x2000;
  h.run(build(first));  // not sampled: its datagram is ignored
  auto later = tcp4(0);
  later.l4 = kUdp;
  later.payload = pattern(200);
  later.ipv4_frag_field = 26;
  h.run(build(later));
  REQUIRE(h.records().size() == 2);
  h.program().clear_flows();
  h.run(build(later));  // a datagram not seen since: followed, its first fragment may come last
  REQUIRE(h.records().size() == 3);
  CHECK(h.records()[2].header.flags == (PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_LATER_FRAGMENT));
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1},
                     {PP_OUT_SAMPLED, 2},
                     {PP_OUT_ALREADY_SAMPLED, 1},
                     {PP_OUT_FRAGMENT, 1},
                     {PP_OUT_FRAGMENT_SAMPLED, 1}});
}

TEST_CASE("IP fragments: at most PP_FRAG_SAMPLES_MAX later fragments per datagram") {
  Harness h;
  auto later = tcp4(0);
  later.l4 = kUdp;
  later.payload = pattern(8);
  for (int i = 1; i <= PP_FRAG_SAMPLES_MAX + 4; ++i) {
    later.ipv4_frag_field = static_cast<std::uint16_t>(0x2000 | i);
    h.run(build(later));
  }
  CHECK(h.records().size() == PP_FRAG_SAMPLES_MAX);
  h.expect_counters({{PP_OUT_FRAGMENT_SAMPLED, PP_FRAG_SAMPLES_MAX}, {PP_OUT_FRAGMENT, 4}});
}

TEST_CASE("IPv6 fragments: the first is sampled, and so are the later ones of its datagram") {
  Harness h;
  auto first = udp6(100);
  first.udp_len = 508;
  first.ipv6_ext = {{kFragment, 8, 0x0001}};  // offset 0, M
  h.run(build(first));
  REQUIRE(h.records().size() == 1);
  CHECK(h.records()[0].header.payload_len == 500);
  CHECK(h.records()[0].header.cap_len == 100);
  CHECK(h.records()[0].payload == first.payload);

  auto later = udp6(100);
  later.ipv6_ext = {{kHopByHop, 8}, {kFragment, 8, (13 << 3) | 1}};
  h.run(build(later));
  REQUIRE(h.records().size() == 2);
  const auto& l = h.records()[1].header;
  CHECK(l.ip_id == h.records()[0].header.ip_id);
  CHECK(l.frag_off == 104);
  CHECK(l.flags == (PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_LATER_FRAGMENT | PP_SAMPLE_F_MORE_FRAGS));
  CHECK(std::memcmp(l.saddr, h.records()[0].header.saddr, 16) == 0);
  h.expect_counters(
      {{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}, {PP_OUT_FRAGMENT_SAMPLED, 1}});
}

TEST_CASE("a UDP first fragment whose udp->len is shorter than the fragment is malformed") {
  Harness h;
  auto spec = udp6(100);
  spec.udp_len = 50;
  spec.ipv6_ext = {{kFragment, 8, 0x0001}};
  h.run(build(spec));
  expect_only(h, PP_OUT_MALFORMED);
}

TEST_CASE("headers truncated at every layer are malformed and emit nothing") {
  // Every cut between the Ethernet header and the payload, with the IP length both left as is
  // (the IP header then claims more than the frame) and fixed to the cut (the cut header
  // itself is what is missing).
  auto v4 = tcp4(20);
  v4.vlan_tpids = {0x88a8, 0x8100};
  v4.ipv4_options_len = 8;
  v4.tcp_options_len = 12;
  auto v6 = udp6(20);
  v6.vlan_tpids = {0x8100};
  v6.ipv6_ext = {{kHopByHop, 8}, {kRouting, 24}, {kFragment, 8, 0}};
  auto v6tcp = tcp4(20);
  v6tcp.family = 6;
  v6tcp.src = "2001:db8::1";
  v6tcp.dst = "2001:db8::2";
  v6tcp.ipv6_ext = {{kAuth, 16}};
  auto plain_tcp = tcp4(20);  // the common layout: cuts of >= 54 bytes take the fast path
  plain_tcp.tcp_options_len = 12;
  auto plain_udp = tcp4(20);
  plain_udp.l4 = kUdp;
  for (const auto& spec : {v4, v6, v6tcp, plain_tcp, plain_udp}) {
    for (bool fix : {false, true}) {
      CAPTURE(spec.family);
      CAPTURE(fix);
      Harness h;
      const Frame full = build(spec);
      std::uint64_t cuts = 0;
      for (std::size_t n = 14; n < full.payload_off; ++n) {
        CAPTURE(n);
        h.run(full.truncated(n, fix));
        ++cuts;
      }
      expect_only(h, PP_OUT_MALFORMED, cuts);
    }
  }
}

TEST_CASE("the kernel refuses test frames shorter than an Ethernet header") {
  Harness h;
  const auto frame = build(tcp4()).truncated(13, false);
  CHECK_THROWS_AS(h.program().test_run(frame.bytes), protoport::loader::Error);
  h.expect_counters({});
}

TEST_CASE("ihl < 5 is malformed") {
  for (std::uint8_t ihl : {0, 1, 4}) {
    CAPTURE(int(ihl));
    Harness h;
    auto spec = tcp4();
    spec.ihl = ihl;
    h.run(build(spec));
    expect_only(h, PP_OUT_MALFORMED);
  }
}

TEST_CASE("an IP version that does not match the ethertype is malformed") {
  Harness h;
  auto v4 = tcp4();
  v4.ip_version = 6;
  h.run(build(v4));
  auto v6 = udp6();
  v6.ip_version = 4;
  h.run(build(v6));
  expect_only(h, PP_OUT_MALFORMED, 2);
}

TEST_CASE("doff < 5 or beyond the IP length is malformed") {
  for (std::uint8_t doff : {0, 4, 15}) {
    CAPTURE(int(doff));
    Harness h;
    auto spec = tcp4(10);  // doff 15 = 60 bytes > 20 + 10 in the datagram
    spec.doff = doff;
    h.run(build(spec));
    expect_only(h, PP_OUT_MALFORMED);
  }
}

TEST_CASE("IP length fields that lie are malformed") {
  Harness h;
  auto longer = tcp4(10);
  longer.ip_len = 20 + 20 + 11;  // one byte more than the frame holds
  h.run(build(longer));
  auto shorter_than_header = tcp4(10);
  shorter_than_header.ip_len = 19;
  h.run(build(shorter_than_header));
  auto zero = tcp4(10);
  zero.ip_len = 0;
  h.run(build(zero));
  auto v6_longer = udp6(10);
  v6_longer.ip_len = 8 + 11;
  h.run(build(v6_longer));
  auto opts_past_end = tcp4(0);  // ihl says 60 bytes, tot_len 40
  opts_past_end.ipv4_options_len = 40;
  opts_past_end.ip_len = 40;
  h.run(build(opts_past_end));
  auto ext_past_end = udp6(40);  // extension header runs past payload_len (frame is longer)
  ext_past_end.ipv6_ext = {{kHopByHop, 24}};
  ext_past_end.ip_len = 16;
  h.run(build(ext_past_end));
  expect_only(h, PP_OUT_MALFORMED, 6);
}

TEST_CASE("UDP length fields that lie are malformed") {
  Harness h;
  for (std::uint16_t len : {0, 7, 8 + 61}) {
    auto spec = udp6(60);
    spec.udp_len = len;
    h.run(build(spec));
  }
  expect_only(h, PP_OUT_MALFORMED, 3);
}

TEST_CASE("UDP trailing bytes beyond udp->len are not payload") {
  Harness h;
  auto spec = udp6(60);
  spec.udp_len = 8 + 50;
  h.run(build(spec));
  REQUIRE(h.records().size() == 1);
  CHECK(h.records()[0].header.payload_len == 50);
  CHECK(h.records()[0].header.cap_len == 50);
  CHECK(std::equal(h.records()[0].payload.begin(), h.records()[0].payload.end(),
                   spec.payload.begin()));
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}});
}

TEST_CASE("Ethernet padding is not payload") {
  Harness h;
  auto tcp = tcp4(1);  // 14 + 20 + 20 + 1 = 55 bytes: padded to 60
  tcp.trailer_len = 5;
  h.run(build(tcp));
  auto udp = tcp4(2);
  udp.l4 = kUdp;
  udp.sport = 1111;
  udp.trailer_len = 16;
  h.run(build(udp));
  auto ack = tcp4(0);  // a pure ACK padded to 60 bytes stays payload-less
  ack.trailer_len = 6;
  h.run(build(ack));
  REQUIRE(h.records().size() == 2);
  expect_sample(h.records()[0], tcp, kUnknown, 0);
  expect_sample(h.records()[1], udp, kToResp, 0);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 2}, {PP_OUT_SAMPLED, 2}, {PP_OUT_NO_PAYLOAD, 1}});
}

TEST_CASE("zero-length payload") {
  Harness h;
  auto ack = tcp4(0);  // pure ACK of an unknown flow: no entry
  h.run(build(ack));
  auto fin = tcp4(0);
  fin.tcp_flags = kFin | kAck;
  h.run(build(fin));
  CHECK(h.flow_entries() == 0);
  auto udp = udp6(0);  // empty UDP datagram: creates its flow (initiator known), no sample
  h.run(build(udp));
  CHECK(h.flow_entries() == 1);
  CHECK(h.records().empty());
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_NO_PAYLOAD, 3}});
}

TEST_CASE("payload longer than snap_len: cap_len = snap_len, payload_len = original") {
  Harness h;
  const auto spec = tcp4(1400);
  h.run(build(spec));
  REQUIRE(h.records().size() == 1);
  CHECK(h.records()[0].header.payload_len == 1400);
  CHECK(h.records()[0].header.cap_len == PP_SNAP_DEFAULT);
  expect_one_sample(h, spec, kUnknown);
}

TEST_CASE("non-IP frames") {
  Harness h;
  h.run(arp_frame());
  auto lldp = tcp4();
  lldp.ethertype = 0x88cc;
  h.run(build(lldp));
  expect_only(h, PP_OUT_NON_IP, 2);
}

TEST_CASE("IP but neither TCP nor UDP") {
  Harness h;
  auto icmp = tcp4(0);
  icmp.l4 = kIcmp;
  icmp.payload = pattern(16);
  h.run(build(icmp));
  auto no_next = udp6(0);
  no_next.l4 = kNoNext;
  no_next.ipv6_ext = {{kDestOpts, 8}};
  h.run(build(no_next));
  expect_only(h, PP_OUT_OTHER_L4, 2);
}
