// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#pragma once

#include "cli/detect_options.h"
#include "export/config.h"
#include "policy/policy.h"

namespace protoport::cli {

// The effective policy: --config FILE, or --preset, or the default. A bad file throws
// policy::ConfigError ("file:line: message"), which main() turns into exit code 2. The file's
// exporters: section is checked too, and stored in `exporters` when given.
policy::Policy load_policy(const DetectOptions& opts, exporters::ExportConfig* exporters = nullptr);

}  // namespace protoport::cli
