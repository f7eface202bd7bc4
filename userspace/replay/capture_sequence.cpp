// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "replay/capture_sequence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace protoport::replay {

CaptureSequence::CaptureSequence(std::vector<std::string> paths, int cancel_fd)
    : paths_(std::move(paths)), cancel_fd_(cancel_fd) {
  inputs_.resize(paths_.size());
  try {
    for (std::size_t i = 0; i < paths_.size(); ++i) {
      const std::string& path = paths_[i];
      const int fd = open_capture_input(path);  // throws, naming the file
      struct stat st {};
      fstat(fd, &st);  // open_capture_input() has done it once already
      const off_t at = S_ISREG(st.st_mode) ? lseek(fd, 0, SEEK_CUR) : -1;
      if (at < 0) {  // not seekable: this reader is the only one there will be
        inputs_[i].reader.emplace(path, fd, cancel_fd_);
        continue;
      }
      inputs_[i].fd = fd;
      const int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
      if (dup_fd < 0)
        throw CaptureError(display_name(path) + ": cannot open: " + std::strerror(errno));
      CaptureReader check(path, dup_fd);  // shares fd's offset: put it back afterwards
      if (lseek(fd, at, SEEK_SET) != at)
        throw CaptureError(display_name(path) + ": cannot seek: " + std::strerror(errno));
    }
    if (!inputs_.empty()) open_current();
  } catch (...) {
    close_inputs();
    throw;
  }
}

CaptureSequence::~CaptureSequence() { close_inputs(); }

CaptureSequence::CaptureSequence(CaptureSequence&& o) noexcept
    : paths_(std::move(o.paths_)),
      inputs_(std::move(o.inputs_)),
      cancel_fd_(o.cancel_fd_),
      index_(o.index_),
      current_(std::move(o.current_)),
      finished_(o.finished_) {
  o.inputs_.clear();  // its descriptors are ours now
  o.current_.reset();
}

CaptureSequence& CaptureSequence::operator=(CaptureSequence&& o) noexcept {
  if (this != &o) {
    close_inputs();
    paths_ = std::move(o.paths_);
    inputs_ = std::move(o.inputs_);
    cancel_fd_ = o.cancel_fd_;
    index_ = o.index_;
    current_ = std::move(o.current_);
    finished_ = o.finished_;
    o.inputs_.clear();
    o.current_.reset();
  }
  return *this;
}

void CaptureSequence::close_inputs() noexcept {
  for (Input& in : inputs_) {
    if (in.fd >= 0) close(in.fd);
    in.fd = -1;
    in.reader.reset();
  }
}

void CaptureSequence::open_current() {
  Input& in = inputs_[index_];
  if (in.reader) {
    current_ = std::move(in.reader);
    in.reader.reset();
  } else if (in.fd >= 0) {
    current_.emplace(paths_[index_], std::exchange(in.fd, -1), cancel_fd_);
  }
}

bool CaptureSequence::next(Frame& out) {
  while (current_) {
    try {
      if (current_->next(out)) return true;
    } catch (const CaptureError&) {
      finished_ += current_->stats();
      current_.reset();  // a corrupt file ends the sequence, unless continue_after_error()
      throw;
    }
    finished_ += current_->stats();
    current_.reset();
    if (index_ + 1 < inputs_.size()) {
      ++index_;
      open_current();  // a CaptureError here is this file's: continue_after_error() skips it
    }
  }
  return false;
}

void CaptureSequence::continue_after_error() {
  if (current_ || index_ + 1 >= inputs_.size()) return;
  ++index_;  // the damaged file's descriptor went with its reader
  open_current();
}

ReaderStats CaptureSequence::stats() const {
  ReaderStats total = finished_;
  if (current_) total += current_->stats();
  return total;
}

}  // namespace protoport::replay
