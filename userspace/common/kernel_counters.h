// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The XDP program's per-CPU counters (enum pp_counter in include/protoport/sample.h) as userspace
// names and holds them: one reading summed over CPUs, and the stable name of each counter for
// output, metrics and scripts. No libbpf here: reading the map is the loader's job, and whatever
// only shows counters (reports, exporters, the protoport-net module) depends on this alone.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "protoport/sample.h"

namespace protoport {

// Counter names, stable strings for output and scripts: "packets", "bytes", "flows_created",
// "opening_budget", "non_ip", "malformed", "fragment", "other_l4", "no_payload", "already_sampled", "sampled",
// "ringbuf_full", "flow_update_fail", "fragment_sampled". Index = enum pp_counter.
std::string_view counter_name(pp_counter counter);
std::optional<pp_counter> counter_from_name(std::string_view name);

// One reading of the counters, summed over CPUs.
struct Counters {
  std::array<std::uint64_t, PP_CNT_MAX> values{};
  std::uint64_t operator[](pp_counter c) const { return values[static_cast<std::size_t>(c)]; }
  // Sum of the PP_OUT_* slots; equals packets when every packet got exactly one outcome.
  std::uint64_t outcomes_total() const;
};

}  // namespace protoport
