// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#pragma once

#include "cli/detect_options.h"
#include "policy/policy.h"

namespace protoport::cli {

// The effective policy: --config FILE, or --preset, or the default. A bad file throws
// policy::ConfigError ("file:line: message"), which main() turns into exit code 2.
policy::Policy load_policy(const DetectOptions& opts);

}  // namespace protoport::cli
