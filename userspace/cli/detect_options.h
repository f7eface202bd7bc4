// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Options shared by `watch` and `replay`: kernel sampling settings, policy and output.
#pragma once

#include "loader/loader.h"
#include "pipeline/options.h"

namespace CLI {
class App;
}

namespace protoport::cli {

struct DetectOptions {
  loader::Settings kernel;     // --snap-len, --samples-per-dir, --max-flows, --ringbuf-size
  bool dump = false;           // --dump: print each sample instead of detecting
  pipeline::Options pipeline;  // policy, formats, files, bounds, exporters

  // The pipeline's options, with the kernel settings it must know (samples per direction).
  pipeline::Options pipeline_options() const;
  // JSON counters at exit: when the rows are JSON too.
  bool json_counters() const { return !dump && pipeline.format == "json"; }
};

// Adds the shared options to a subcommand.
void add_detect_options(CLI::App& sub, DetectOptions& opts);

}  // namespace protoport::cli
