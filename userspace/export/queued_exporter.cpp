// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/queued_exporter.h"

#include <cstdio>

#include "export/threads.h"

namespace protoport::exporters {

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

}  // namespace

QueuedExporter::QueuedExporter(DeliverySettings settings)
    : settings_(std::move(settings)), queue_(settings_.queue_events), log_(settings_.name) {}

QueuedExporter::~QueuedExporter() { close(std::chrono::milliseconds(0)); }

void QueuedExporter::start() {
  const BlockedSignals quiet;  // the thread inherits a mask blocking every signal
  thread_ = std::thread([this] { run(); });
}

void QueuedExporter::publish(const Event& event) {
  if (!wants(event.kind)) return;
  if (queue_.try_push(format(event)))
    counters_.accepted.fetch_add(1, std::memory_order_relaxed);
  else
    counters_.dropped_queue_full.fetch_add(1, std::memory_order_relaxed);
}

void QueuedExporter::run() {
  for (;;) {
    std::vector<std::string> batch =
        queue_.pop_batch(settings_.batch_events, settings_.batch_bytes, settings_.linger);
    if (batch.empty()) break;  // closed and drained
    counters_.in_flight.store(batch.size());
    deliver(batch);
    counters_.in_flight.store(0);
  }
  std::lock_guard lock(control_mutex_);
  thread_done_ = true;
  control_cv_.notify_all();
}

void QueuedExporter::deliver(const std::vector<std::string>& batch) {
  Backoff backoff(settings_.retry_initial, settings_.retry_max);
  std::size_t done = 0;
  bool failed = false;
  while (done < batch.size()) {
    if (aborting()) {
      counters_.dropped_at_exit.fetch_add(batch.size() - done);
      return;
    }
    if (failed) counters_.retries.fetch_add(1);
    const Attempt a = attempt(batch, done);
    if (a.delivered > 0) {
      done += a.delivered;
      counters_.sent.fetch_add(a.delivered);
      counters_.batches.fetch_add(1);
    }
    if (a.result == Attempt::Result::ok) {
      if (failed) log_.recovered("delivering again to " + settings_.destination);
      continue;  // ok with everything delivered ends the loop
    }
    counters_.errors.fetch_add(1);
    failed = true;
    if (a.result == Attempt::Result::reject) {
      counters_.dropped_rejected.fetch_add(batch.size() - done);
      log_.report(a.error + "; " + std::to_string(batch.size() - done) + " events dropped");
      return;
    }
    if (aborting()) continue;  // counted above on the next turn
    const auto delay = backoff.next();
    log_.report(a.error + "; retrying (next in " + seconds_text(delay) +
                ", events wait in the queue)");
    wait_backoff(delay);
  }
}

void QueuedExporter::wait_backoff(std::chrono::milliseconds delay) {
  std::unique_lock lock(control_mutex_);
  control_cv_.wait_for(lock, delay, [this] { return abort_.load(); });
}

void QueuedExporter::close(std::chrono::milliseconds grace) {
  {
    std::unique_lock lock(control_mutex_);
    if (!closing_) {
      closing_ = true;
      queue_.close();
    }
    if (thread_.joinable()) {
      const auto deadline = Clock::now() + grace;
      control_cv_.wait_until(lock, deadline, [this] { return thread_done_; });
      if (!thread_done_) {
        abort_.store(true);
        control_cv_.notify_all();
      }
    }
  }
  if (thread_.joinable()) thread_.join();
  counters_.dropped_at_exit.fetch_add(queue_.drain());
}

ExporterStats QueuedExporter::stats() const {
  ExporterStats s;
  s.name = settings_.name;
  s.destination = settings_.destination;
  s.accepted = counters_.accepted.load();
  s.sent = counters_.sent.load();
  s.batches = counters_.batches.load();
  s.errors = counters_.errors.load();
  s.retries = counters_.retries.load();
  s.dropped_queue_full = counters_.dropped_queue_full.load();
  s.dropped_rejected = counters_.dropped_rejected.load();
  s.dropped_at_exit = counters_.dropped_at_exit.load();
  s.queued = queue_.size() + counters_.in_flight.load();
  s.queue_capacity = queue_.capacity();
  return s;
}

std::string describe(const ExporterStats& s) {
  const auto n = [](std::uint64_t v) { return std::to_string(v); };
  return s.name + " " + s.destination + ": " + n(s.sent) + " events sent in " + n(s.batches) +
         " batches, " + n(s.errors) + " errors, " + n(s.retries) + " retries, dropped " +
         n(s.dropped()) + " (queue full " + n(s.dropped_queue_full) + ", rejected " +
         n(s.dropped_rejected) + ", at exit " + n(s.dropped_at_exit) + ")";
}

}  // namespace protoport::exporters
