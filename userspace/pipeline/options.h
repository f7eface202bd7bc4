// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// What the detection pipeline is asked to do: policy, output formats and files, bounds, exporters.
// Filled by the command line (cli/detect_options.cpp) or by a test or bench directly.
#pragma once

#include <cstddef>
#include <string>

#include "common/sampling_rule.h"
#include "export/config.h"
#include "protoport/sample.h"

namespace protoport::pipeline {

struct Options {
  std::string format = "table";           // --format table|json|csv
  std::string output_file;                // --output FILE: JSON lines appended, flushed per row
  std::string flows_file;                 // --flows FILE: every flow's verdict as JSON lines
  std::string pcap_out;                   // --pcap-out FILE: mismatching flows' samples, pcapng
  std::uint64_t pcap_max_bytes = 64ull << 20;  // --pcap-max-bytes: the file's bound
  bool risk = false;                      // --risk: risk events too
  std::string config_file;                // --config FILE
  std::string preset;                     // --preset default|escu-v10|extended (empty: default)
  std::string port_rules;                 // --port-rules on|off (empty: as configured, on)
  std::size_t max_tracked_flows = 65536;  // userspace flow-tracker bound
  std::size_t max_report_rows = 100000;   // aggregation bound
  // The kernel's sampling rule: when both directions have had every sample it gives, no more
  // come, and the flow is decided without waiting for its idle timeout.
  SamplingRule sampling;
  exporters::ExportOptions exporters;  // --hec-url, --syslog, --metrics-listen, ...
};

}  // namespace protoport::pipeline
