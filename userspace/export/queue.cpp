// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/queue.h"

#include <algorithm>

namespace protoport::exporters {

bool BoundedQueue::try_push(std::string item) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || items_.size() >= capacity_) return false;
    items_.push_back(std::move(item));
  }
  cv_.notify_all();
  return true;
}

std::vector<std::string> BoundedQueue::pop_batch(std::size_t max_items, std::size_t max_bytes,
                                                 Clock::duration linger) {
  std::unique_lock lock(mutex_);
  cv_.wait(lock, [this] { return closed_ || !items_.empty(); });
  if (items_.empty()) return {};
  // Linger for company unless the batch is already full or we are shutting down.
  const auto until = Clock::now() + linger;
  cv_.wait_until(lock, until, [&] { return closed_ || items_.size() >= max_items; });
  std::vector<std::string> batch;
  std::size_t bytes = 0;
  while (!items_.empty() && batch.size() < std::max<std::size_t>(max_items, 1)) {
    const std::size_t next = items_.front().size();
    if (!batch.empty() && bytes + next > max_bytes) break;
    bytes += next;
    batch.push_back(std::move(items_.front()));
    items_.pop_front();
  }
  return batch;
}

void BoundedQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool BoundedQueue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t BoundedQueue::drain() {
  std::lock_guard lock(mutex_);
  const std::size_t n = items_.size();
  items_.clear();
  return n;
}

std::size_t BoundedQueue::size() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

bool BoundedQueue::sleep_for(Clock::duration d, bool wake_on_close) {
  std::unique_lock lock(mutex_);
  return !cv_.wait_for(lock, d, [&] { return wake_on_close && closed_; });
}

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      rng_(std::random_device{}()) {}

std::chrono::milliseconds Backoff::next() {
  // initial * 2^attempt without overflow: stop doubling once past max.
  auto delay = initial_;
  for (unsigned i = 0; i < attempt_ && delay < max_; ++i) delay *= 2;
  delay = std::min(delay, max_);
  ++attempt_;
  std::uniform_real_distribution<double> jitter(0.8, 1.0);
  return std::chrono::milliseconds(std::max<std::int64_t>(
      1, static_cast<std::int64_t>(static_cast<double>(delay.count()) * jitter(rng_))));
}

}  // namespace protoport::exporters
