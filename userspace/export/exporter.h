// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// One destination for events (Splunk HEC, syslog). publish() is called on the pipeline's thread
// and never blocks: it formats the event and queues it for the exporter's own delivery thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "export/event.h"

namespace protoport::exporters {

// A reading of an exporter's counters (see DeliveryCounters in queue.h).
struct ExporterStats {
  std::string name;  // "splunk_hec", "syslog"
  std::string destination;
  std::uint64_t accepted = 0, sent = 0, batches = 0, errors = 0, retries = 0;
  std::uint64_t dropped_queue_full = 0, dropped_rejected = 0, dropped_at_exit = 0;
  std::uint64_t queued = 0, queue_capacity = 0;
  std::uint64_t dropped() const { return dropped_queue_full + dropped_rejected + dropped_at_exit; }
};

class Exporter {
 public:
  virtual ~Exporter() = default;
  virtual bool wants(EventKind kind) const = 0;
  virtual void publish(const Event& event) = 0;
  // Stops taking events and gives the delivery thread until `grace` to send what is queued;
  // what is left then is counted as dropped_at_exit. Idempotent; the destructor calls it with 0.
  virtual void close(std::chrono::milliseconds grace) = 0;
  virtual ExporterStats stats() const = 0;
};

// One line for stderr at exit: "splunk_hec https://...: 12 sent in 3 batches, ...".
std::string describe(const ExporterStats& s);

}  // namespace protoport::exporters
