// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The effective configuration, put together from the sections each layer owns: the policy's
// (preset, expected_ports, filters) and the exporters'. From --config FILE, or --preset, or the
// default policy with no exporters.
#pragma once

#include "export/settings.h"
#include "pipeline/options.h"
#include "policy/policy.h"

namespace protoport::pipeline {

struct LoadedConfig {
  policy::Policy policy;
  exporters::ExportConfig exporters;  // the file's exporters: section (the flags come later)
};

// A bad file throws config::ConfigError ("file:line: message"), an unknown preset UsageError;
// the CLI turns both into exit code 2.
LoadedConfig load_config(const Options& opts);

}  // namespace protoport::pipeline
