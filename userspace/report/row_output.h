// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// One place rows are written to: the standard output (the chosen format) or a file (--output,
// --flows: JSON lines). A write that fails (a full disk, /dev/full, a closed pipe) never stops
// detection: the rows are counted as lost, the failure is said on stderr (the first time, then at
// most once a minute while it lasts, with the count), the next rows are tried again, and a
// success after failures is said once. Whatever else is fed (exporters, other files) is fed as
// before.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

#include "report/output_file.h"

namespace protoport::report {

class RowOutput {
 public:
  // The standard output (or any stream): each write is fputs + fflush.
  RowOutput(std::string name, std::FILE* stream);
  // An --output/--flows file: each write is one write(2) (AppendFile).
  RowOutput(std::string name, AppendFile file);

  // Writes complete lines; false when they were lost (counted, said on stderr).
  bool write(std::string_view text);

  const std::string& name() const { return name_; }
  std::uint64_t writes_lost() const { return lost_; }
  // "NAME: N writes lost (last error: ...)" when any was lost, else empty.
  std::string summary() const;

 private:
  void failed(const std::string& reason);

  std::string name_;
  std::FILE* stream_ = nullptr;
  std::optional<AppendFile> file_;
  std::uint64_t lost_ = 0;
  std::uint64_t lost_unsaid_ = 0;  // lost since the last message
  bool failing_ = false;
  std::string last_error_;
  std::chrono::steady_clock::time_point last_said_{};
};

}  // namespace protoport::report
