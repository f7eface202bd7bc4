// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// IP datagrams put together from fragment samples: in order, reversed, 8-byte fragments, Linux's
// overlap rule (exact duplicates ignored, any other overlap discards the datagram), the
// sampler's cuts, and the bounds (datagrams, pieces, bytes, timeout) against hostile offsets.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "detect/ip_reassembly.h"

using namespace protoport;

namespace {

struct Delivered {
  std::string bytes;
  pp_sample s;  // last: pp_sample ends in a flexible array
};

struct Feed {
  std::vector<Delivered> out;
  IpReassembly r;
  explicit Feed(IpReassemblyLimits limits = {})
      : r(limits, [this](const pp_sample& s, std::span<const std::uint8_t> p, std::int64_t) {
          out.push_back({std::string(p.begin(), p.end()), s});
        }) {}

  // The UDP datagram `payload` (after its 8-byte header) cut at IP-payload offsets `cuts`,
  // fragment i sampled whole unless `snap` cuts it.
  static std::vector<std::pair<pp_sample, std::string>> fragments(const std::string& payload,
                                                                  std::vector<unsigned> cuts,
                                                                  std::uint32_t id = 7,
                                                                  std::size_t snap = 1024) {
    const std::string ip_payload = std::string(8, 'U') + payload;  // UDP header stand-in
    cuts.push_back(static_cast<unsigned>(ip_payload.size()));
    std::vector<std::pair<pp_sample, std::string>> out;
    unsigned from = 0;
    for (std::size_t i = 0; i < cuts.size(); ++i) {
      pp_sample s{};
      s.saddr[15] = 1;
      s.daddr[15] = 2;
      s.proto = PP_IPPROTO_UDP;
      s.family = PP_FAMILY_V6;
      s.ip_id = id;
      s.flags = PP_SAMPLE_F_FRAGMENT;
      if (i + 1 < cuts.size()) s.flags |= PP_SAMPLE_F_MORE_FRAGS;
      std::string data;
      if (i == 0) {  // first: the L4 payload after the header, payload_len the datagram's
        s.sport = 4000;
        s.dport = 53;
        s.frag_off = 8;
        data = ip_payload.substr(8, cuts[0] - 8);
        s.frag_len = static_cast<std::uint16_t>(data.size());
        s.payload_len = static_cast<std::uint32_t>(payload.size());
      } else {
        s.flags |= PP_SAMPLE_F_LATER_FRAGMENT;
        s.frag_off = static_cast<std::uint16_t>(from);
        data = ip_payload.substr(from, cuts[i] - from);
        s.frag_len = static_cast<std::uint16_t>(data.size());
        s.payload_len = s.frag_len;
      }
      if (data.size() > snap) data.resize(snap);
      s.cap_len = static_cast<std::uint16_t>(data.size());
      out.emplace_back(s, data);
      from = cuts[i];
    }
    return out;
  }
  void add(const std::pair<pp_sample, std::string>& f, std::int64_t wall = 1) {
    r.add(f.first, {reinterpret_cast<const std::uint8_t*>(f.second.data()), f.second.size()},
          wall);
  }
};

const std::string kQuery = "\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x03www\x03lab\x04test\x00\x00\x01\x00\x01";

std::vector<unsigned> every(unsigned step, std::size_t total) {
  std::vector<unsigned> cuts;
  for (unsigned c = step; c < total; c += step) cuts.push_back(c);
  return cuts;
}

}  // namespace

TEST_CASE("8, 16 and 64-byte fragments, in order and reversed, give the datagram whole") {
  const std::string q(kQuery.data(), 33);
  for (unsigned size : {8u, 16u, 64u}) {
    for (bool reversed : {false, true}) {
      CAPTURE(size);
      CAPTURE(reversed);
      Feed f;
      auto frags = Feed::fragments(q, every(size, q.size() + 8));
      if (reversed) std::reverse(frags.begin(), frags.end());
      for (const auto& fr : frags) f.add(fr);
      REQUIRE(f.out.size() == 1);
      CHECK(f.out[0].bytes == q);
      CHECK(f.out[0].s.sport == 4000);
      CHECK((f.out[0].s.flags & PP_SAMPLE_F_FRAGMENT) == 0);
      CHECK(f.r.pending() == 0);
      CHECK(f.r.stats().completed == 1);
    }
  }
}

