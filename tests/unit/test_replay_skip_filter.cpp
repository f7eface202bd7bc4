// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Replay's skip filter: the frame preview mirrors the XDP program's parser, and a frame is left
// out only when the program would not act on it. (That the two agree on real captures, frame by
// frame against the kernel's counters, is `replay_fastpath check`, which needs root.)
#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <vector>

#include "protoport/parse_limits.h"
#include "replay/capture_sequence.h"
#include "replay/frame_feed.h"
#include "replay/skip_filter.h"
#include "replay_test_util.h"

using namespace protoport::replay;
using protoport::SamplingRule;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr std::uint8_t kTcp = 6, kUdp = 17, kIcmp = 1, kIcmp6 = 58;
constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;

void put16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

// One Ethernet frame, built field by field; defaults: IPv4 TCP 10.0.0.1:40000 -> 10.0.0.2:80.
struct Pkt {
  std::vector<std::uint16_t> vlan_types;  // TPIDs of the VLAN tags, outermost first
  std::uint16_t ether_type = 0;           // 0: from `ip`
  int ip = 4;
  std::array<std::uint8_t, 4> src4{10, 0, 0, 1}, dst4{10, 0, 0, 2};
  std::uint8_t src6_last = 1, dst6_last = 2;  // 2001:db8::N
  std::uint8_t l4 = kTcp;
  std::uint16_t sport = 40000, dport = 80;
  std::uint8_t flags = kPsh | kAck;
  std::uint32_t seq = 0;  // TCP sequence number
  std::size_t payload = 0;
  std::uint16_t frag_off = 0;      // IPv4 flags+offset field
  std::uint16_t ip_id = 0;         // IPv4 identification
  std::uint8_t ihl = 5, doff = 5;  // header lengths in 4-byte words
  int ip_len_delta = 0;            // added to the IP length field (to lie about it)
  int udp_len_delta = 0;
  std::size_t padding = 0;         // Ethernet padding after the IP datagram
  Bytes v6_ext;                    // IPv6 extension headers, their next-header chain given
  std::uint8_t v6_first_next = 0;  // next header after the fixed IPv6 header if v6_ext is set

  Bytes build() const {
    Bytes l4h;
    if (l4 == kTcp) {
      l4h.assign(doff * 4u, 0);
      put16(l4h, 0, sport);
      put16(l4h, 2, dport);
      l4h[12] = static_cast<std::uint8_t>(doff << 4);
      l4h[13] = flags;
      for (int i = 0; i < 4; ++i) l4h[4 + i] = static_cast<std::uint8_t>(seq >> (24 - 8 * i));
    } else if (l4 == kUdp) {
      l4h.assign(8, 0);
      put16(l4h, 0, sport);
      put16(l4h, 2, dport);
      put16(l4h, 4, static_cast<std::uint16_t>(8 + payload + udp_len_delta));
    } else {
      l4h.assign(8, 0);  // ICMP echo
    }
    l4h.insert(l4h.end(), payload, 'x');
    Bytes iph;
    if (ip == 4) {
      iph.assign(ihl * 4u, 0);
      iph[0] = static_cast<std::uint8_t>(0x40 | ihl);
      put16(iph, 2, static_cast<std::uint16_t>(iph.size() + l4h.size() + ip_len_delta));
      put16(iph, 4, ip_id);
      put16(iph, 6, frag_off);
      iph[8] = 64;
      iph[9] = l4;
      std::copy(src4.begin(), src4.end(), iph.begin() + 12);
      std::copy(dst4.begin(), dst4.end(), iph.begin() + 16);
    } else {
      iph.assign(40, 0);
      iph[0] = 0x60;
      put16(iph, 4, static_cast<std::uint16_t>(v6_ext.size() + l4h.size() + ip_len_delta));
      iph[6] = v6_ext.empty() ? l4 : v6_first_next;
      iph[7] = 64;
      for (std::size_t base : {8u, 24u})
        iph[base] = 0x20, iph[base + 1] = 0x01, iph[base + 2] = 0x0d, iph[base + 3] = 0xb8;
      iph[23] = src6_last;
      iph[39] = dst6_last;
      iph.insert(iph.end(), v6_ext.begin(), v6_ext.end());
    }
    Bytes f(12, 0);
    for (std::uint16_t tpid : vlan_types) {
      f.push_back(static_cast<std::uint8_t>(tpid >> 8));
      f.push_back(static_cast<std::uint8_t>(tpid));
      f.push_back(0);
      f.push_back(7);  // TCI: VLAN 7
    }
    const std::uint16_t type = ether_type != 0 ? ether_type : (ip == 4 ? 0x0800 : 0x86DD);
    f.push_back(static_cast<std::uint8_t>(type >> 8));
    f.push_back(static_cast<std::uint8_t>(type));
    f.insert(f.end(), iph.begin(), iph.end());
    f.insert(f.end(), l4h.begin(), l4h.end());
    f.insert(f.end(), padding, 0);
    return f;
  }
  Pkt reversed() const {
    Pkt r = *this;
    std::swap(r.src4, r.dst4);
    std::swap(r.src6_last, r.dst6_last);
    std::swap(r.sport, r.dport);
    return r;
  }
};

