// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "replay/frame_feed.h"

#include <pthread.h>

#include <csignal>
#include <utility>

namespace protoport::replay {

FrameFeed::FrameFeed(CaptureSequence captures, FeedOptions options)
    : captures_(std::move(captures)), options_(options), paths_(captures_.paths()) {
  for (std::size_t i = 0; i < kBatches; ++i) {
    auto batch = std::make_unique<FeedBatch>();
    batch->frames.reserve(kBatchFrames);
    batch->bytes.reserve(kBatchBytes);
    free_.push_back(std::move(batch));
  }
  reader_ = std::jthread([this](std::stop_token stop) { read_all(std::move(stop)); });
}

FrameFeed::~FrameFeed() {
  reader_.request_stop();  // wakes a reader waiting for a free batch (condition_variable_any)
  if (reader_.joinable()) reader_.join();
}

bool FrameFeed::publish(BatchPtr& batch, std::stop_token& stop) {
  std::unique_lock lock(mu_);
  full_.push_back(std::move(batch));
  changed_.notify_all();
  if (!changed_.wait(lock, stop, [this] { return !free_.empty(); })) return false;
  batch = std::move(free_.front());
  free_.pop_front();
  return true;
}

void FrameFeed::read_all(std::stop_token stop) {
  // Signals go to the caller's thread, which handles them (replay: SIGINT prints the report).
  sigset_t block;
  sigemptyset(&block);
  for (const int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&block, sig);
  pthread_sigmask(SIG_BLOCK, &block, nullptr);

  std::exception_ptr failure;
  BatchPtr batch;
  bool open = false;  // batch holds frames of the current file, not yet published
  {
    std::lock_guard lock(mu_);
    batch = std::move(free_.front());
    free_.pop_front();
  }
  auto close_batch = [&] {
    if (options_.file_offsets) {
      const CaptureReader* cur = captures_.current();
      const bool file_read = cur == nullptr || captures_.file_index() != batch->file_index;
      batch->file_offset = file_read ? batch->file_size : cur->file_offset();
    }
    open = false;
    return publish(batch, stop);
  };
  auto open_batch = [&] {
    batch->frames.clear();
    batch->bytes.clear();
    batch->damage.clear();
    batch->file_index = captures_.file_index();
    const CaptureReader* cur = captures_.current();
    batch->file_size = cur ? cur->file_size() : 0;
    batch->file_offset = 0;
    open = true;
  };
  try {
    Frame frame;
    bool skip_damaged = false;  // the last file failed: go on with the next one
    for (;;) {
      try {
        if (std::exchange(skip_damaged, false)) captures_.continue_after_error();
        while (!stop.stop_requested() && !interrupted() && captures_.next(frame)) {
          const bool full = batch->frames.size() == kBatchFrames ||
                            batch->bytes.size() + frame.bytes.size() > kBatchBytes;
          if (open && (full || captures_.file_index() != batch->file_index)) {
            if (!close_batch()) return;
          }
          if (!open) open_batch();
          FeedFrame f;
          f.ts_ns = frame.ts_ns;
          f.len = static_cast<std::uint32_t>(frame.bytes.size());
          if (!options_.all_bytes) f.preview = preview_frame(frame.bytes);
          // A stateless frame longer than the least linear data any kernel gives keeps its
          // bytes: SkipFilter runs it if this kernel's test runs do not give it whole.
          f.has_bytes = options_.all_bytes || !stateless_outcome(f.preview.kind) ||
                        f.len > kTestRunLinearFloor;
          if (f.has_bytes) {
            f.offset = static_cast<std::uint32_t>(batch->bytes.size());
            batch->bytes.insert(batch->bytes.end(), frame.bytes.begin(), frame.bytes.end());
          }
          batch->frames.push_back(f);  // after its bytes: a frame in a batch always has them
        }
        break;
      } catch (const CaptureError& e) {
        // A read cancelled by the interrupt is not damage: the end of reading.
        if (interrupted()) break;
        if (!options_.continue_after_damage) throw;
        // The damaged file's last batch carries the message, after its frames.
        if (open && batch->file_index != captures_.file_index() && !close_batch()) return;
        if (!open) open_batch();
        batch->damage = e.what();
        if (!close_batch()) return;
        skip_damaged = true;
      }
    }
    // Frames read before an interrupt are delivered too: "the report of what was read".
    if (open && !batch->frames.empty() && !close_batch()) return;
  } catch (...) {
    failure = std::current_exception();  // a CaptureError after the frames before it
    std::lock_guard lock(mu_);
    if (open && batch && !batch->frames.empty()) full_.push_back(std::move(batch));
  }
  std::lock_guard lock(mu_);
  failure_ = failure;
  final_stats_ = captures_.stats();
  done_ = true;
  changed_.notify_all();
}

const FeedBatch* FrameFeed::next() {
  std::unique_lock lock(mu_);
  if (in_use_) {
    free_.push_back(std::move(in_use_));
    changed_.notify_all();
  }
  changed_.wait(lock, [this] { return !full_.empty() || done_; });
  if (!full_.empty()) {
    in_use_ = std::move(full_.front());
    full_.pop_front();
    return in_use_.get();
  }
  if (failure_) std::rethrow_exception(std::exchange(failure_, nullptr));
  return nullptr;
}

ReaderStats FrameFeed::stats() const {
  std::lock_guard lock(mu_);
  return final_stats_;
}

}  // namespace protoport::replay
