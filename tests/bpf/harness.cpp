// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "harness.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace pp_test {

using protoport::loader::counter_name;

Harness::Harness(const protoport::loader::Settings& settings)
    : program_(settings),
      reader_(program_, [this](const pp_sample& header, std::span<const std::uint8_t> payload) {
        records_.push_back(Record{{payload.begin(), payload.end()}, header});
      }) {}

void Harness::run_keep(const std::vector<std::uint8_t>& frame) {
  const auto result = program_.test_run(frame);
  REQUIRE(result.retval == 2);  // XDP_PASS
  ++frames_;
  bytes_ += frame.size();
}

void Harness::run(const std::vector<std::uint8_t>& frame) {
  run_keep(frame);
  drain();
}

int Harness::drain() { return reader_.consume(); }

std::size_t Harness::flow_entries() const { return program_.flow_count(); }

void Harness::expect_counters(
    std::initializer_list<std::pair<pp_counter, std::uint64_t>> expected) const {
  const auto c = program_.read_counters();
  CHECK(c[PP_CNT_PACKETS] == frames_);
  CHECK(c[PP_CNT_BYTES] == bytes_);
  for (int i = PP_CNT_FLOWS_CREATED; i < PP_CNT_MAX; ++i) {
    const auto counter = static_cast<pp_counter>(i);
    std::uint64_t want = 0;
    for (const auto& [which, value] : expected)
      if (which == counter) want = value;
    INFO("counter " << std::string(counter_name(counter)));
    CHECK(c[counter] == want);
  }
  CHECK(c.outcomes_total() == c[PP_CNT_PACKETS]);
}

void expect_sample(const Record& r, const PacketSpec& spec, std::uint8_t dir, std::uint8_t seq,
                   std::uint32_t snap_len) {
  const pp_sample& h = r.header;
  const auto src = addr16(spec.src), dst = addr16(spec.dst);
  CHECK(std::memcmp(h.saddr, src.data(), 16) == 0);
  CHECK(std::memcmp(h.daddr, dst.data(), 16) == 0);
  CHECK(h.sport == spec.sport);
  CHECK(h.dport == spec.dport);
  CHECK(h.proto == spec.l4);
  CHECK(h.family == spec.family);
  CHECK(h.dir == dir);
  CHECK(h.seq == seq);
  CHECK(h.tcp_flags == (spec.l4 == kTcp ? spec.tcp_flags : 0));
  CHECK(h.payload_len == spec.payload.size());
  const std::size_t cap = std::min<std::size_t>(spec.payload.size(), snap_len);
  CHECK(h.cap_len == cap);
  REQUIRE(r.payload.size() == cap);
  CHECK(std::equal(r.payload.begin(), r.payload.end(), spec.payload.begin()));
  CHECK(h.ifindex == 1);  // BPF_PROG_TEST_RUN runs on the loopback device of the netns
  CHECK(h.flow_ns != 0);
  CHECK(h.ts_ns >= h.flow_ns);
}

}  // namespace pp_test
