// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `--output FILE`: JSON lines appended to a file, each row handed to the kernel with write(2) as
// soon as it is formatted, so that rows written before a crash or a signal are never lost (they
// are in the page cache once write returns; sync() adds fsync for power loss, for the caller to
// call at each report and at exit rather than per row).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace protoport::report {

class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class AppendFile {
 public:
  // Opens (creating, mode 0640) with O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC|O_NOCTTY. Throws
  // OutputError "PATH: cannot open for appending: REASON".
  explicit AppendFile(std::string path);
  ~AppendFile();
  AppendFile(AppendFile&& other) noexcept;
  AppendFile& operator=(AppendFile&& other) noexcept;
  AppendFile(const AppendFile&) = delete;
  AppendFile& operator=(const AppendFile&) = delete;

  // Appends complete lines (text must end in '\n'): one write(2) for the whole text, repeated
  // only for the rest after a short write or EINTR. O_APPEND keeps each write whole at the end of
  // the file even when another process appends too. Throws OutputError on failure (disk full, ...)
  // and std::invalid_argument for text that does not end a line.
  void write(std::string_view text);

  // fsync(2); throws OutputError on failure.
  void sync();

  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace protoport::report
