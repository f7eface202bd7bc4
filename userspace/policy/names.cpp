// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "policy/names.h"

#include <array>

namespace protoport::policy {

using fingerprint::App;
using fingerprint::Transport;

std::span<const App> all_apps() {
  static constexpr auto kApps = [] {
    std::array<App, fingerprint::kAppCount> apps{};
    for (std::size_t i = 0; i < apps.size(); ++i) apps[i] = static_cast<App>(i);
    return apps;
  }();
  return kApps;
}

std::optional<App> parse_app(std::string_view name) {
  for (const App app : all_apps())
    if (fingerprint::to_string(app) == name) return app;
  return std::nullopt;
}

std::optional<Transport> parse_transport(std::string_view name) {
  for (const Transport t : {Transport::tcp, Transport::udp})
    if (fingerprint::to_string(t) == name) return t;
  return std::nullopt;
}

std::string app_names(bool include_unknown) {
  std::string out;
  for (const App app : all_apps()) {
    if (app == App::unknown && !include_unknown) continue;
    if (!out.empty()) out += ", ";
    out += fingerprint::to_string(app);
  }
  return out;
}

}  // namespace protoport::policy
