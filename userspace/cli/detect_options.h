// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Options shared by `watch` and `replay`: kernel sampling settings, policy and output.
#pragma once

#include <cstdint>
#include <string>

#include "export/config.h"
#include "loader/loader.h"

namespace CLI {
class App;
}

namespace protoport::cli {

struct DetectOptions {
  loader::Settings kernel;         // --snap-len, --samples-per-dir, --max-flows, --ringbuf-size
  std::string format = "table";    // --format table|json|csv
  std::string output_file;         // --output FILE: JSON lines appended, flushed per row
  std::string flows_file;          // --flows FILE: every flow's verdict as JSON lines
  bool risk = false;               // --risk: risk events too
  std::string config_file;         // --config FILE
  std::string preset;              // --preset default|escu-v10 (empty: the default)
  bool dump = false;               // --dump: print each sample instead of detecting
  std::size_t max_tracked_flows = 65536;   // userspace flow-tracker bound
  std::size_t max_report_rows = 100000;    // aggregation bound
  exporters::ExportOptions exporters;      // --hec-url, --syslog, --metrics-listen, ...
};

// Adds the shared options to a subcommand.
void add_detect_options(CLI::App& sub, DetectOptions& opts);

}  // namespace protoport::cli
