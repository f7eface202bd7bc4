// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The flow table and sampling policy: one entry per flow for both directions, who initiated it,
// how many samples each direction gets, and the load-time settings.
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <doctest/doctest.h>
#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <cstring>
#include <string_view>
#include <thread>

#include "harness.h"

using namespace pp_test;

namespace {

// Client 198.51.100.7:51000 talks to server 192.0.2.1:443: the client is the HIGHER endpoint
// of the canonical key, so direction handling is exercised across the key swap.
PacketSpec client(std::uint8_t l4, std::size_t payload, std::uint8_t flags = kAck | kPsh) {
  PacketSpec s;
  s.src = "198.51.100.7";
  s.dst = "192.0.2.1";
  s.sport = 51000;
  s.dport = 443;
  s.l4 = l4;
  s.tcp_flags = flags;
  s.payload = pattern(payload, 'c' - 2);
  return s;
}

PacketSpec reply(const PacketSpec& to, std::size_t payload, std::uint8_t flags = kAck | kPsh) {
  PacketSpec s = to;
  std::swap(s.src, s.dst);
  std::swap(s.sport, s.dport);
  s.tcp_flags = flags;
  s.payload = pattern(payload, 'S');
  return s;
}

}  // namespace

TEST_CASE("both directions of a UDP flow share one entry with the right directions") {
  for (int variant = 0; variant < 6; ++variant) {
    const bool client_is_lower = variant % 2 == 1;
    const int family = variant < 2 ? 4 : 6;
    CAPTURE(variant);
    Harness h;
    auto c = client(kUdp, 30);
    if (family == 6) {
      c.family = 6;
      c.src = "2001:db8::7";
      c.dst = variant < 4 ? "2001:db8::1" : "2001:db8::7";  // variants 4, 5: same address
    }
    if (client_is_lower) {  // e.g. 192.0.2.1:443 -> 198.51.100.7:51000
      std::swap(c.src, c.dst);
      std::swap(c.sport, c.dport);
    }
    const auto s = reply(c, 90);
    h.run(build(c));
    h.run(build(s));
    CHECK(h.flow_entries() == 1);
    REQUIRE(h.records().size() == 2);
    expect_sample(h.records()[0], c, PP_DIR_TO_RESP, 0);
    expect_sample(h.records()[1], s, PP_DIR_TO_INIT, 0);
    CHECK(h.records()[0].header.flow_ns == h.records()[1].header.flow_ns);
    h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 2}});
  }
}

TEST_CASE("same address, different ports: ordered by port, one entry") {
  Harness h;
  auto c = client(kTcp, 10);
  c.src = c.dst = "127.0.0.1";
  c.sport = 2000;
  c.dport = 1000;
  h.run(build(c));
  h.run(build(reply(c, 10)));
  CHECK(h.flow_entries() == 1);
  REQUIRE(h.records().size() == 2);
  CHECK(h.records()[0].header.sport == 2000);
  CHECK(h.records()[1].header.sport == 1000);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 2}});
}

TEST_CASE("distinct tuples and families are distinct flows") {
  Harness h;
  auto a = client(kUdp, 10);
  auto b = a;
  b.sport = 51001;
  auto tcp = a;
  tcp.l4 = kTcp;
  auto v6 = a;  // the same IPv4 endpoints written as v4-mapped IPv6 addresses
  v6.family = 6;
  v6.src = "::ffff:198.51.100.7";
  v6.dst = "::ffff:192.0.2.1";
  for (const auto& spec : {a, b, tcp, v6}) h.run(build(spec));
  CHECK(h.flow_entries() == 4);
  CHECK(h.records().size() == 4);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 4}, {PP_OUT_SAMPLED, 4}});
}

