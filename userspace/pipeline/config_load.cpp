// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "pipeline/config_load.h"

#include <vector>

#include "common/usage_error.h"
#include "config/config_file.h"
#include "export/config.h"
#include "policy/config.h"

namespace protoport::pipeline {

LoadedConfig load_config(const Options& opts) {
  LoadedConfig loaded;
  if (!opts.config_file.empty()) {
    loaded.policy.set_source(opts.config_file);
    std::vector<config::Section> sections = policy::config_sections(loaded.policy);
    sections.push_back(exporters::config_section(loaded.exporters));
    config::load_file(opts.config_file, sections);
    return loaded;
  }
  if (opts.preset.empty()) return loaded;
  const auto preset = policy::parse_preset(opts.preset);
  if (!preset) throw UsageError("unknown preset '" + opts.preset + "' (default, escu-v10)");
  loaded.policy = policy::Policy::from_preset(*preset);
  return loaded;
}

}  // namespace protoport::pipeline
