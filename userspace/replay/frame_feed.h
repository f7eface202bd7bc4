// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Replay's second core: reads the captures (libpcap) and previews every frame (preview_frame) on
// a thread of its own, while the caller's thread loads the BPF program and then runs frames
// through it. Reading and the test runs each cost about as much as the other here, so on two
// cores they overlap instead of adding up.
//
// Frames travel in batches through a fixed pool (kBatches batches, each grown to at most the
// largest frame plus kBatchBytes), so memory is bounded whatever the capture: about 4 MiB,
// which lets the reader work ahead while the program loads (big.pcap: 16 batches 88 ms, 4
// batches 97 ms; `perf stat -r 15 protoport replay`). A frame the
// program handles without looking at flows (stateless_outcome() of its preview) travels without
// its bytes unless the caller wants every frame's bytes (--exact): it will be counted, not run.
// (Unless it is longer than kTestRunLinearFloor: SkipFilter, which knows the running kernel's
// test_run limit, may still have to run it.)
// Batches never span two files, and arrive in capture order.
//
// A damaged file (a corrupt or cut record) either ends the feed (its CaptureError rethrown by
// next()) or, with FeedOptions::continue_after_damage, ends only that file: its last batch
// carries the error in FeedBatch::damage and the next file follows. An Interrupt stops reading
// at once, even on a pipe nobody writes to: the frames already read are delivered, then the end.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "replay/capture_sequence.h"
#include "replay/interrupt.h"
#include "replay/skip_filter.h"

namespace protoport::replay {

struct FeedFrame {
  std::uint64_t ts_ns = 0;
  std::uint32_t len = 0;     // frame length, what the program's byte counter adds
  std::uint32_t offset = 0;  // of its bytes in FeedBatch::bytes, when has_bytes
  bool has_bytes = false;    // false: a stateless frame of at most kTestRunLinearFloor bytes,
                             // counted, never run
  FramePreview preview;      // empty (kind run) when every frame's bytes were asked for
};

struct FeedBatch {
  std::size_t file_index = 0;     // every frame of a batch comes from this file
  std::uint64_t file_offset = 0;  // bytes of the file read when the batch was closed (if asked)
  std::uint64_t file_size = 0;    // of that file
  std::vector<FeedFrame> frames;
  std::vector<std::uint8_t> bytes;
  // Not empty: the file of this batch is damaged and ends here (CaptureError::what(), naming the
  // file and the frame); the rest of it is not read. The batch may have no frames.
  std::string damage;

  std::span<const std::uint8_t> bytes_of(const FeedFrame& f) const {
    return {bytes.data() + f.offset, f.len};
  }
};

struct FeedOptions {
  bool all_bytes = false;     // every frame carries its bytes and no preview (--exact)
  bool file_offsets = false;  // fill FeedBatch::file_offset (an lseek per batch; for progress)
  // A damaged file ends only itself (FeedBatch::damage), not the whole feed: `replay cut.pcap
  // good.pcap` still reads good.pcap.
  bool continue_after_damage = false;
  // Raised: stop reading (checked per frame, and wakes a read blocked on a pipe when the
  // CaptureSequence was made with interrupt->fd()). Must outlive the feed.
  const Interrupt* interrupt = nullptr;
};

class FrameFeed {
 public:
  static constexpr std::size_t kBatches = 16;
  static constexpr std::size_t kBatchFrames = 1024;
  static constexpr std::size_t kBatchBytes = 256 * 1024;

  // Starts reading at once, on its own thread, which blocks SIGINT, SIGTERM and SIGHUP: they are
  // for the caller's thread.
  FrameFeed(CaptureSequence captures, FeedOptions options);
  // Stops the reader (it may be waiting for a free batch) and joins it.
  ~FrameFeed();
  FrameFeed(const FrameFeed&) = delete;
  FrameFeed& operator=(const FrameFeed&) = delete;

  // The next batch in capture order, or nullptr once every frame was delivered (or, after an
  // Interrupt, every frame read before it). The batch stays valid until the next call. After
  // nullptr, a CaptureError (corrupt record, unless continue_after_damage) or any other failure
  // of the reader is rethrown: every frame before it has been delivered.
  const FeedBatch* next();

  std::size_t file_count() const { return paths_.size(); }
  const std::string& path(std::size_t index) const { return paths_.at(index); }
  // Reader counters over every file; final once next() returned nullptr.
  ReaderStats stats() const;

 private:
  using BatchPtr = std::unique_ptr<FeedBatch>;
  void read_all(std::stop_token stop);
  bool interrupted() const {
    return options_.interrupt != nullptr && options_.interrupt->requested();
  }
  bool publish(BatchPtr& batch, std::stop_token& stop);  // false: stopped

  CaptureSequence captures_;  // used by the reader thread only, until it has finished
  const FeedOptions options_;
  const std::vector<std::string> paths_;

  mutable std::mutex mu_;
  std::condition_variable_any changed_;
  std::deque<BatchPtr> free_, full_;  // guarded by mu_
  bool done_ = false;                 // guarded by mu_: no batch will follow those in full_
  std::exception_ptr failure_;        // guarded by mu_
  ReaderStats final_stats_;           // guarded by mu_, set with done_
  BatchPtr in_use_;                   // the batch the caller is reading
  std::jthread reader_;               // last: started once everything above exists
};

}  // namespace protoport::replay