TEST_CASE("TCP handshake then data: the SYN's sender is the initiator") {
  Harness h;
  const auto syn = client(kTcp, 0, kSyn);
  const auto synack = reply(syn, 0, kSyn | kAck);
  const auto ack = client(kTcp, 0, kAck);
  const auto request = client(kTcp, 200);
  const auto response = reply(request, 300);
  for (const auto& spec : {syn, synack, ack, request, response}) h.run(build(spec));
  CHECK(h.flow_entries() == 1);
  REQUIRE(h.records().size() == 2);
  expect_sample(h.records()[0], request, PP_DIR_TO_RESP, 0);
  expect_sample(h.records()[1], response, PP_DIR_TO_INIT, 0);
  CHECK(h.records()[1].header.payload_len == 300);
  CHECK(h.records()[1].header.cap_len == PP_SNAP_DEFAULT);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_NO_PAYLOAD, 3}, {PP_OUT_SAMPLED, 2}});
}

TEST_CASE("a SYN+ACK seen first makes its receiver the initiator") {
  Harness h;
  const auto request = client(kTcp, 50);
  const auto synack = reply(request, 0, kSyn | kAck);
  h.run(build(synack));
  h.run(build(request));
  REQUIRE(h.records().size() == 1);
  expect_sample(h.records()[0], request, PP_DIR_TO_RESP, 0);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_NO_PAYLOAD, 1}, {PP_OUT_SAMPLED, 1}});
}

TEST_CASE("TCP first seen mid-stream: initiator unknown in both directions") {
  Harness h;
  const auto a = client(kTcp, 40);
  const auto b = reply(a, 41);
  h.run(build(b));
  h.run(build(a));
  CHECK(h.flow_entries() == 1);
  REQUIRE(h.records().size() == 2);
  expect_sample(h.records()[0], b, PP_DIR_UNKNOWN, 0);
  expect_sample(h.records()[1], a, PP_DIR_UNKNOWN, 0);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 2}});
}

TEST_CASE("the (N+1)th payload packet of a direction emits nothing") {
  // Default: 2 samples per direction; these hold more than opening_bytes (64) by then.
  Harness h;
  const auto c = client(kTcp, 20, kSyn);
  h.run(build(c));
  std::uint32_t next = c.tcp_seq + 1 + 20;  // after the SYN and its 20 bytes
  for (int i = 0; i < 3; ++i) {
    auto data = client(kTcp, 70 + i);
    data.tcp_seq = next;
    next += 70 + i;
    h.run(build(data));
    h.run(build(reply(c, 70 + i)));
  }
  REQUIRE(h.records().size() == 4);  // SYN with payload (TCP Fast Open) counts as sample 0
  expect_sample(h.records()[0], c, PP_DIR_TO_RESP, 0);
  auto second = client(kTcp, 70);
  second.tcp_seq = c.tcp_seq + 21;
  expect_sample(h.records()[1], second, PP_DIR_TO_RESP, 1);
  expect_sample(h.records()[2], reply(c, 70), PP_DIR_TO_INIT, 0);
  expect_sample(h.records()[3], reply(c, 71), PP_DIR_TO_INIT, 1);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 4}, {PP_OUT_ALREADY_SAMPLED, 3}});
}

TEST_CASE("a retransmitted SYN keeps the flow; a SYN after data starts a new one") {
  Harness h;
  const auto syn = client(kTcp, 0, kSyn);
  h.run(build(syn));
  h.run(build(syn));  // retransmission: same flow
  h.run(build(client(kTcp, 10)));
  REQUIRE(h.records().size() == 1);
  const auto first_flow = h.records()[0].header.flow_ns;
  h.run(build(syn));  // the tuple is reused by a new connection
  h.run(build(client(kTcp, 11)));
  REQUIRE(h.records().size() == 2);
  expect_sample(h.records()[1], client(kTcp, 11), PP_DIR_TO_RESP, 0);
  CHECK(h.records()[1].header.flow_ns > first_flow);
  CHECK(h.flow_entries() == 1);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 2}, {PP_OUT_NO_PAYLOAD, 3}, {PP_OUT_SAMPLED, 2}});
}

