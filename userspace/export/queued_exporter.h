// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The delivery machinery HEC and syslog share: publish() formats on the caller's thread and
// queues without waiting (a full queue drops and counts); one delivery thread takes batches and
// hands them to the transport, retrying a failed batch with exponential backoff, forever while
// running (the bounded queue is what protects memory), and until the exit grace at close().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "export/error_log.h"
#include "export/exporter.h"
#include "export/queue.h"

namespace protoport::exporters {

struct DeliverySettings {
  std::string name;         // "splunk_hec", "syslog": in messages and metrics
  std::string destination;  // URL or address, for messages
  EventKinds events = kDefaultEventKinds;
  std::size_t queue_events = 10000;
  std::size_t batch_events = 100;
  std::size_t batch_bytes = 1 << 20;
  std::chrono::milliseconds linger{0};
  std::chrono::milliseconds retry_initial{500};
  std::chrono::milliseconds retry_max{30000};
};

class QueuedExporter : public Exporter {
 public:
  bool wants(EventKind kind) const override { return settings_.events.contains(kind); }
  void publish(const Event& event) override;
  void close(std::chrono::milliseconds grace) override;
  ExporterStats stats() const override;

 protected:
  explicit QueuedExporter(DeliverySettings settings);
  ~QueuedExporter() override;

  // Derived constructors call start() last; derived destructors call close({}) first, so that
  // the thread never runs a transport whose members are gone.
  void start();

  struct Attempt {
    enum class Result { ok, retry, reject } result = Result::ok;
    std::size_t delivered = 0;  // items of the batch taken from `from` on, before any failure
    std::string error;          // one line, for stderr (retry, reject)
  };
  // The event in the transport's wire form (pipeline thread; may throw nothing).
  virtual std::string format(const Event& event) = 0;
  // Sends batch[from..] (delivery thread). A transport that fails part-way reports how many
  // went through; the rest is retried (retry) or dropped and counted (reject).
  virtual Attempt attempt(const std::vector<std::string>& batch, std::size_t from) = 0;

  // True once the exit grace has run out: a transport abandons its blocking call.
  bool aborting() const { return abort_.load(std::memory_order_relaxed); }
  ErrorLog& log() { return log_; }
  const DeliverySettings& settings() const { return settings_; }

 private:
  void run();
  void deliver(const std::vector<std::string>& batch);
  void wait_backoff(std::chrono::milliseconds delay);

  DeliverySettings settings_;
  BoundedQueue queue_;
  DeliveryCounters counters_;
  ErrorLog log_;
  std::thread thread_;
  std::mutex control_mutex_;
  std::condition_variable control_cv_;
  bool closing_ = false;
  bool thread_done_ = false;
  std::atomic<bool> abort_{false};
};

}  // namespace protoport::exporters
