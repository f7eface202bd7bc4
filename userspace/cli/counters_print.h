// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#pragma once

#include <cstdio>
#include <string>

#include "loader/loader.h"

namespace protoport::cli {

// Prints kernel counters as an aligned two-column table or one JSON object per line.
void print_counters(std::FILE* out, const loader::Counters& c, const std::string& label, bool json);

}  // namespace protoport::cli
