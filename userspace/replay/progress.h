// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// One-line progress display for long replays: frames, percent of the current file, rate. Drawn on
// a terminal with \r at most ten times a second; silent when the stream is not a terminal, so
// logs and pipes never see it.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <string_view>

namespace protoport::replay {

// What the display needs at the moment it draws; computed only then (ftell is not free).
struct ProgressPoint {
  std::string_view file;       // current file name
  std::size_t file_index = 0;  // 0-based
  std::size_t file_count = 1;
  std::uint64_t file_offset = 0;  // bytes of the current file read
  std::uint64_t file_size = 0;    // 0 when unknown (a pipe): no percent shown
};

class Progress {
 public:
  using Clock = std::function<std::uint64_t()>;  // monotonic ns

  // Draws on stderr if, and only if, stderr is a terminal.
  static Progress for_stderr();

  // `enabled` false makes every call a no-op. `check_every` frames between clock reads.
  Progress(std::FILE* out, bool enabled, Clock clock = {}, std::uint32_t check_every = 1024);

  // Call once per frame with the running frame count; `where` is called (returning a
  // ProgressPoint) only when a line is about to be drawn.
  template <class Where>
  void on_frame(std::uint64_t frames, Where&& where) {
    if (!enabled_ || ++since_check_ < check_every_) return;
    since_check_ = 0;
    const std::uint64_t now = clock_();
    if (!started_) start(now);
    if (now - last_draw_ns_ < kMinIntervalNs) return;
    draw(frames, where(), now);
  }

  // Erases the line if anything was drawn, so the report starts on a clean line.
  void finish();

  bool enabled() const { return enabled_; }
  std::uint64_t lines_drawn() const { return lines_drawn_; }

  static constexpr std::uint64_t kMinIntervalNs = 100'000'000;  // at most 10 redraws a second

 private:
  void start(std::uint64_t now);
  void draw(std::uint64_t frames, const ProgressPoint& at, std::uint64_t now);

  std::FILE* out_;
  bool enabled_;
  Clock clock_;
  std::uint32_t check_every_;
  std::uint32_t since_check_ = 0;
  bool started_ = false;
  std::uint64_t start_ns_ = 0;
  std::uint64_t last_draw_ns_ = 0;
  std::uint64_t lines_drawn_ = 0;
};

}  // namespace protoport::replay
