// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The part every network exporter shares: a bounded queue between the pipeline (which must never
// block on a slow or dead collector) and one delivery thread, exponential backoff for retries,
// and the counters that make every dropped event visible.
//
// The pipeline calls try_push(): it never waits; when the queue is full the event is dropped and
// counted. The delivery thread calls pop_batch(), which waits for work, then gathers up to a
// batch for at most `linger` so that events found close together travel in one request.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <random>
#include <string>
#include <vector>

namespace protoport::exporters {

using Clock = std::chrono::steady_clock;

class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // False (and nothing queued) when full or closed.
  bool try_push(std::string item);

  // Waits until an item is queued or the queue is closed; then collects items until the batch
  // holds max_items or max_bytes (at least one item is always taken), or `linger` has passed
  // since the first one (no lingering once closed). Empty only when closed and drained.
  std::vector<std::string> pop_batch(std::size_t max_items, std::size_t max_bytes,
                                     Clock::duration linger);

  // No more pushes; wakes the consumer. Items already queued stay for pop_batch/drain.
  void close();
  bool closed() const;
  // Removes and returns what is left (at exit, to be counted as dropped).
  std::size_t drain();

  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

  // Sleeps for `d`, or until close() when `wake_on_close` (a retry wait that shutdown shortens).
  // Returns false when woken by close().
  bool sleep_for(Clock::duration d, bool wake_on_close);

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> items_;
  bool closed_ = false;
};

// Exponential backoff: initial, 2x initial, 4x ... capped at max; each delay is scaled by a random
// factor in [0.8, 1.0] so that many hosts whose collector came back do not retry in lockstep.
class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max);
  std::chrono::milliseconds next();  // the delay before the next attempt
  void reset() { attempt_ = 0; }
  unsigned attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds initial_, max_;
  unsigned attempt_ = 0;
  std::minstd_rand rng_;
};

// Counters of one exporter, updated by its delivery thread and read by anyone (stats at exit,
// Prometheus). Every event handed to an exporter ends in exactly one of: sent, dropped_queue_full,
// dropped_rejected, dropped_at_exit (or is still queued / in flight).
struct DeliveryCounters {
  std::atomic<std::uint64_t> accepted{0};            // events queued
  std::atomic<std::uint64_t> sent{0};                // events the collector took
  std::atomic<std::uint64_t> batches{0};             // successful requests / writes
  std::atomic<std::uint64_t> errors{0};              // failed attempts (each retry counts)
  std::atomic<std::uint64_t> retries{0};             // attempts repeated after a failure
  std::atomic<std::uint64_t> dropped_queue_full{0};  // not queued: the queue was full
  std::atomic<std::uint64_t> dropped_rejected{0};    // refused for good (HTTP 4xx, oversize)
  std::atomic<std::uint64_t> dropped_at_exit{0};     // still queued when the exit grace ran out
  std::atomic<std::uint64_t> in_flight{0};           // taken from the queue, not yet settled
};

}  // namespace protoport::exporters
