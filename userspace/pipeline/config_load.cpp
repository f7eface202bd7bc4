// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "pipeline/config_load.h"

#include <vector>

#include "common/usage_error.h"
#include "config/config_file.h"
#include "export/config.h"
#include "policy/config.h"

namespace protoport::pipeline {

namespace {

LoadedConfig load_policy(const Options& opts) {
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
  if (!preset)
    throw UsageError("unknown preset '" + opts.preset + "' (" + policy::preset_names() + ")");
  loaded.policy = policy::Policy::from_preset(*preset);
  return loaded;
}

}  // namespace

LoadedConfig load_config(const Options& opts) {
  LoadedConfig loaded = load_policy(opts);
  // The command line wins over the file's port_rules:, so that one run can try either way.
  if (opts.port_rules == "on" || opts.port_rules == "off")
    loaded.policy.set_port_rules_enabled(opts.port_rules == "on");
  else if (!opts.port_rules.empty())
    throw UsageError("--port-rules: '" + opts.port_rules + "' is not on or off");
  return loaded;
}

}  // namespace protoport::pipeline