// The sample the program would emit for a packet sent by `p`'s source.
pp_sample sample_of(const Pkt& p, std::uint8_t seq) {
  pp_sample s{};
  if (p.ip == 4) {
    s.saddr[10] = s.saddr[11] = s.daddr[10] = s.daddr[11] = 0xff;
    std::copy(p.src4.begin(), p.src4.end(), s.saddr + 12);
    std::copy(p.dst4.begin(), p.dst4.end(), s.daddr + 12);
    s.family = PP_FAMILY_V4;
  } else {
    for (auto* a : {s.saddr, s.daddr}) a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = 0xb8;
    s.saddr[15] = p.src6_last;
    s.daddr[15] = p.dst6_last;
    s.family = PP_FAMILY_V6;
  }
  s.sport = p.sport;
  s.dport = p.dport;
  s.proto = p.l4;
  s.seq = seq;
  s.payload_len = static_cast<std::uint32_t>(p.payload);
  return s;
}

// The program's rule with samples_per_dir only (opening_bytes off).
SamplingRule only(std::uint32_t samples_per_dir) { return {samples_per_dir, 0, samples_per_dir}; }

FrameKind kind_of(const Pkt& p) { return preview_frame(p.build()).kind; }

std::uint64_t lru_reserve() {
  const long cpus = sysconf(_SC_NPROCESSORS_CONF);
  return 128u * (static_cast<std::uint64_t>(cpus > 0 ? cpus : 1) + 1);
}

}  // namespace

TEST_CASE("preview: what the program does without touching a map") {
  Pkt arp;
  arp.ether_type = 0x0806;
  CHECK(kind_of(arp) == FrameKind::non_ip);
  arp.vlan_types = {0x8100};
  CHECK(kind_of(arp) == FrameKind::non_ip);

  Pkt ack;  // TCP ACK, no payload
  ack.flags = kAck;
  CHECK(kind_of(ack) == FrameKind::tcp_no_payload);
  ack.padding = 6;  // Ethernet padding is not payload: the IP length says where data ends
  CHECK(kind_of(ack) == FrameKind::tcp_no_payload);
  Pkt fin;
  fin.flags = kFin | kAck;
  CHECK(kind_of(fin) == FrameKind::tcp_no_payload);

  Pkt frag;
  frag.l4 = kUdp;
  frag.frag_off = 185;  // offset 1480 bytes: the program looks its datagram up in pp_frags
  CHECK(kind_of(frag) == FrameKind::later_fragment);
  frag.l4 = kIcmp;  // not TCP/UDP: only counted
  CHECK(kind_of(frag) == FrameKind::fragment);

  Pkt icmp;
  icmp.l4 = kIcmp;
  CHECK(kind_of(icmp) == FrameKind::other_l4);
  Pkt icmp6;
  icmp6.ip = 6;
  icmp6.l4 = kIcmp6;
  CHECK(kind_of(icmp6) == FrameKind::other_l4);
}

TEST_CASE("preview: VLAN tags as deep as the program goes") {
  Pkt p;
  p.payload = 10;
  p.vlan_types = {0x88A8, 0x8100};
  CHECK(kind_of(p) == FrameKind::flow);
  p.vlan_types = {0x88A8, 0x8100, 0x8100};  // a third tag: the program stops and sees non-IP
  CHECK(kind_of(p) == FrameKind::non_ip);
}

TEST_CASE("preview: TCP/UDP frames the program looks up") {
  Pkt syn;
  syn.flags = kSyn;
  auto v = preview_frame(syn.build());
  CHECK(v.kind == FrameKind::flow);
  CHECK(v.syn);
  CHECK_FALSE(v.has_payload);

  Pkt synack = syn.reversed();
  synack.flags = kSyn | kAck;
  v = preview_frame(synack.build());
  CHECK(v.kind == FrameKind::flow);
  CHECK(v.syn);  // a SYN+ACK may restart the flow too

  Pkt ack = syn;
  ack.flags = kAck;
  ack.payload = 1;
  v = preview_frame(ack.build());
  CHECK(v.kind == FrameKind::flow);
  CHECK_FALSE(v.syn);

  Pkt data;
  data.payload = 100;
  data.doff = 8;  // TCP options
  data.ihl = 6;   // IPv4 options
  v = preview_frame(data.build());
  CHECK(v.kind == FrameKind::flow);
  CHECK(v.has_payload);
  CHECK(v.has_key);

  Pkt empty_udp;
  empty_udp.l4 = kUdp;
  v = preview_frame(empty_udp.build());
  CHECK(v.kind == FrameKind::flow);  // UDP without payload is still looked up (and may create)
  CHECK_FALSE(v.has_payload);

  Pkt first_frag;  // UDP length covers the whole datagram, more than this fragment
  first_frag.l4 = kUdp;
  first_frag.payload = 100;
  first_frag.udp_len_delta = 1000;
  first_frag.frag_off = 0x2000;
  v = preview_frame(first_frag.build());
  CHECK(v.kind == FrameKind::run);  // it writes pp_frags whatever its flow's state: run
  CHECK(v.has_key);
  CHECK(v.has_payload);
}

