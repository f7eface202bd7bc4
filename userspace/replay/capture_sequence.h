// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Several captures replayed one after the other, as `protoport replay A B C` does. Every file is
// checked (readable, a capture, supported link type) before the first frame is read, so a bad
// argument fails at once rather than after minutes of work.
//
// Each input is opened exactly once (open(2), or standard input for "-"), because a pipe, a
// FIFO, /dev/stdin or <(...) can be read only once: opened again it is empty, or blocks. A
// regular file keeps only its descriptor between the check and its turn (the check reads its
// header through a duplicate, then the offset is put back); any other input keeps the reader
// that checked it, header already read. At most one file is being read at a time.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "replay/capture_reader.h"

namespace protoport::replay {

class CaptureSequence {
 public:
  // Throws CaptureError for the first file that cannot be replayed. `cancel_fd` (see
  // CaptureReader) stops reads of pipes and FIFOs, including those made here for the check.
  explicit CaptureSequence(std::vector<std::string> paths, int cancel_fd = -1);
  ~CaptureSequence();
  CaptureSequence(CaptureSequence&&) noexcept;
  CaptureSequence& operator=(CaptureSequence&&) noexcept;

  // Next frame across all files, false after the last one. Frame numbers restart at 1 in each
  // file. Throws CaptureError for a corrupt record (after every earlier frame was returned);
  // the sequence stops there, unless continue_after_error() is called.
  bool next(Frame& out);

  // After next() threw: the following next() goes on with the file after the damaged one (the
  // rest of the damaged file is not read). Throws CaptureError if that file cannot be opened
  // again; calling it again then moves past that one too.
  void continue_after_error();

  std::size_t file_count() const { return inputs_.size(); }
  const std::vector<std::string>& paths() const { return paths_; }
  // Index of the file the last frame came from (0-based); after an error, of the damaged file.
  std::size_t file_index() const { return index_; }
  // The open file, or nullptr before the first and after the last frame.
  const CaptureReader* current() const { return current_ ? &*current_ : nullptr; }
  // Counters over every file read so far, including the current one.
  ReaderStats stats() const;

 private:
  struct Input {
    int fd = -1;                          // a regular file, not yet read (owned)
    std::optional<CaptureReader> reader;  // any other input, header read by the check
  };
  void close_inputs() noexcept;
  void open_current();  // makes current_ the reader of inputs_[index_]

  std::vector<std::string> paths_;
  std::vector<Input> inputs_;
  int cancel_fd_ = -1;
  std::size_t index_ = 0;
  std::optional<CaptureReader> current_;
  ReaderStats finished_;  // files already closed
};

}  // namespace protoport::replay
