// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// A bad value the user gave (an option, a file name, a preset): what() is one line that names it,
// and the command exits with code 2 (cli/exit_codes.h). Any layer may throw it for its options.
#pragma once

#include <stdexcept>

namespace protoport {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace protoport