TEST_CASE("preview: IPv6 extension headers are walked like the program does") {
  Pkt p;
  p.ip = 6;
  p.payload = 20;
  p.v6_first_next = 0;                     // hop-by-hop ...
  p.v6_ext = {60,   0, 1, 4, 0, 0, 0, 0,   // ... -> destination options ...
              kTcp, 0, 1, 4, 0, 0, 0, 0};  // ... -> TCP
  auto v = preview_frame(p.build());
  CHECK(v.kind == FrameKind::flow);
  CHECK(v.has_payload);

  Pkt frag = p;
  frag.v6_first_next = 44;
  frag.v6_ext = {kTcp, 0, 0x05, 0x68, 0, 0, 0, 1};  // fragment at offset 173 * 8
  const auto fv = preview_frame(frag.build());
  CHECK(fv.kind == FrameKind::later_fragment);
  CHECK(fv.later_fragment);
  CHECK(fv.datagram().id == 1);
  CHECK(fv.datagram().proto == kTcp);
  CHECK(fv.datagram().addr[0][15] == 1);  // packet order: source first
  // The fragment header must end inside the datagram, as the program checks.
  frag.ip_len_delta = -static_cast<int>(frag.build().size() - 14 - 40 - 4);
  CHECK(kind_of(frag) == FrameKind::run);
}

TEST_CASE("preview: whatever the program would call malformed is run") {
  Pkt p;
  p.payload = 20;
  Pkt longer = p;
  longer.ip_len_delta = 1;  // claims a byte more than the frame has
  CHECK(kind_of(longer) == FrameKind::run);
  Pkt short_ihl = p;
  short_ihl.ihl = 4;
  CHECK(kind_of(short_ihl) == FrameKind::run);
  Pkt short_doff = p;
  short_doff.doff = 4;
  CHECK(kind_of(short_doff) == FrameKind::run);
  Pkt bad_udp = p;
  bad_udp.l4 = kUdp;
  bad_udp.udp_len_delta = -1;
  bad_udp.payload = 0;  // UDP length 7
  CHECK(kind_of(bad_udp) == FrameKind::run);
  CHECK(preview_frame(Bytes(13, 0)).kind == FrameKind::run);
}

TEST_CASE("preview: frames longer than test_run's linear data say where headers and IP end") {
  Pkt big;
  big.payload = kTestRunLinearMax;  // well past the linear part (a GRO/TSO aggregate)
  const auto v = preview_frame(big.build());
  CHECK(v.kind == FrameKind::flow);  // as if whole: SkipFilter::decide() holds it to the limit
  CHECK(v.has_key);
  CHECK(v.headers_end == 14 + 20 + 20);
  CHECK(v.ip_end == big.build().size());
  Pkt big_ack;
  big_ack.flags = kAck;
  big_ack.padding = kTestRunLinearMax;
  const auto a = preview_frame(big_ack.build());
  CHECK(a.kind == FrameKind::tcp_no_payload);
  CHECK(a.ip_end == 14 + 20 + 20);  // the padding is not the datagram's
}

TEST_CASE("preview: both directions share one key, with different senders") {
  Pkt ab;
  ab.payload = 5;
  const auto a = preview_frame(ab.build());
  const auto b = preview_frame(ab.reversed().build());
  CHECK(a.key == b.key);
  CHECK(a.sender != b.sender);
  Pkt other = ab;
  other.sport = 40001;
  CHECK_FALSE(preview_frame(other.build()).key == a.key);
}

TEST_CASE("filter: stateless frames are skipped and counted as the program would count them") {
  SkipFilter filter(only(2), PP_FLOWS_DEFAULT);
  Pkt ack;
  ack.flags = kAck;
  const Bytes f = ack.build();
  CHECK(filter.decide(f) == PP_OUT_NO_PAYLOAD);
  Pkt icmp;
  icmp.l4 = kIcmp;
  const Bytes g = icmp.build();
  CHECK(filter.decide(g) == PP_OUT_OTHER_L4);
  const auto& c = filter.skipped_counters();
  CHECK(c[PP_CNT_PACKETS] == 2);
  CHECK(c[PP_CNT_BYTES] == f.size() + g.size());
  CHECK(c[PP_OUT_NO_PAYLOAD] == 1);
  CHECK(c[PP_OUT_OTHER_L4] == 1);
  CHECK(c[PP_OUT_SAMPLED] == 0);
}

