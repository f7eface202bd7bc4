// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "cli/policy_load.h"

#include "cli/exit_codes.h"
#include "policy/config.h"

namespace protoport::cli {

policy::Policy load_policy(const DetectOptions& opts, exporters::ExportConfig* exporters) {
  if (!opts.config_file.empty()) {
    exporters::ExportConfig unused;
    const policy::ConfigSection sections[] = {exporters::config_section(exporters ? *exporters : unused)};
    return policy::load_policy_file(opts.config_file, sections);
  }
  if (opts.preset.empty()) return policy::Policy();
  const auto preset = policy::parse_preset(opts.preset);
  if (!preset) throw UsageError("unknown preset '" + opts.preset + "' (default, escu-v10)");
  return policy::Policy::from_preset(*preset);
}

}  // namespace protoport::cli
