// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "replay/progress.h"

#include <time.h>
#include <unistd.h>

namespace protoport::replay {
namespace {

std::uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

constexpr int kBarWidth = 20;

}  // namespace

Progress Progress::for_stderr() { return Progress(stderr, isatty(fileno(stderr)) == 1); }

Progress::Progress(std::FILE* out, bool enabled, Clock clock, std::uint32_t check_every)
    : out_(out),
      enabled_(enabled && out != nullptr),
      clock_(clock ? std::move(clock) : Clock(monotonic_ns)),
      check_every_(check_every == 0 ? 1 : check_every) {}

void Progress::start(std::uint64_t now) {
  started_ = true;
  start_ns_ = now;
  last_draw_ns_ = now;  // the first line comes after one interval: short replays draw nothing
}

void Progress::draw(std::uint64_t frames, const ProgressPoint& at, std::uint64_t now) {
  last_draw_ns_ = now;
  const double secs = static_cast<double>(now - start_ns_) / 1e9;
  const double rate = secs > 0 ? static_cast<double>(frames) / secs : 0.0;
  char bar[kBarWidth + 1] = {};
  int percent = -1;
  if (at.file_size > 0) {
    const std::uint64_t offset = at.file_offset < at.file_size ? at.file_offset : at.file_size;
    percent = static_cast<int>(offset * 100 / at.file_size);
    const int filled = static_cast<int>(offset * kBarWidth / at.file_size);
    for (int i = 0; i < kBarWidth; ++i) bar[i] = i < filled ? '#' : '.';
  }
  // \r returns to column 0; \x1b[K clears what a longer previous line left behind.
  std::fprintf(out_, "\r[%zu/%zu] %.*s ", at.file_index + 1, at.file_count,
               static_cast<int>(at.file.size()), at.file.data());
  if (percent >= 0) std::fprintf(out_, "[%s] %3d%% ", bar, percent);
  std::fprintf(out_, "%llu frames, %.0f frames/s\x1b[K", static_cast<unsigned long long>(frames),
               rate);
  std::fflush(out_);
  ++lines_drawn_;
}

void Progress::finish() {
  if (lines_drawn_ == 0) return;
  std::fputs("\r\x1b[K", out_);
  std::fflush(out_);
}

}  // namespace protoport::replay