TEST_CASE("filter: a direction is skipped only after the program emitted all its samples") {
  SkipFilter filter(only(2), PP_FLOWS_DEFAULT);
  Pkt req;
  req.l4 = kUdp;
  req.dport = 53;
  req.payload = 30;
  const Bytes q = req.build();
  const Bytes r = req.reversed().build();

  CHECK_FALSE(filter.decide(q));  // first query: runs, the program samples it (seq 0)
  filter.on_sample(sample_of(req, 0));
  CHECK_FALSE(filter.decide(q));  // one sample is not all of them
  filter.on_sample(sample_of(req, 1));
  CHECK(filter.decide(q) == PP_OUT_ALREADY_SAMPLED);
  CHECK_FALSE(filter.decide(r));  // the other direction has not been sampled yet

  Pkt empty = req;
  empty.payload = 0;
  CHECK(filter.decide(empty.build()) == PP_OUT_NO_PAYLOAD);  // looked up, then no payload
  CHECK(filter.skipped_counters()[PP_OUT_ALREADY_SAMPLED] == 1);
  CHECK(filter.flows_tracked() == 1);
}

TEST_CASE("filter: one sample per direction when the program takes one") {
  SkipFilter filter(only(1), PP_FLOWS_DEFAULT);
  Pkt p;
  p.ip = 6;
  p.payload = 10;
  CHECK_FALSE(filter.decide(p.build()));
  filter.on_sample(sample_of(p, 0));
  CHECK(filter.decide(p.build()) == PP_OUT_ALREADY_SAMPLED);
}

TEST_CASE("filter: a SYN may restart the flow, so it runs and the flow is learnt again") {
  SkipFilter filter(only(2), PP_FLOWS_DEFAULT);
  Pkt data;
  data.payload = 50;
  filter.on_sample(sample_of(data, 0));
  filter.on_sample(sample_of(data, 1));
  REQUIRE(filter.decide(data.build()) == PP_OUT_ALREADY_SAMPLED);

  Pkt syn = data;  // same 5-tuple, new connection
  syn.payload = 0;
  syn.flags = kSyn;
  CHECK_FALSE(filter.decide(syn.build()));
  CHECK_FALSE(filter.decide(data.build()));  // the restarted flow samples this one again

  // A SYN+ACK restarts a flow that carried data too (the program: a new connection reuses the
  // tuple, seen from the client's side), even one sent by a direction known complete.
  filter.on_sample(sample_of(data, 0));
  filter.on_sample(sample_of(data, 1));
  REQUIRE(filter.decide(data.build()) == PP_OUT_ALREADY_SAMPLED);
  Pkt synack = data;  // from the complete direction
  synack.payload = 0;
  synack.flags = kSyn | kAck;
  CHECK_FALSE(filter.decide(synack.build()));
  CHECK_FALSE(filter.decide(data.build()));
  filter.on_sample(sample_of(data, 0));
  filter.on_sample(sample_of(data, 1));
  CHECK(filter.decide(data.build()) == PP_OUT_ALREADY_SAMPLED);
  CHECK_FALSE(filter.decide(synack.reversed().build()));  // from the other direction
  CHECK_FALSE(filter.decide(data.build()));
}

