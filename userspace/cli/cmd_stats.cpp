// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `protoport stats`: the kernel counters of every protoport program running on this host, found
// by their counters map's name, so no pinning and nothing to clean up after a crash.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/counters_print.h"
#include "cli/exit_codes.h"
#include "loader/loader.h"

namespace protoport::cli {

void register_stats(CLI::App& app, Commands& commands) {
  auto json = std::make_shared<bool>(false);
  CLI::App* sub = app.add_subcommand(
      "stats", "Print the kernel counters of each running 'protoport watch' (needs root).");
  sub->add_flag("--json", *json, "One JSON object per running instance instead of a table");
  sub->callback([&commands, json] {
    commands.selected = [json] {
      const auto instances = loader::find_running_instances();
      if (instances.empty()) {
        std::fprintf(stderr, "protoport: no running protoport program found\n");
        return kExitFailure;
      }
      for (const auto& inst : instances) {
        const std::string label =
            "map " + std::to_string(inst.map_id) + ", prog " + std::to_string(inst.prog_id);
        print_counters(stdout, inst.counters, label, *json);
      }
      return kExitOk;
    };
  });
}

}  // namespace protoport::cli
