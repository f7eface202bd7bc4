// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "cli/counters_print.h"

#include <nlohmann/json.hpp>

namespace protoport::cli {

void print_counters(std::FILE* out, const loader::Counters& c, const std::string& label,
                    bool json) {
  if (json) {
    nlohmann::json j;
    j["event"] = "kernel_counters";
    j["instance"] = label;
    for (int i = 0; i < PP_CNT_MAX; ++i) {
      const auto id = static_cast<pp_counter>(i);
      j[std::string(loader::counter_name(id))] = c[id];
    }
    std::fprintf(out, "%s\n", j.dump().c_str());
    return;
  }
  std::fprintf(out, "kernel counters (%s):\n", label.c_str());
  for (int i = 0; i < PP_CNT_MAX; ++i) {
    const auto id = static_cast<pp_counter>(i);
    const auto name = loader::counter_name(id);
    std::fprintf(out, "  %-18.*s %20llu\n", static_cast<int>(name.size()), name.data(),
                 static_cast<unsigned long long>(c[id]));
  }
}

}  // namespace protoport::cli
