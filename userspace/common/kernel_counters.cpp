// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "common/kernel_counters.h"

namespace protoport {

namespace {

// Index = enum pp_counter. Stable: scripts parse them.
constexpr std::array<std::string_view, PP_CNT_MAX> kCounterNames = {
    "packets",    "bytes",           "flows_created", "opening_budget", "non_ip",
    "malformed",  "fragment",        "other_l4",      "no_payload",     "already_sampled",
    "sampled",    "ringbuf_full",    "flow_update_fail", "fragment_sampled",
};

}  // namespace

std::string_view counter_name(pp_counter counter) {
  const auto index = static_cast<std::size_t>(counter);
  return index < kCounterNames.size() ? kCounterNames[index] : std::string_view("unknown");
}

std::optional<pp_counter> counter_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kCounterNames.size(); ++i)
    if (kCounterNames[i] == name) return static_cast<pp_counter>(i);
  return std::nullopt;
}

std::uint64_t Counters::outcomes_total() const {
  std::uint64_t total = 0;
  for (std::size_t i = PP_OUT_NON_IP; i < PP_CNT_MAX; ++i) total += values[i];
  return total;
}

}  // namespace protoport
