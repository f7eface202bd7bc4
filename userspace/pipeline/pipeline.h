// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The detection pipeline shared by `watch` and `replay`: samples -> flow tracker (one verdict
// per flow) -> port policy and filters -> aggregation -> the chosen format on `out`, plus the
// --output and --flows files, --risk events and the exporters. Every bound it has is counted
// and shown in print_stats().
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <span>

#include "detect/flow_tracker.h"
#include "detect/process_table.h"
#include "export/hub.h"
#include "pipeline/config_load.h"
#include "pipeline/options.h"
#include "pipeline/sample_sink.h"
#include "policy/policy.h"
#include "protoport/sample.h"
#include "report/aggregator.h"
#include "report/format.h"
#include "report/pcap_evidence.h"
#include "report/risk.h"
#include "report/row_output.h"

namespace protoport::pipeline {

class Pipeline final : public SampleSink {
 public:
  // Loads the policy (a bad config throws config::ConfigError) and opens --output (a file that
  // cannot be opened throws UsageError) before anything is attached.
  Pipeline(const Options& opts, std::FILE* out);

  void on_sample(const pp_sample& s, std::span<const std::uint8_t> payload,
                 std::int64_t wall_ns) override {
    tracker_.on_sample(s, payload, wall_ns);
  }
  // Decides flows idle past the timeout, at wall-clock time now_ns.
  void tick(std::int64_t now_ns) override {
    last_now_ns_ = now_ns;
    tracker_.expire(now_ns);
    if (hub_ && hub_->metrics_due()) publish_metrics();
  }
  // SIGHUP: reads policy and filters again from --config. Aggregates, flows in progress, and the
  // exporters stay as they are. A bad file keeps the current policy (false, reason on stderr).
  bool reload() override;
  void set_kernel_source(std::function<KernelView()> source) override {
    kernel_source_ = std::move(source);
  }
  // Prints the aggregated report as of the last tick/sample time.
  void report() override;
  // Decides every remaining flow (replay: at the end of each capture file).
  void end_of_input() override { tracker_.flush(); }
  void on_socket_event(const pp_sock_event& event) override { processes_.on_event(event); }
  // Decides every remaining flow and prints the final report.
  void finish() override;
  void print_stats(std::FILE* err) const override;

  const FlowTrackerStats& tracker_stats() const { return tracker_.stats(); }
  std::uint64_t mismatching_flows() const { return mismatches_; }  // not suppressed by a filter
  std::size_t report_rows() const { return aggregator_.size(); }
  // new_mismatch events not emitted: the key had been announced, then evicted from the table.
  std::uint64_t announcements_held() const { return announcements_held_; }
  // Writes lost on the standard output and the --output/--flows files.
  std::uint64_t writes_lost() const;
  report::ReportSnapshot snapshot() const;

 private:
  ProcessTable processes_;  // process attribution: filled by on_socket_event()
  Pipeline(const Options& opts, std::FILE* out, LoadedConfig config);
  void on_verdict(const FlowVerdict& v);
  void write_evidence(const FlowVerdict& v, const policy::Mismatch& m);
  // Samples a flow keeps for --pcap-out: the default samples per direction, both directions,
  // and a TCP opening's pieces.
  static constexpr std::size_t kEvidenceSamplesPerFlow = 16;
  void emit(const std::string& text, const std::string& json_line);
  void publish_metrics();
  std::uint64_t filtered_total() const {
    return filtered_before_reload_ + policy_.filtered_total();
  }

  Options opts_;
  report::RowOutput stdout_;
  exporters::ExportConfig export_config_;  // the file's, to tell a reload that changed it
  policy::Policy policy_;
  report::Format format_;
  std::unique_ptr<report::Formatter> formatter_;
  std::optional<report::RowOutput> output_file_;
  std::optional<report::RowOutput> flows_file_;
  std::unique_ptr<report::PcapEvidence> pcap_;  // --pcap-out
  report::Aggregator aggregator_;
  report::RiskTracker risk_;
  FlowTracker tracker_;
  std::int64_t last_now_ns_ = 0;
  std::array<std::uint64_t, fingerprint::kAppCount> verdicts_by_app_{};
  std::uint64_t mismatches_ = 0;
  std::uint64_t announcements_held_ = 0;  // new rows of keys evicted before: no new_mismatch
  bool said_table_full_ = false;
  std::unique_ptr<exporters::Hub> hub_;  // null when nothing is exported
  std::function<KernelView()> kernel_source_;
  std::uint64_t filtered_before_reload_ = 0;
  std::uint64_t reloads_ok_ = 0, reloads_failed_ = 0;
};

}  // namespace protoport::pipeline
