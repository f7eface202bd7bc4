// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The TC egress program through skb test runs: the parser and flow rules are the XDP program's
// (one source, two hooks), so every frame shape gives the same outcome and the same sample on
// either hook, apart from the egress flag; and the two hooks share one flow table, so a flow
// the host opened (egress) and its reply (ingress) are one entry with one initiator.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "harness.h"

using namespace pp_test;
using protoport::loader::Counters;
using protoport::loader::Program;
using protoport::loader::RingReader;
using protoport::loader::Settings;

namespace {

constexpr std::uint32_t kTcUnspec = static_cast<std::uint32_t>(-1);  // TCX_NEXT

// A program with both hooks loaded, and every record it emits.
struct BothHooks {
  Program program;
  std::vector<Record> records;
  RingReader reader;
  BothHooks()
      : program(with_egress()),
        reader(program, [this](const pp_sample& h, std::span<const std::uint8_t> payload) {
          records.push_back(Record{{payload.begin(), payload.end()}, h});
        }) {}
  static Settings with_egress() {
    Settings s;
    s.egress = true;
    return s;
  }
  void ingress(const std::vector<std::uint8_t>& frame) {
    REQUIRE(program.test_run(frame).retval == 2);  // XDP_PASS
    reader.consume();
  }
  void egress(const std::vector<std::uint8_t>& frame) {
    REQUIRE(program.test_run_egress(frame).retval == kTcUnspec);
    reader.consume();
  }
};

std::vector<PacketSpec> shapes() {
  std::vector<PacketSpec> v;
  PacketSpec tcp;
  tcp.payload = pattern(100);
  v.push_back(tcp);
  PacketSpec udp = tcp;
  udp.l4 = kUdp;
  v.push_back(udp);
  PacketSpec vlan = tcp;
  vlan.vlan_tpids = {0x88a8, 0x8100};
  v.push_back(vlan);
  PacketSpec opts = udp;
  opts.ipv4_options_len = 12;
  v.push_back(opts);
  PacketSpec v6;
  v6.family = 6;
  v6.src = "2001:db8::1";
  v6.dst = "2001:db8::2";
  v6.payload = pattern(300);
  v6.ipv6_ext = {{kHopByHop, 8}, {kDestOpts, 16}, {kRouting, 24}};  // past the inline path
  v.push_back(v6);
  PacketSpec first_frag = udp;
  first_frag.ipv4_frag_field = 0x2000;  // MF: a first fragment
  v.push_back(first_frag);
  PacketSpec bad_doff = tcp;
  bad_doff.doff = 4;
  v.push_back(bad_doff);
  PacketSpec icmp = tcp;
  icmp.l4 = 1;
  v.push_back(icmp);
  PacketSpec syn = tcp;
  syn.tcp_flags = kSyn;
  syn.payload.clear();
  v.push_back(syn);
  return v;
}

void same_sample(const Record& in, const Record& out) {
  CHECK((out.header.flags & PP_SAMPLE_F_EGRESS) != 0);
  CHECK((in.header.flags & PP_SAMPLE_F_EGRESS) == 0);
  CHECK((in.header.flags | PP_SAMPLE_F_EGRESS) == out.header.flags);
  CHECK(std::memcmp(in.header.saddr, out.header.saddr, 16) == 0);
  CHECK(std::memcmp(in.header.daddr, out.header.daddr, 16) == 0);
  CHECK(in.header.sport == out.header.sport);
  CHECK(in.header.dport == out.header.dport);
  CHECK(in.header.proto == out.header.proto);
  CHECK(in.header.dir == out.header.dir);
  CHECK(in.header.payload_len == out.header.payload_len);
  CHECK(in.header.tcp_seq == out.header.tcp_seq);
  CHECK(in.header.frag_off == out.header.frag_off);
  CHECK(in.header.frag_len == out.header.frag_len);
  CHECK(in.payload == out.payload);
}

}  // namespace

