// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Multi-buffer frames: bpf_prog_test_run puts the first ~3,520 bytes of a larger frame in the
// linear area and the rest in page fragments (as native XDP does on a jumbo-MTU interface, and
// generic XDP with GRO/TSO aggregates). The program must take the IP length from the whole
// frame, read payload across fragments, and still find every header in the linear part.
#include <doctest/doctest.h>

#include "harness.h"

using namespace pp_test;

namespace {

// Larger than any linear area a test run gives (one page minus headroom and skb_shared_info).
constexpr std::size_t kPage = 4096;

PacketSpec big_tcp4(std::size_t payload) {
  PacketSpec s;
  s.payload = pattern(payload);
  return s;
}

protoport::loader::Settings max_snap() {
  protoport::loader::Settings s;
  s.snap_len = PP_SNAP_MAX;
  return s;
}

}  // namespace

TEST_CASE("IPv4 TCP jumbo frame (fast path): sampled, full payload length, all bytes counted") {
  Harness h(max_snap());
  const auto spec = big_tcp4(9000);
  const auto frame = build(spec);
  REQUIRE(frame.bytes.size() > kPage);
  h.run(frame);
  REQUIRE(h.records().size() == 1);
  expect_sample(h.records()[0], spec, PP_DIR_UNKNOWN, 0, PP_SNAP_MAX);
  CHECK(h.records()[0].header.payload_len == 9000);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}});  // bytes: whole frame
}

TEST_CASE("GRO-sized frames: IPv6 UDP and IPv4 TCP with options (general parser)") {
  Harness h(max_snap());
  PacketSpec udp;
  udp.family = 6;
  udp.src = "2001:db8::1";
  udp.dst = "2001:db8::2";
  udp.l4 = kUdp;
  udp.payload = pattern(60000, 'a');
  h.run(build(udp));
  auto opts = big_tcp4(20000);
  opts.ipv4_options_len = 8;
  opts.tcp_options_len = 12;
  opts.sport = 40001;
  h.run(build(opts));
  REQUIRE(h.records().size() == 2);
  expect_sample(h.records()[0], udp, PP_DIR_TO_RESP, 0, PP_SNAP_MAX);
  expect_sample(h.records()[1], opts, PP_DIR_UNKNOWN, 0, PP_SNAP_MAX);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 2}, {PP_OUT_SAMPLED, 2}});
}

TEST_CASE("payload that starts in the fragments is read across them") {
  // IPv6 with 3,432 bytes of extension headers: the TCP header ends at byte 3,506 (linear),
  // its options and the payload lie beyond the linear area.
  Harness h(max_snap());
  PacketSpec spec;
  spec.family = 6;
  spec.src = "2001:db8::1";
  spec.dst = "2001:db8::2";
  spec.ipv6_ext = {{kHopByHop, 2048}, {kDestOpts, 1384}};
  spec.tcp_options_len = 40;
  spec.payload = pattern(3000, 'k');
  const auto frame = build(spec);
  REQUIRE(frame.payload_off > 3520);
  h.run(frame);
  REQUIRE(h.records().size() == 1);
  expect_sample(h.records()[0], spec, PP_DIR_UNKNOWN, 0, PP_SNAP_MAX);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}});
}

TEST_CASE("multi-buffer frames that lie or hide headers in fragments are malformed") {
  Harness h;
  auto longer = big_tcp4(6000);  // one byte more than the whole frame holds
  longer.ip_len = 20 + 20 + 6001;
  h.run(build(longer));
  auto udp_longer = big_tcp4(6000);
  udp_longer.l4 = kUdp;
  udp_longer.udp_len = 8 + 6001;
  h.run(build(udp_longer));
  PacketSpec hidden;  // the TCP header starts past the first page: never in the linear part
  hidden.family = 6;
  hidden.src = "2001:db8::1";
  hidden.dst = "2001:db8::2";
  hidden.ipv6_ext = {{kHopByHop, 2048}, {kDestOpts, 2048}};
  hidden.payload = pattern(100);
  const auto frame = build(hidden);
  REQUIRE(frame.l4_off > kPage);
  h.run(frame);
  CHECK(h.records().empty());
  CHECK(h.flow_entries() == 0);
  h.expect_counters({{PP_OUT_MALFORMED, 3}});
}

TEST_CASE("a jumbo non-IP frame is counted with all its bytes") {
  Harness h;
  auto spec = big_tcp4(8000);
  spec.ethertype = 0x88b5;  // local experimental ethertype
  h.run(build(spec));
  CHECK(h.records().empty());
  h.expect_counters({{PP_OUT_NON_IP, 1}});
}
