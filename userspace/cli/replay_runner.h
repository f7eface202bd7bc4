// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// How `replay` puts frames through the kernel: each frame the skip filter cannot leave out is
// run, and each sample goes to the sink with the capture time of the frame that gave it.
//  - exact (no filter, no batch): one bpf_prog_test_run_opts per frame, the attached program
//    itself (protoport_xdp): the reference every faster way must equal;
//  - batched: frames queue in a loader::FrameBatch and run many per call; what the filter
//    needs to know before its next decision (SkipFilter::must_run_queue_first/now) runs the
//    queue early. Frames a batch cannot take (longer than the kernel's linear test-run data,
//    shorter than an Ethernet header) run on their own through the same batch program, after
//    the queue, in order.
// The sink sees the same samples in the same order with the same times either way: flush()
// before anything else reaches the sink (a tick, the end of a file).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "loader/loader.h"
#include "pipeline/sample_sink.h"
#include "replay/frame_feed.h"
#include "replay/skip_filter.h"

namespace protoport::cli {

class ReplayRunner {
 public:
  // filter: nullptr runs every frame. The program must have been loaded with
  // Settings::replay_batch > 0 for a batch to be used; everything must outlive the runner.
  // Pins the calling thread, which must be the one calling frame() and flush(), to its CPU.
  ReplayRunner(const loader::Program& program, replay::SkipFilter* filter,
               pipeline::SampleSink& sink);

  // One frame, in capture order; `bytes` may be empty for a frame the feed left without them
  // (stateless ones, which the filter always leaves out).
  void frame(const replay::FeedFrame& f, std::span<const std::uint8_t> bytes);
  // Runs whatever is queued and hands its samples to the sink.
  void flush();

  std::uint64_t refused() const { return refused_; }  // frames the kernel would not run
  std::uint64_t calls() const { return calls_; }      // test-run calls made

 private:
  void on_sample(const pp_sample& s, std::span<const std::uint8_t> payload);
  void run_alone(std::span<const std::uint8_t> bytes, std::int64_t ts_ns);

  const loader::Program& program_;
  replay::SkipFilter* filter_;
  pipeline::SampleSink& sink_;
  std::optional<loader::FrameBatch> batch_;
  std::vector<std::int64_t> batch_ts_;  // capture time of each queued frame
  std::size_t cursor_ = 0;              // the queued frame the next sample belongs to
  bool draining_batch_ = false;
  std::int64_t alone_ts_ = 0;  // a frame run alone: its samples' time
  std::uint64_t refused_ = 0, calls_ = 0;
  loader::RingReader reader_;  // last: its callback uses everything above
};

}  // namespace protoport::cli
