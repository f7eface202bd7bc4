// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `--dump`: one line per kernel sample, payload escaped (it is attacker-controlled).
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "protoport/sample.h"

namespace protoport::cli {

class SampleDump {
 public:
  explicit SampleDump(std::FILE* out) : out_(out) {}
  void print(const pp_sample& s, std::span<const std::uint8_t> payload, std::int64_t wall_ns);
  static std::string format(const pp_sample& s, std::span<const std::uint8_t> payload,
                            std::int64_t wall_ns);

 private:
  std::FILE* out_;
};

}  // namespace protoport::cli