TEST_CASE("snap_len and samples_per_dir are load-time settings") {
  SUBCASE("snap_len 1024, 5 samples per direction") {
    protoport::loader::Settings s;
    s.snap_len = PP_SNAP_MAX;
    s.samples_per_dir = 5;
    Harness h(s);
    const auto big = client(kUdp, 1400);
    for (int i = 0; i < 6; ++i) h.run(build(big));
    REQUIRE(h.records().size() == 5);
    for (std::uint8_t i = 0; i < 5; ++i)
      expect_sample(h.records()[i], big, PP_DIR_TO_RESP, i, PP_SNAP_MAX);
    CHECK(h.records()[4].header.cap_len == 1024);
    h.expect_counters(
        {{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 5}, {PP_OUT_ALREADY_SAMPLED, 1}});
  }
  SUBCASE("snap_len 1, 1 sample per direction") {
    protoport::loader::Settings s;
    s.snap_len = 1;
    s.samples_per_dir = 1;
    Harness h(s);
    const auto c = client(kUdp, 100);
    h.run(build(c));
    h.run(build(c));
    REQUIRE(h.records().size() == 1);
    expect_sample(h.records()[0], c, PP_DIR_TO_RESP, 0, 1);
    h.expect_counters(
        {{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 1}, {PP_OUT_ALREADY_SAMPLED, 1}});
  }
  SUBCASE("a small flow table evicts old flows (LRU)") {
    protoport::loader::Settings s;
    s.max_flows = 64;
    Harness h(s);
    for (std::uint16_t port = 1; port <= 400; ++port) {
      auto c = client(kUdp, 8);
      c.sport = port;
      h.run(build(c));
    }
    CHECK(h.flow_entries() <= 64);  // preallocated: never more than max_entries
    CHECK(h.records().size() == 400);
    h.expect_counters({{PP_CNT_FLOWS_CREATED, 400}, {PP_OUT_SAMPLED, 400}});
  }
}

TEST_CASE("a full ring buffer loses samples and counts them") {
  protoport::loader::Settings s;
  s.ringbuf_bytes = 8192;  // 24 records of 8 + 72 + 256 bytes
  Harness h(s);
  for (std::uint16_t port = 1; port <= 40; ++port) {
    auto c = client(kUdp, 300);
    c.sport = port;
    h.run_keep(build(c).bytes);
  }
  const auto counters = h.program().read_counters();
  CHECK(counters[PP_OUT_RINGBUF_FULL] > 0);
  CHECK(counters[PP_OUT_SAMPLED] + counters[PP_OUT_RINGBUF_FULL] == 40);
  CHECK(h.drain() == static_cast<int>(counters[PP_OUT_SAMPLED]));
  CHECK(h.records().size() == counters[PP_OUT_SAMPLED]);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 40},
                     {PP_OUT_SAMPLED, counters[PP_OUT_SAMPLED]},
                     {PP_OUT_RINGBUF_FULL, counters[PP_OUT_RINGBUF_FULL]}});
}

TEST_CASE("clear_flows empties both tables; the next packet starts a new flow") {
  Harness h;
  auto v4 = client(kUdp, 10);
  auto v6 = v4;
  v6.family = 6;
  v6.src = "2001:db8::7";
  v6.dst = "2001:db8::1";
  h.run(build(v4));
  h.run(build(v6));
  h.run(build(v4));
  REQUIRE(h.flow_entries() == 2);
  h.program().clear_flows();
  CHECK(h.flow_entries() == 0);
  h.run(build(v4));  // a new flow: sample 0 again, new flow_ns
  REQUIRE(h.records().size() == 4);
  expect_sample(h.records()[3], v4, PP_DIR_TO_RESP, 0);
  CHECK(h.records()[3].header.flow_ns > h.records()[0].header.flow_ns);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 3}, {PP_OUT_SAMPLED, 4}});
}