TEST_CASE("filter: a retransmitted SYN or SYN+ACK leaves the entry alone") {
  // Run payload-less, a SYN or SYN+ACK leaves the program's entry with its initiator, its
  // sender's stream start and no samples; another one from the same sender with the same number,
  // naming the same initiator, is then only looked up (no payload). The first SYN+ACK after a
  // SYN is run: the program notes where the responder's stream starts.
  Pkt syn;
  syn.flags = kSyn;
  Pkt synack = syn.reversed();
  synack.flags = kSyn | kAck;
  Pkt data;
  data.payload = 50;
  {
    SkipFilter filter(only(2), PP_FLOWS_DEFAULT);
    CHECK_FALSE(filter.decide(syn.build()));                    // creates the entry
    CHECK(filter.decide(syn.build()) == PP_OUT_NO_PAYLOAD);     // retransmitted
    CHECK_FALSE(filter.decide(synack.build()));                 // the server's answer: its start
    CHECK(filter.decide(synack.build()) == PP_OUT_NO_PAYLOAD);  // retransmitted
    CHECK(filter.decide(syn.build()) == PP_OUT_NO_PAYLOAD);     // both starts known
    Pkt other_isn = syn;  // a SYN with another number moves the client's start: run
    other_isn.seq = 1000;
    CHECK_FALSE(filter.decide(other_isn.build()));
    CHECK(filter.decide(other_isn.build()) == PP_OUT_NO_PAYLOAD);
    CHECK_FALSE(filter.decide(data.build()));  // data: sampled
    filter.on_sample(sample_of(data, 0));
    CHECK_FALSE(filter.decide(synack.build()));  // the entry has a sample: the program restarts it
    CHECK(filter.decide(synack.build()) == PP_OUT_NO_PAYLOAD);  // ...and it is fresh again
    CHECK(filter.skipped_counters()[PP_OUT_NO_PAYLOAD] == 5);
    CHECK(filter.skipped_frames() == 5);
  }
  {
    SkipFilter filter(only(2), PP_FLOWS_DEFAULT);
    CHECK_FALSE(filter.decide(syn.build()));
    Pkt wrong_way = syn;  // a SYN+ACK from the SYN's sender names the other initiator
    wrong_way.flags = kSyn | kAck;
    CHECK_FALSE(filter.decide(wrong_way.build()));
    CHECK_FALSE(filter.decide(syn.build()));  // and this one names the first again: restart
    CHECK_FALSE(filter.decide(synack.build()));  // the responder's start, in the new entry
    CHECK(filter.decide(synack.build()) == PP_OUT_NO_PAYLOAD);
  }
  {
    SkipFilter filter(only(2), PP_FLOWS_DEFAULT);  // the client's side: its SYN never seen
    CHECK_FALSE(filter.decide(synack.build()));
    CHECK(filter.decide(synack.build()) == PP_OUT_NO_PAYLOAD);
    CHECK_FALSE(filter.decide(syn.build()));  // a late SYN, same initiator: the client's start
    CHECK(filter.decide(syn.build()) == PP_OUT_NO_PAYLOAD);
  }
  {
    SkipFilter filter(only(2), PP_FLOWS_DEFAULT);
    Pkt tfo = syn;  // a SYN with data is sampled: nothing is known after it
    tfo.payload = 20;
    CHECK_FALSE(filter.decide(tfo.build()));
    CHECK_FALSE(filter.decide(synack.build()));
    Pkt big = syn;  // longer than test_run's linear data: run, and nothing is learnt either
    big.payload = kTestRunLinearMax;
    filter.clear();
    CHECK_FALSE(filter.decide(big.build()));
    CHECK_FALSE(filter.decide(synack.build()));
    filter.clear();  // clear() forgets it
    CHECK_FALSE(filter.decide(synack.build()));
  }
  {
    SkipFilter filter(only(2), PP_FLOWS_DEFAULT);  // IPv6 too
    Pkt syn6 = syn;
    syn6.ip = 6;
    Pkt synack6 = syn6.reversed();
    synack6.flags = kSyn | kAck;
    CHECK_FALSE(filter.decide(syn6.build()));
    CHECK_FALSE(filter.decide(synack6.build()));
    CHECK(filter.decide(synack6.build()) == PP_OUT_NO_PAYLOAD);
  }
}

TEST_CASE("filter: a SYN longer than test_run's linear data still resets the flow") {
  SkipFilter filter(only(2), PP_FLOWS_DEFAULT);
  Pkt data;
  data.payload = 50;
  filter.on_sample(sample_of(data, 0));
  filter.on_sample(sample_of(data, 1));
  Pkt big_syn = data;
  big_syn.flags = kSyn;
  big_syn.payload = kTestRunLinearMax;
  CHECK_FALSE(filter.decide(big_syn.build()));
  CHECK_FALSE(filter.decide(data.build()));
}

TEST_CASE("filter: clear() forgets every flow") {
  SkipFilter filter(only(2), PP_FLOWS_DEFAULT);
  Pkt data;
  data.payload = 50;
  filter.on_sample(sample_of(data, 0));
  filter.on_sample(sample_of(data, 1));
  REQUIRE(filter.decide(data.build()));
  filter.clear();
  CHECK_FALSE(filter.decide(data.build()));
  CHECK(filter.flows_tracked() == 1);
}

TEST_CASE("filter: flow skipping stops before the LRU flow table could evict") {
  SkipFilter filter(only(1), static_cast<std::uint32_t>(lru_reserve() + 2));
  Pkt a;
  a.payload = 10;
  Pkt b = a;
  b.sport = 2;
  Pkt c = a;
  c.sport = 3;
  CHECK_FALSE(filter.decide(a.build()));
  filter.on_sample(sample_of(a, 0));
  CHECK_FALSE(filter.decide(b.build()));
  CHECK(filter.decide(a.build()) == PP_OUT_ALREADY_SAMPLED);
  CHECK(filter.flow_skipping());
  CHECK_FALSE(filter.decide(c.build()));  // a third flow: the table might now evict
  CHECK_FALSE(filter.flow_skipping());
  CHECK_FALSE(filter.decide(a.build()));  // so lookups are no longer left out
  Pkt ack;
  ack.flags = kAck;
  CHECK(filter.decide(ack.build()) == PP_OUT_NO_PAYLOAD);  // stateless frames still are

  SkipFilter tiny(only(2), static_cast<std::uint32_t>(lru_reserve()));
  CHECK_FALSE(tiny.flow_skipping());
  filter.clear();
  CHECK(filter.flow_skipping());
}

