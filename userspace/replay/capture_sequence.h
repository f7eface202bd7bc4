// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Several captures replayed one after the other, as `protoport replay A B C` does. Every file is
// checked (readable, a capture, supported link type) before the first frame is read, so a bad
// argument fails at once rather than after minutes of work; only one file is open at a time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "replay/capture_reader.h"

namespace protoport::replay {

class CaptureSequence {
 public:
  // Throws CaptureError for the first file that cannot be replayed.
  explicit CaptureSequence(std::vector<std::string> paths);

  // Next frame across all files, false after the last one. Frame numbers restart at 1 in each
  // file. Throws CaptureError for a corrupt record (after every earlier frame was returned);
  // the sequence stops there.
  bool next(Frame& out);

  std::size_t file_count() const { return paths_.size(); }
  const std::vector<std::string>& paths() const { return paths_; }
  // Index of the file the last frame came from (0-based).
  std::size_t file_index() const { return index_; }
  // The open file, or nullptr before the first and after the last frame.
  const CaptureReader* current() const { return current_ ? &*current_ : nullptr; }
  // Counters over every file read so far, including the current one.
  ReaderStats stats() const;

 private:
  std::vector<std::string> paths_;
  std::size_t index_ = 0;
  std::optional<CaptureReader> current_;
  ReaderStats finished_;  // files already closed
};

}  // namespace protoport::replay
