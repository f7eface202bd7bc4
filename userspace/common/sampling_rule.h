// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Which packets of a flow the XDP program samples, as userspace predicts it: replay's skip filter
// (to leave out what the program would not sample) and the flow tracker (to know when every
// sample of a direction has come). The rule itself is pp_wants_sample() in protoport/sample.h,
// the one the program runs.
#pragma once

#include <cstdint>

#include "protoport/sample.h"

namespace protoport {

struct SamplingRule {
  std::uint32_t samples_per_dir = PP_SAMPLES_PER_DIR_DEFAULT;
  std::uint32_t opening_bytes = PP_OPENING_BYTES_DEFAULT;
  std::uint32_t opening_packets = PP_OPENING_PACKETS_DEFAULT;

  // Whether a direction that had `sampled` samples holding `bytes` payload bytes gets another.
  bool wants(std::uint32_t sampled, std::uint64_t bytes, bool tcp) const {
    const auto capped = static_cast<std::uint32_t>(bytes > 0xffffffffu ? 0xffffffffu : bytes);
    return pp_wants_sample(sampled, capped, tcp ? 1 : 0, samples_per_dir, opening_bytes,
                           opening_packets) != 0;
  }
};

}  // namespace protoport