TEST_CASE("two CPUs racing on new flows: one entry and at most N samples per direction") {
  // Both threads run the same first packet of each flow at the same moment, pinned to
  // different CPUs: they race on the BPF_NOEXIST insert (the loser must use the winner's
  // entry) and on the last sample slot (the atomic fetch-add must give it to one of them).
  protoport::loader::Settings settings;
  settings.samples_per_dir = 1;
  Harness h(settings);
  constexpr int kFlows = 200,
                kRepeat = 20;  // each round waits for two CPUs: slow on a busy machine
  std::vector<std::vector<std::uint8_t>> frames;
  for (int i = 0; i < kFlows; ++i) {
    auto c = client(kUdp, 16);
    c.sport = static_cast<std::uint16_t>(10000 + i);
    frames.push_back(build(c).bytes);
  }
  std::atomic<int> arrived{0}, failures{0};
  auto worker = [&](int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % static_cast<int>(std::thread::hardware_concurrency()), &set);
    pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    for (int i = 0; i < kFlows; ++i) {
      const auto& frame = frames[static_cast<std::size_t>(i)];
      // Start together: spin (yielding) until both threads reached flow i. (std::barrier in
      // libstdc++ 12 backs off to sleeps of tens of ms here.)
      arrived.fetch_add(1);
      while (arrived.load() < 2 * (i + 1)) std::this_thread::yield();
      try {
        if (h.program().test_run(frame, kRepeat).retval != 2) ++failures;
      } catch (...) {
        ++failures;
      }
    }
  };
  std::thread a(worker, 0), b(worker, 1);
  a.join();
  b.join();
  REQUIRE(failures == 0);
  h.drain();
  CHECK(h.records().size() == kFlows);
  CHECK(h.flow_entries() == kFlows);
  const auto c = h.program().read_counters();
  CHECK(c[PP_CNT_PACKETS] == 2u * kRepeat * kFlows);
  CHECK(c[PP_CNT_FLOWS_CREATED] == kFlows);
  CHECK(c[PP_OUT_SAMPLED] == kFlows);
  CHECK(c[PP_OUT_ALREADY_SAMPLED] == 2u * kRepeat * kFlows - kFlows);
  CHECK(c[PP_OUT_FLOW_UPDATE_FAIL] == 0);
  CHECK(c.outcomes_total() == c[PP_CNT_PACKETS]);
  for (const auto& r : h.records()) CHECK(r.header.seq == 0);
}

TEST_CASE("a reused tuple seen only from the reply side: a SYN+ACK starts a new flow") {
  // XDP on the client's interface sees only the server's packets: no SYN, ever.
  Harness h;
  const auto request = client(kTcp, 0);
  const auto synack = reply(request, 0, kSyn | kAck);
  const auto data = reply(request, 60);
  const auto fin = reply(request, 0, kFin | kAck);
  h.run(build(synack));
  h.run(build(synack));  // retransmitted SYN+ACK, before any payload: the same connection
  h.run(build(data));
  h.run(build(fin));
  h.run(build(synack));  // the next connection on the same 5-tuple
  h.run(build(data));
  CHECK(h.flow_entries() == 1);
  REQUIRE(h.records().size() == 2);
  expect_sample(h.records()[0], data, PP_DIR_TO_INIT, 0);
  expect_sample(h.records()[1], data, PP_DIR_TO_INIT, 0);
  CHECK(h.records()[1].header.flow_ns > h.records()[0].header.flow_ns);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 2}, {PP_OUT_NO_PAYLOAD, 4}, {PP_OUT_SAMPLED, 2}});
}

TEST_CASE("a SYN+ACK on a flow seen mid-stream or with the other initiator restarts it") {
  Harness h;
  const auto request = client(kTcp, 30);
  const auto synack = reply(request, 0, kSyn | kAck);
  h.run(build(request));  // mid-stream: initiator unknown
  h.run(build(synack));   // a new connection: the client is the initiator
  h.run(build(request));
  // A SYN+ACK from the client: the server is now named the initiator (no payload yet).
  h.run(build(client(kTcp, 0, kSyn | kAck)));
  h.run(build(reply(request, 40)));
  REQUIRE(h.records().size() == 3);
  expect_sample(h.records()[0], request, PP_DIR_UNKNOWN, 0);
  expect_sample(h.records()[1], request, PP_DIR_TO_RESP, 0);
  expect_sample(h.records()[2], reply(request, 40), PP_DIR_TO_RESP, 0);
  CHECK(h.records()[1].header.flow_ns > h.records()[0].header.flow_ns);
  CHECK(h.records()[2].header.flow_ns > h.records()[1].header.flow_ns);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 3}, {PP_OUT_NO_PAYLOAD, 2}, {PP_OUT_SAMPLED, 3}});
}

