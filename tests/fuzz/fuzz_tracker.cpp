// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the flow tracker fed hostile sample sequences (issue 15): TCP sequence
// numbers and stream starts anywhere, fragments with any offset, length, identification and
// flags, flows colliding on few endpoints, time jumping. The fields come from packets, so an
// attacker chooses them. Checks: no memory error (ASan/UBSan), the bounds hold (tracked flows,
// pending datagrams), every verdict's evidence is well formed, at most one verdict per flow.
#include <cstring>

#include "detect/flow_tracker.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport;
  using fingerprint::detail::ByteReader;
  std::size_t verdicts = 0;
  FlowTrackerLimits limits;
  limits.max_flows = 8;
  limits.max_bytes_per_side = 256;
  limits.idle_timeout_ns = 1000;
  limits.sampling = {2, 64, 8};
  limits.fragments = {.max_datagrams = 4, .max_pieces = 6, .max_bytes = 128, .timeout_ns = 500};
  FlowTracker tracker(limits, [&](const FlowVerdict& v) {
    ++verdicts;
    fuzz::check_evidence(v.fp);
  });
  ByteReader r(std::span<const std::uint8_t>(data, size));
  std::int64_t now = 0;
  while (!r.empty()) {
    auto a = r.u8(), b = r.u8(), len = r.u8();
    auto tcp_seq = r.u32(), tcp_start = r.u32(), misc = r.u32();
    if (!a || !b || !len || !tcp_seq || !tcp_start || !misc) break;
    pp_sample s{};
    s.proto = (*a & 1) ? PP_IPPROTO_UDP : PP_IPPROTO_TCP;
    s.family = (*a & 2) ? PP_FAMILY_V6 : PP_FAMILY_V4;
    s.dir = static_cast<std::uint8_t>((*a >> 2) & 3);
    s.flags = static_cast<std::uint8_t>(*a >> 4);  // TCP_START, FRAGMENT, MORE, LATER
    if (s.family == PP_FAMILY_V4) s.saddr[10] = s.saddr[11] = s.daddr[10] = s.daddr[11] = 0xff;
    s.saddr[15] = *b & 3;  // few endpoints: flows collide and evict each other
    s.daddr[15] = (*b >> 2) & 3;
    s.sport = static_cast<std::uint16_t>(1000 + ((*b >> 4) & 3));
    s.dport = static_cast<std::uint16_t>(53 + ((*b >> 6) & 1) * 390);
    s.flow_ns = (*b >> 7) & 1;
    s.tcp_seq = *tcp_seq;
    s.tcp_start = *tcp_start;
    s.seq = static_cast<std::uint8_t>(*misc & 0x3f);
    s.ip_id = (*misc >> 6) & 3;
    s.frag_off = static_cast<std::uint16_t>(*misc >> 8);
    s.frag_len = static_cast<std::uint16_t>(*misc >> 12);
    const std::size_t n = std::min<std::size_t>(*len & 0x7f, r.remaining());
    auto payload = *r.take(n);
    s.cap_len = static_cast<std::uint16_t>(n);
    s.payload_len = (*len & 0x80) ? static_cast<std::uint32_t>(n) + (*misc >> 20) : n;
    now += (*misc >> 28);
    tracker.on_sample(s, payload, now);
    if (*misc & 0x08000000) tracker.expire(now);
    fuzz::require(tracker.tracked() <= limits.max_flows);
  }
  tracker.flush();
  fuzz::require(verdicts <= tracker.stats().flows);
  return 0;
}
