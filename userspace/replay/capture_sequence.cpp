// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "replay/capture_sequence.h"

namespace protoport::replay {

CaptureSequence::CaptureSequence(std::vector<std::string> paths) : paths_(std::move(paths)) {
  for (const auto& path : paths_) CaptureReader check(path);  // throws for a bad file
  if (!paths_.empty()) current_.emplace(paths_.front());
}

bool CaptureSequence::next(Frame& out) {
  while (current_) {
    try {
      if (current_->next(out)) return true;
    } catch (const CaptureError&) {
      finished_ += current_->stats();
      current_.reset();  // a corrupt file ends the sequence: nothing after it is read
      throw;
    }
    finished_ += current_->stats();
    current_.reset();
    if (index_ + 1 < paths_.size()) current_.emplace(paths_[++index_]);
  }
  return false;
}

ReaderStats CaptureSequence::stats() const {
  ReaderStats total = finished_;
  if (current_) total += current_->stats();
  return total;
}

}  // namespace protoport::replay
