// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `--dump`: one line per kernel sample, payload escaped (it is attacker-controlled), instead of
// detecting.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>

#include "pipeline/sample_sink.h"
#include "protoport/sample.h"
#include "report/row_output.h"

namespace protoport::pipeline {

class SampleDump final : public SampleSink {
 public:
  explicit SampleDump(std::FILE* out) : out_("standard output", out) {}
  void on_sample(const pp_sample& s, std::span<const std::uint8_t> payload,
                 std::int64_t wall_ns) override;
  void print_stats(std::FILE* err) const override;
  static std::string format(const pp_sample& s, std::span<const std::uint8_t> payload,
                            std::int64_t wall_ns);

 private:
  report::RowOutput out_;
};

}  // namespace protoport::pipeline