// The program orders a key's endpoints on 32-bit words; userspace (flow tracker, replay skip
// filter) calls pp_source_endpoint(), the byte-wise rule in include/protoport/sample.h. The two
// must agree on every pair, or one flow would have two keys.
TEST_CASE("the kernel's key order is pp_source_endpoint()'s") {
  struct Pair {
    const char *src, *dst;
    std::uint16_t sport, dport;
  };
  const Pair pairs[] = {
      {"198.51.100.7", "192.0.2.1", 51000, 443},
      {"192.0.2.1", "198.51.100.7", 443, 51000},
      {"10.0.0.2", "10.0.0.1", 1, 2},
      {"10.0.1.0", "10.0.0.255", 80, 80},
      {"10.0.0.1", "10.0.0.1", 2000, 1000},
      {"10.0.0.1", "10.0.0.1", 1000, 2000},
      {"10.0.0.1", "10.0.0.1", 53, 53},
      {"255.0.0.0", "0.255.255.255", 9, 9},
      {"2001:db8::2", "2001:db8::1", 5, 6},
      {"2001:db8::1:0", "2001:db8::ff", 5, 6},
      {"2001:db8:1::", "2001:db8:0:ffff::", 7, 7},
      {"fe80::1", "fe80::1", 65535, 1},
      {"::1", "::1", 1, 65535},
      {"ff02::fb", "2001:db8::1", 5353, 5353},
  };
  for (const Pair& p : pairs) {
    CAPTURE(p.src);
    CAPTURE(p.dst);
    CAPTURE(p.sport);
    CAPTURE(p.dport);
    Harness h;
    PacketSpec spec;
    spec.family = std::string_view(p.src).find(':') == std::string_view::npos ? 4 : 6;
    spec.src = p.src;
    spec.dst = p.dst;
    spec.sport = p.sport;
    spec.dport = p.dport;
    spec.l4 = kUdp;
    spec.payload = pattern(8, 'a');
    h.run(build(spec));
    REQUIRE(h.records().size() == 1);
    const pp_sample& s = h.records()[0].header;
    const int source = pp_source_endpoint(s.saddr, s.sport, s.daddr, s.dport);
    if (spec.family == 4) {
      pp_flow_key4 key{};
      REQUIRE(bpf_map_get_next_key(h.program().flows4_fd(), nullptr, &key) == 0);
      std::uint32_t saddr = 0;
      std::memcpy(&saddr, s.saddr + 12, 4);
      CHECK(key.addr[source] == saddr);
      CHECK(ntohs(key.port[source]) == s.sport);
      CHECK(ntohs(key.port[1 - source]) == s.dport);
    } else {
      pp_flow_key key{};
      REQUIRE(bpf_map_get_next_key(h.program().flows6_fd(), nullptr, &key) == 0);
      CHECK(std::memcmp(key.addr[source], s.saddr, 16) == 0);
      CHECK(std::memcmp(key.addr[1 - source], s.daddr, 16) == 0);
      CHECK(ntohs(key.port[source]) == s.sport);
      CHECK(ntohs(key.port[1 - source]) == s.dport);
    }
  }
}

