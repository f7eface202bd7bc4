// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Exit codes shared by every subcommand (documented in `protoport --help`).
#pragma once

#include <stdexcept>

namespace protoport::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure: permissions, BTF, XDP, I/O
inline constexpr int kExitUsage = 2;    // bad command line or configuration file
inline constexpr int kExitCapture = 3;  // capture file unreadable or corrupt

// A bad value the user gave (option, file): one line, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace protoport::cli