TEST_CASE("overlaps: an exact duplicate is ignored, any other overlap discards the datagram") {
  const std::string q(kQuery.data(), 33);
  {
    Feed f;
    auto frags = Feed::fragments(q, {16, 24});
    f.add(frags[1]);
    f.add(frags[1]);  // the same fragment again
    f.add(frags[0]);
    f.add(frags[2]);
    REQUIRE(f.out.size() == 1);
    CHECK(f.out[0].bytes == q);
    CHECK(f.r.stats().duplicates == 1);
  }
  {
    Feed f;
    auto frags = Feed::fragments(q, {16, 24});
    auto other = Feed::fragments(std::string(33, 'X'), {16, 32})[1];  // [16, 32): overlaps
    f.add(frags[0]);
    f.add(other);
    f.add(frags[1]);
    f.add(frags[2]);
    CHECK(f.out.empty());  // Linux delivers nothing: neither copy is read
    CHECK(f.r.stats().overlapping == 1);
  }
}

TEST_CASE("a fragment the sampler cut: the bytes up to the cut are delivered") {
  const std::string q(300, 'a');
  Feed f;
  for (const auto& fr : Feed::fragments(q, {108}, 7, 64)) f.add(fr);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].bytes == std::string(64, 'a'));  // the first fragment's sampled prefix
}

TEST_CASE("not completed: judged from the first fragment at the timeout, or dropped") {
  const std::string q(kQuery.data(), 33);
  Feed f({.timeout_ns = 1000});
  auto frags = Feed::fragments(q, {16, 24}, 1);
  f.add(frags[0], 0);
  f.add(Feed::fragments(q, {16, 24}, 2)[1], 0);  // a later fragment whose datagram never comes
  f.r.expire(500);
  CHECK(f.out.empty());
  f.r.expire(2000);
  REQUIRE(f.out.size() == 1);
  CHECK(f.out[0].bytes == q.substr(0, 8));
  CHECK(f.r.stats().first_only == 1);
  CHECK(f.r.stats().dropped == 1);
  CHECK(f.r.pending() == 0);
}

TEST_CASE("bounds: datagrams, pieces and bytes against a flood of hostile fragments") {
  Feed f({.max_datagrams = 8, .max_pieces = 4, .max_bytes = 64});
  const std::string q(kQuery.data(), 33);
  for (std::uint32_t id = 0; id < 100; ++id) f.add(Feed::fragments(q, {16}, id)[1]);
  CHECK(f.r.pending() == 8);
  CHECK(f.r.stats().dropped == 92);
  // Hostile offsets: far beyond, at the 16-bit limit; pieces past the bound are dropped.
  Feed g({.max_pieces = 4});
  for (unsigned off = 8; off < 8 * 20; off += 8) {
    auto fr = Feed::fragments(q, {16}, 99)[1];
    fr.first.frag_off = static_cast<std::uint16_t>(off * 100);
    g.add(fr);
  }
  CHECK(g.r.stats().pieces_dropped == 15);
  g.r.flush();
  CHECK(g.r.pending() == 0);
}

TEST_CASE("a last fragment that ends before the first fragment's payload completes nothing") {
  const std::string q(kQuery.data(), 33);
  Feed f({.timeout_ns = 1000});
  auto frags = Feed::fragments(q, {16, 24});
  frags[0].first.proto = PP_IPPROTO_TCP;
  frags[0].first.frag_off = 20;  // a TCP header's length
  auto last = frags[2];
  last.first.proto = PP_IPPROTO_TCP;
  last.first.frag_off = 8;
  last.first.frag_len = 0;
  last.second.clear();
  last.first.cap_len = 0;
  f.add(frags[0], 0);
  f.add(last, 0);
  CHECK(f.out.empty());
  CHECK(f.r.pending() == 1);
  f.r.expire(2000);  // judged from its first fragment at the timeout
  CHECK(f.out.size() == 1);
  CHECK(f.r.stats().completed == 0);
}
