// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Each subcommand registers its options with CLI11 and, when chosen, the function that runs it.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace protoport::cli {

struct Commands {
  std::function<int()> selected;
  int run() const { return selected ? selected() : 0; }
};

void register_watch(CLI::App& app, Commands& commands);
void register_replay(CLI::App& app, Commands& commands);
void register_policy(CLI::App& app, Commands& commands);
void register_stats(CLI::App& app, Commands& commands);

}  // namespace protoport::cli
