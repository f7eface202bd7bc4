// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The effective policy as text, for `protoport policy`: rules with their expected ports per app
// and transport, the apps that never mismatch, and the filters. Lines are wrapped to `width`.
#pragma once

#include <cstddef>
#include <string>

#include "policy/policy.h"

namespace protoport::policy {

std::string describe(const Policy& policy, std::size_t width = 80);

}  // namespace protoport::policy