TEST_CASE("a TCP opening in small segments is sampled until opening_bytes, within the budget") {
  // Defaults: 2 samples per direction, then more while a direction's samples hold fewer than
  // 64 payload bytes, up to 32 samples. Each sample says where its bytes go in the stream.
  SUBCASE("1-byte segments: the budget runs out first, and is counted") {
    Harness h;
    auto syn = client(kTcp, 0, kSyn);
    syn.tcp_seq = 0xfffffff0;  // the stream wraps past 2^32 on the way
    h.run(build(syn));
    for (std::uint32_t i = 0; i < 40; ++i) {
      auto seg = client(kTcp, 1);
      seg.tcp_seq = syn.tcp_seq + 1 + i;
      h.run(build(seg));
    }
    REQUIRE(h.records().size() == PP_OPENING_PACKETS_DEFAULT);
    for (std::uint32_t i = 0; i < PP_OPENING_PACKETS_DEFAULT; ++i) {
      const pp_sample& s = h.records()[i].header;
      CHECK(s.seq == i);
      CHECK(s.flags == PP_SAMPLE_F_TCP_START);
      CHECK(s.tcp_start == syn.tcp_seq + 1);
      CHECK(s.tcp_seq == syn.tcp_seq + 1 + i);
    }
    h.expect_counters({{PP_CNT_FLOWS_CREATED, 1},
                       {PP_CNT_OPENING_BUDGET, 1},
                       {PP_OUT_NO_PAYLOAD, 1},
                       {PP_OUT_SAMPLED, PP_OPENING_PACKETS_DEFAULT},
                       {PP_OUT_ALREADY_SAMPLED, 40 - PP_OPENING_PACKETS_DEFAULT}});
  }
  SUBCASE("8-byte segments: sampled until 64 bytes, then only looked up") {
    Harness h;
    const auto syn = client(kTcp, 0, kSyn);
    h.run(build(syn));
    for (std::uint32_t i = 0; i < 12; ++i) {
      auto seg = client(kTcp, 8);
      seg.tcp_seq = syn.tcp_seq + 1 + 8 * i;
      h.run(build(seg));
    }
    CHECK(h.records().size() == 8);
    h.expect_counters({{PP_CNT_FLOWS_CREATED, 1},
                       {PP_OUT_NO_PAYLOAD, 1},
                       {PP_OUT_SAMPLED, 8},
                       {PP_OUT_ALREADY_SAMPLED, 4}});
  }
  SUBCASE("the SYN+ACK gives the server's start; UDP keeps samples_per_dir") {
    Harness h;
    const auto syn = client(kTcp, 0, kSyn);
    auto synack = reply(syn, 0, kSyn | kAck);
    synack.tcp_seq = 777;
    h.run(build(syn));
    h.run(build(synack));
    auto data = reply(syn, 3);
    data.tcp_seq = 778;
    h.run(build(data));
    REQUIRE(h.records().size() == 1);
    CHECK(h.records()[0].header.flags == PP_SAMPLE_F_TCP_START);
    CHECK(h.records()[0].header.tcp_start == 778);
    CHECK(h.records()[0].header.tcp_seq == 778);
    for (int i = 0; i < 3; ++i) h.run(build(client(kUdp, 1)));
    CHECK(h.records().size() == 3);
  }
  SUBCASE("seen mid-stream: no start; opening_bytes 0 turns the rule off") {
    protoport::loader::Settings settings;
    settings.opening_bytes = 0;
    Harness h(settings);
    for (int i = 0; i < 4; ++i) h.run(build(client(kTcp, 1)));
    REQUIRE(h.records().size() == 2);
    CHECK(h.records()[0].header.flags == 0);
    CHECK(h.records()[0].header.tcp_seq == 1000);
    h.expect_counters(
        {{PP_CNT_FLOWS_CREATED, 1}, {PP_OUT_SAMPLED, 2}, {PP_OUT_ALREADY_SAMPLED, 2}});
  }
}

TEST_CASE("segments ahead of a gap do not end a TCP opening's sampling") {
  Harness h;  // defaults: 2 samples, 64 bytes in order, 32 at most
  const auto syn = client(kTcp, 0, kSyn);
  h.run(build(syn));
  for (std::uint32_t off : {300u, 200u, 100u, 0u, 400u}) {
    auto seg = client(kTcp, 100);
    seg.tcp_seq = syn.tcp_seq + 1 + off;
    h.run(build(seg));
  }
  // 300, 200 and 100 leave no byte in order: sampled; 0 brings 100 in order: the last one.
  CHECK(h.records().size() == 4);
  h.expect_counters({{PP_CNT_FLOWS_CREATED, 1},
                     {PP_OUT_NO_PAYLOAD, 1},
                     {PP_OUT_SAMPLED, 4},
                     {PP_OUT_ALREADY_SAMPLED, 1}});
}