// ---- The limits shared with the program (parse_limits.h) and those measured at start ----------

TEST_CASE("preview: PP_VLAN_MAX tags are parsed, one more is not") {
  Pkt p;
  p.payload = 10;
  p.vlan_types.assign(PP_VLAN_MAX, PP_ETH_P_8021Q);
  CHECK(kind_of(p) == FrameKind::flow);
  p.vlan_types.push_back(PP_ETH_P_8021AD);
  CHECK(kind_of(p) == FrameKind::non_ip);
}

TEST_CASE("preview: the IPv6 walk goes as far as the program's") {
  // n destination-options headers of 8 bytes, then TCP.
  auto chain = [](int n) {
    Pkt p;
    p.ip = 6;
    p.payload = 20;
    p.v6_first_next = PP_NEXTHDR_DEST;
    for (int i = 0; i < n; ++i) {
      const std::uint8_t next = i + 1 < n ? PP_NEXTHDR_DEST : kTcp;
      p.v6_ext.insert(p.v6_ext.end(), {next, 0, 1, 4, 0, 0, 0, 0});
    }
    return p;
  };
  // The limit lies past what a page of linear data holds: every chain that fits is walked.
  for (int n : {8, 9, 12, 20, 400})
    CHECK(kind_of(chain(n)) == FrameKind::flow);
  CHECK(kind_of(chain(PP_IPV6_EXT_MAX)) == FrameKind::run);  // still in the chain: malformed
}

TEST_CASE("filter: frames longer than the measured test_run linear data are run") {
  const std::uint64_t reserve = 384;
  SkipFilter filter(only(2), PP_FLOWS_DEFAULT, kTestRunLinearFloor, reserve);
  Pkt ack;
  ack.flags = kAck;
  Pkt at_limit = ack;  // padded to exactly the limit: the program sees it whole
  at_limit.padding = kTestRunLinearFloor - ack.build().size();
  REQUIRE(at_limit.build().size() == kTestRunLinearFloor);
  CHECK(filter.decide(at_limit.build()) == PP_OUT_NO_PAYLOAD);
  Pkt past = at_limit;  // one byte more: shorter than kTestRunLinearMax, yet not whole here
  past.padding += 1;
  REQUIRE(past.build().size() < kTestRunLinearMax);
  CHECK(preview_frame(past.build()).kind == FrameKind::tcp_no_payload);
  CHECK_FALSE(filter.decide(past.build()));
  Pkt arp = ack;  // not IP: the program counts every byte of it, fragments included
  arp.ether_type = 0x0806;
  arp.padding = kTestRunLinearFloor;
  CHECK(filter.decide(arp.build()) == PP_OUT_NON_IP);

  Pkt data;  // a complete direction: a long frame of it is left out when its headers are in
  data.payload = 50;  // the linear part and its IP datagram runs past it (every byte counted)
  filter.on_sample(sample_of(data, 0));
  filter.on_sample(sample_of(data, 1));
  CHECK(filter.decide(data.build()) == PP_OUT_ALREADY_SAMPLED);
  Pkt big = data;
  big.payload = kTestRunLinearFloor;
  CHECK(filter.decide(big.build()) == PP_OUT_ALREADY_SAMPLED);
  Pkt deep = big;  // IPv6 whose extension headers end past the linear part: run
  deep.ip = 6;
  deep.v6_first_next = 60;  // two destination-options headers of 2,048 bytes each
  deep.v6_ext.assign(4096, 0);
  deep.v6_ext[0] = 60;
  deep.v6_ext[1] = 255;
  deep.v6_ext[2048] = kTcp;
  deep.v6_ext[2049] = 255;
  const auto dv = preview_frame(deep.build());
  CHECK(dv.kind == FrameKind::flow);
  CHECK(dv.headers_end > kTestRunLinearFloor);
  CHECK_FALSE(filter.decide(deep.build()));

  // Against the same frames, the two-argument constructor assumes kTestRunLinearMax.
  SkipFilter assumed(only(2), PP_FLOWS_DEFAULT);
  CHECK(assumed.decide(past.build()) == PP_OUT_NO_PAYLOAD);
}

TEST_CASE("filter: an unmeasured linear limit (0) is the floor; less than the floor is refused") {
  SkipFilter unknown(only(2), PP_FLOWS_DEFAULT, 0, 384);
  Pkt ack;
  ack.flags = kAck;
  ack.padding = kTestRunLinearFloor + 1 - ack.build().size();
  CHECK_FALSE(unknown.decide(ack.build()));
  ack.padding -= 1;
  CHECK(unknown.decide(ack.build()) == PP_OUT_NO_PAYLOAD);
  CHECK_THROWS_AS(SkipFilter(only(2), PP_FLOWS_DEFAULT, kTestRunLinearFloor - 1, 384),
                  std::invalid_argument);
}