TEST_CASE("every frame shape: the same outcome and sample on either hook, in its own counters") {
  for (const auto& spec : shapes()) {
    const auto frame = build(spec).bytes;
    BothHooks xdp, tc;  // fresh tables each: the shape alone decides
    xdp.ingress(frame);
    tc.egress(frame);
    const Counters in = xdp.program.read_counters(PP_HOOK_INGRESS);
    const Counters out = tc.program.read_counters(PP_HOOK_EGRESS);
    CAPTURE(spec.family);
    CAPTURE(static_cast<int>(spec.l4));
    for (int i = 0; i < PP_CNT_MAX; ++i) {
      CAPTURE(i);
      CHECK(in.values[i] == out.values[i]);
    }
    // Each hook counts in its own slot only.
    CHECK(xdp.program.read_counters(PP_HOOK_EGRESS)[PP_CNT_PACKETS] == 0);
    CHECK(tc.program.read_counters(PP_HOOK_INGRESS)[PP_CNT_PACKETS] == 0);
    REQUIRE(xdp.records.size() == tc.records.size());
    for (std::size_t i = 0; i < xdp.records.size(); ++i) same_sample(xdp.records[i], tc.records[i]);
  }
}

TEST_CASE("a query the host sends and its reply are one flow: egress names the initiator") {
  BothHooks h;
  PacketSpec query;
  query.l4 = kUdp;
  query.src = "192.0.2.1";  // the host
  query.dst = "198.51.100.9";
  query.sport = 41000;
  query.dport = 5300;
  query.payload = pattern(40);
  PacketSpec reply = query;
  std::swap(reply.src, reply.dst);
  std::swap(reply.sport, reply.dport);
  h.egress(build(query).bytes);
  h.ingress(build(reply).bytes);
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].header.dir == PP_DIR_TO_RESP);
  CHECK(h.records[1].header.dir == PP_DIR_TO_INIT);
  CHECK(h.records[0].header.flow_ns == h.records[1].header.flow_ns);  // one entry
  CHECK(h.program.flow_count() == 1);
  const Counters total = h.program.read_counters();
  CHECK(total[PP_CNT_FLOWS_CREATED] == 1);
  CHECK(total[PP_OUT_SAMPLED] == 2);
  CHECK(total[PP_CNT_PACKETS] == 2);
}

TEST_CASE("a TCP connection the host opens: SYN out, SYN+ACK in, data both ways, one entry") {
  BothHooks h;
  PacketSpec syn;
  syn.src = "192.0.2.1";
  syn.dst = "198.51.100.9";
  syn.sport = 42000;
  syn.dport = 8081;
  syn.tcp_flags = kSyn;
  syn.tcp_seq = 100;
  PacketSpec synack = syn;
  std::swap(synack.src, synack.dst);
  std::swap(synack.sport, synack.dport);
  synack.tcp_flags = kSyn | kAck;
  synack.tcp_seq = 5000;
  PacketSpec request = syn;
  request.tcp_flags = kAck | kPsh;
  request.tcp_seq = 101;
  request.payload = pattern(80, 'G');
  PacketSpec response = synack;
  response.tcp_flags = kAck | kPsh;
  response.tcp_seq = 5001;
  response.payload = pattern(90, 'H');
  h.egress(build(syn).bytes);
  h.ingress(build(synack).bytes);
  h.egress(build(request).bytes);
  h.ingress(build(response).bytes);
  REQUIRE(h.records.size() == 2);
  CHECK(h.records[0].header.dir == PP_DIR_TO_RESP);
  CHECK((h.records[0].header.flags & PP_SAMPLE_F_TCP_START) != 0);
  CHECK(h.records[0].header.tcp_start == 101);
  CHECK(h.records[1].header.dir == PP_DIR_TO_INIT);
  CHECK(h.records[1].header.tcp_start == 5001);
  CHECK(h.program.read_counters()[PP_CNT_FLOWS_CREATED] == 1);
}
