// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/row_output.h"

#include <stdio_ext.h>

#include <cerrno>
#include <cstring>

namespace protoport::report {

namespace {

constexpr auto kRepeatEvery = std::chrono::minutes(1);

}  // namespace

RowOutput::RowOutput(std::string name, std::FILE* stream)
    : name_(std::move(name)), stream_(stream) {}

RowOutput::RowOutput(std::string name, AppendFile file)
    : name_(std::move(name)), file_(std::move(file)) {}

bool RowOutput::write(std::string_view text) {
  if (text.empty()) return true;
  if (file_) {
    try {
      file_->write(text);
    } catch (const OutputError& e) {
      failed(name_ + ": " + e.what());
      return false;
    }
  } else {
    errno = 0;
    const bool ok = std::fwrite(text.data(), 1, text.size(), stream_) == text.size() &&
                    std::fflush(stream_) == 0;  // a row is seen (and survives a crash) at once
    if (!ok) {
      const int err = errno;
      // Drop what the failed write left buffered (this row, counted lost) and the error flag,
      // so that the next row is written on its own, not behind a stale half.
      __fpurge(stream_);
      std::clearerr(stream_);
      failed(name_ + ": write failed: " + (err != 0 ? std::strerror(err) : "I/O error"));
      return false;
    }
  }
  if (failing_) {
    std::fprintf(stderr, "protoport: %s: writing again (%llu writes lost)\n", name_.c_str(),
                 static_cast<unsigned long long>(lost_));
    failing_ = false;
    lost_unsaid_ = 0;
  }
  return true;
}

void RowOutput::failed(const std::string& reason) {
  ++lost_;
  ++lost_unsaid_;
  last_error_ = reason;
  const auto now = std::chrono::steady_clock::now();
  if (failing_ && now - last_said_ < kRepeatEvery) return;  // held back while it repeats
  std::fprintf(stderr,
               "protoport: %s; %llu writes lost so far (%llu since the last message); detection "
               "and the other outputs go on\n",
               reason.c_str(), static_cast<unsigned long long>(lost_),
               static_cast<unsigned long long>(lost_unsaid_));
  failing_ = true;
  last_said_ = now;
  lost_unsaid_ = 0;
}

std::string RowOutput::summary() const {
  if (lost_ == 0) return {};
  return name_ + ": " + std::to_string(lost_) + " writes lost (last error: " + last_error_ + ")";
}

}  // namespace protoport::report