TEST_CASE("filter: flow skipping keeps the LRU reserve it is given") {
  const std::uint64_t reserve =
      1000;  // e.g. 128 free entries on each of 7 possible CPUs, plus one list
  SkipFilter filter(only(1), static_cast<std::uint32_t>(reserve + 2), kTestRunLinearMax, reserve);
  Pkt a;
  a.payload = 10;
  Pkt b = a;
  b.sport = 2;
  Pkt c = a;
  c.sport = 3;
  CHECK_FALSE(filter.decide(a.build()));
  filter.on_sample(sample_of(a, 0));
  CHECK_FALSE(filter.decide(b.build()));
  CHECK(filter.decide(a.build()) == PP_OUT_ALREADY_SAMPLED);
  CHECK_FALSE(filter.decide(c.build()));  // a third entry could be the one the LRU evicts for
  CHECK_FALSE(filter.flow_skipping());
  SkipFilter none(only(1), static_cast<std::uint32_t>(reserve), kTestRunLinearMax, reserve);
  CHECK_FALSE(none.flow_skipping());
}

TEST_CASE("feed: a stateless frame longer than the floor keeps its bytes, for the filter to run") {
  // FrameFeed previews on its own thread before the limit is measured: what the filter may
  // still run must travel with its bytes.
  test::TempDir dir;
  Pkt ack;
  ack.flags = kAck;
  Pkt small = ack, big = ack;
  big.padding = kTestRunLinearFloor + 1 - ack.build().size();
  REQUIRE(preview_frame(big.build()).kind == FrameKind::tcp_no_payload);
  test::write_capture(dir.file("a.pcap"), DLT_EN10MB, {{1, small.build()}, {2, big.build()}});
  FrameFeed feed(CaptureSequence({dir.file("a.pcap")}), {});
  std::vector<bool> has_bytes;
  while (const FeedBatch* batch = feed.next())
    for (const FeedFrame& f : batch->frames) has_bytes.push_back(f.has_bytes);
  CHECK(has_bytes == std::vector<bool>{false, true});
}

TEST_CASE("filter: a TCP direction short of opening_bytes stays open until the budget") {
  // samples_per_dir 2, opening_bytes 64, opening_packets 4: as the program decides.
  SkipFilter filter(SamplingRule{2, 64, 4}, PP_FLOWS_DEFAULT);
  Pkt small;
  small.payload = 10;
  for (std::uint8_t i = 0; i < 3; ++i) {
    CHECK_FALSE(filter.decide(small.build()));  // 10, 20, 30 bytes: still open
    filter.on_sample(sample_of(small, i));
  }
  CHECK_FALSE(filter.decide(small.build()));
  filter.on_sample(sample_of(small, 3));  // the budget's last sample
  CHECK(filter.decide(small.build()) == PP_OUT_ALREADY_SAMPLED);

  Pkt big = small.reversed();  // the other side: 2 samples of 50 bytes reach 64
  big.payload = 50;
  filter.on_sample(sample_of(big, 0));
  CHECK_FALSE(filter.decide(big.build()));
  filter.on_sample(sample_of(big, 1));
  CHECK(filter.decide(big.build()) == PP_OUT_ALREADY_SAMPLED);

  Pkt udp;  // UDP: samples_per_dir only, whatever the bytes
  udp.l4 = kUdp;
  udp.payload = 10;
  filter.on_sample(sample_of(udp, 0));
  filter.on_sample(sample_of(udp, 1));
  CHECK(filter.decide(udp.build()) == PP_OUT_ALREADY_SAMPLED);
}

TEST_CASE("filter: with the stream's start known, only bytes in order end a TCP opening") {
  SkipFilter filter(SamplingRule{2, 64, 32}, PP_FLOWS_DEFAULT);
  Pkt seg;
  seg.payload = 100;
  auto placed = [&](std::uint8_t index, std::uint32_t offset) {
    pp_sample s = sample_of(seg, index);
    s.flags = PP_SAMPLE_F_TCP_START;
    s.tcp_start = 5000;
    s.tcp_seq = 5000 + offset;
    return s;
  };
  filter.on_sample(placed(0, 300));  // ahead of a gap: 0 bytes in order
  filter.on_sample(placed(1, 200));
  CHECK_FALSE(filter.decide(seg.build()));  // the opening's first bytes are still to come
  filter.on_sample(placed(2, 0));           // 100 bytes in order: done
  CHECK(filter.decide(seg.build()) == PP_OUT_ALREADY_SAMPLED);
}

