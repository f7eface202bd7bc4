// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// A bad configuration file: what() is the one line the CLI prints, `file:line: message`, and the
// CLI exits with code 2. line is 1-based; 0 when the problem is the file itself (unreadable).
#pragma once

#include <stdexcept>
#include <string>

namespace protoport::config {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, int line, std::string message)
      : std::runtime_error(file + ":" + std::to_string(line) + ": " + message),
        file_(std::move(file)),
        line_(line),
        message_(std::move(message)) {}

  const std::string& file() const { return file_; }
  int line() const { return line_; }
  const std::string& message() const { return message_; }

 private:
  std::string file_;
  int line_;
  std::string message_;
};

}  // namespace protoport::config
