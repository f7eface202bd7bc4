// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The detection pipeline shared by `watch` and `replay`: samples -> flow tracker (one verdict
// per flow) -> port policy and filters -> aggregation -> the chosen format on `out`, plus the
// --output file and --risk events. Every bound it has is counted and shown in print_stats().
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <span>

#include "cli/detect_options.h"
#include "detect/flow_tracker.h"
#include "policy/policy.h"
#include "protoport/sample.h"
#include "report/aggregator.h"
#include "report/format.h"
#include "report/output_file.h"
#include "report/risk.h"

namespace protoport::cli {

class Pipeline {
 public:
  // Loads the policy (a bad config throws policy::ConfigError) and opens --output (a file that
  // cannot be opened throws UsageError) before anything is attached.
  Pipeline(const DetectOptions& opts, std::FILE* out);

  void on_sample(const pp_sample& s, std::span<const std::uint8_t> payload, std::int64_t wall_ns) {
    tracker_.on_sample(s, payload, wall_ns);
  }
  // Decides flows idle past the timeout, at wall-clock time now_ns.
  void tick(std::int64_t now_ns) {
    last_now_ns_ = now_ns;
    tracker_.expire(now_ns);
  }
  // Prints the aggregated report as of the last tick/sample time.
  void report();
  // Decides every remaining flow (replay: at the end of each capture file).
  void finish_flows() { tracker_.flush(); }
  // Decides every remaining flow and prints the final report.
  void finish();
  void print_stats(std::FILE* err) const;

  const FlowTrackerStats& tracker_stats() const { return tracker_.stats(); }
  report::ReportSnapshot snapshot() const;

 private:
  void on_verdict(const FlowVerdict& v);
  void emit(const std::string& text, const std::string& json_line);

  DetectOptions opts_;
  std::FILE* out_;
  policy::Policy policy_;
  report::Format format_;
  std::unique_ptr<report::Formatter> formatter_;
  std::optional<report::AppendFile> output_file_;
  std::optional<report::AppendFile> flows_file_;
  report::Aggregator aggregator_;
  report::RiskTracker risk_;
  FlowTracker tracker_;
  std::int64_t last_now_ns_ = 0;
  std::array<std::uint64_t, 16> verdicts_by_app_{};
  std::uint64_t mismatches_ = 0;
};

}  // namespace protoport::cli