// ---- Later IP fragments, against what the program keeps of their datagram (pp_frags) ----

namespace {

Pkt udp_fragment(std::uint16_t frag_field, std::uint16_t id = 7) {
  Pkt p;
  p.l4 = kUdp;
  p.payload = 100;
  p.frag_off = frag_field;
  p.ip_id = id;
  p.sport = 5000;
  p.dport = 5300;
  return p;
}

pp_sample later_fragment_sample(const Pkt& p, std::uint8_t idx) {
  pp_sample s = sample_of(p, idx);
  s.sport = s.dport = 0;
  s.flags = PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_LATER_FRAGMENT;
  s.ip_id = p.ip_id;
  return s;
}

// Runs `later` as often as the program samples such fragments, each run giving its sample.
void sample_every_later_fragment(SkipFilter& filter, const Pkt& later) {
  for (std::uint8_t i = 0; i < PP_FRAG_SAMPLES_MAX; ++i) {
    CHECK_FALSE(filter.decide(later.build()));
    filter.on_sample(later_fragment_sample(later, i));
    filter.runs_done();
  }
}

}  // namespace

TEST_CASE("later fragments: a datagram whose first fragment gave no sample is skipped") {
  SkipFilter filter(only(2), 65536);
  const Pkt first = udp_fragment(0x2000);  // MF, offset 0
  const Bytes f = first.build();
  CHECK_FALSE(filter.decide(f));
  CHECK(filter.must_run_queue_now());  // what it writes in pp_frags depends on its sample
  filter.runs_done();                  // no sample: "ignore"
  CHECK_FALSE(filter.must_run_queue_now());
  const Bytes later = udp_fragment(185).build();
  CHECK(filter.decide(later) == PP_OUT_FRAGMENT);
  CHECK(filter.decide(udp_fragment(185, 8).build()) == std::nullopt);  // another datagram
  CHECK(filter.skipped_counters()[PP_OUT_FRAGMENT] == 1);
  filter.clear();  // the kernel's table is emptied with it
  CHECK_FALSE(filter.decide(later));
}

TEST_CASE("later fragments: a followed datagram is run until PP_FRAG_SAMPLES_MAX were sampled") {
  SkipFilter filter(only(2), 65536);
  const Pkt first = udp_fragment(0x2000);
  CHECK_FALSE(filter.decide(first.build()));
  pp_sample fs = sample_of(first, 0);
  fs.flags = PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_MORE_FRAGS;
  fs.ip_id = first.ip_id;
  filter.on_sample(fs);
  filter.runs_done();  // sampled: "sample", none of the later ones yet
  const Pkt later = udp_fragment(0x2000 | 13);
  sample_every_later_fragment(filter, later);
  CHECK(filter.decide(later.build()) == PP_OUT_FRAGMENT);
  // A failed or refused run of a first fragment tells nothing: its datagram is run again.
  CHECK_FALSE(filter.decide(first.build()));
  filter.runs_done(false);
  CHECK_FALSE(filter.decide(later.build()));
}

TEST_CASE("later fragments: one that comes before its first fragment is learnt from its sample") {
  SkipFilter filter(only(2), 65536);
  const Pkt later = udp_fragment(0x2000 | 13);
  sample_every_later_fragment(filter, later);
  CHECK(filter.decide(later.build()) == PP_OUT_FRAGMENT);
  CHECK(filter.datagrams_tracked() == 1);
  CHECK(filter.flows_tracked() == 0);  // a later fragment never makes a flow entry
}

TEST_CASE("a later fragment's sample is not a sample of the flow with ports 0") {
  SkipFilter filter(only(2), 65536);
  Pkt zero;
  zero.l4 = kUdp;
  zero.payload = 10;
  zero.sport = zero.dport = 0;
  CHECK_FALSE(filter.decide(zero.build()));
  filter.runs_done();
  const Pkt later = udp_fragment(0x2000 | 13);
  for (std::uint8_t i = 0; i < 4; ++i) filter.on_sample(later_fragment_sample(later, i));
  CHECK_FALSE(filter.decide(zero.build()));  // its direction has had no sample: run
}

TEST_CASE("queued runs: a SYN of a flow with frames queued waits for their samples") {
  SkipFilter filter(only(2), 65536);
  Pkt data;
  data.payload = 10;
  CHECK_FALSE(filter.decide(data.build()));  // queued, not run yet
  Pkt syn;
  syn.flags = kSyn;
  const FramePreview p = preview_frame(syn.build());
  CHECK(filter.must_run_queue_first(p));  // restart or retransmission: only the samples tell
  Pkt other = syn;
  other.sport = 40001;
  CHECK_FALSE(filter.must_run_queue_first(preview_frame(other.build())));  // another flow
  filter.runs_done();
  CHECK_FALSE(filter.must_run_queue_first(p));
}
