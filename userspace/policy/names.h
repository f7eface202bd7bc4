// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// App and transport names as the configuration file spells them (the fingerprint's to_string
// names, so that a config, a report row and a rule id always agree).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "fingerprint/fingerprint.h"

namespace protoport::policy {

// Every App value, in enum order (derived from fingerprint::kAppCount).
std::span<const fingerprint::App> all_apps();

std::optional<fingerprint::App> parse_app(std::string_view name);
std::optional<fingerprint::Transport> parse_transport(std::string_view name);

// "dns, http, ssl, ..." for error messages.
std::string app_names(bool include_unknown);

}  // namespace protoport::policy
