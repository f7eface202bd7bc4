// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `protoport policy`: print the effective port policy and filters, or check a config file.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/exit_codes.h"
#include "pipeline/config_load.h"
#include "policy/describe.h"

namespace protoport::cli {

void register_policy(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<pipeline::Options>();
  CLI::App* sub = app.add_subcommand(
      "policy",
      "Print the effective port policy (expected ports per app, expected apps per port, "
      "filters) and exit.\n"
      "Use it to check a configuration file before deploying it: a bad file exits 2.");
  auto* config = sub->add_option("--config", o->config_file, "YAML configuration file")
                     ->check(CLI::ExistingFile);
  sub->add_option("--preset", o->preset, "default, escu-v10 or extended")
      ->check(CLI::IsMember({"default", "escu-v10", "extended"}))
      ->excludes(config);
  sub->add_option("--port-rules", o->port_rules, "on or off (overrides the file's port_rules:)")
      ->check(CLI::IsMember({"on", "off"}));
  sub->callback([&commands, o] {
    commands.selected = [o] {
      const auto config = pipeline::load_config(*o);
      std::fputs(policy::describe(config.policy).c_str(), stdout);
      return kExitOk;
    };
  });
}

}  // namespace protoport::cli
