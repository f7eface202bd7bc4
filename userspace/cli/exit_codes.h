// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Exit codes shared by every subcommand (documented in `protoport --help`).
#pragma once

#include "common/usage_error.h"

namespace protoport::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure: permissions, BTF, XDP, I/O
inline constexpr int kExitUsage = 2;    // bad command line or configuration file (UsageError)
inline constexpr int kExitCapture = 3;  // capture file unreadable or corrupt

}  // namespace protoport::cli
