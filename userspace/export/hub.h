// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Everything the detection pipeline exports, behind one object: the configured exporters
// (Splunk HEC, syslog), the Prometheus server and the bounded mismatch series it shows. The
// pipeline calls it on its own thread; every call returns without waiting on the network.
#pragma once

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "export/event.h"
#include "export/exporter.h"
#include "export/metrics_snapshot.h"
#include "export/settings.h"

namespace protoport::exporters {

class Hub {
 public:
  // Starts what the configuration enables (reads the HEC token, binds the metrics address;
  // HEC and metrics load the protoport-net module). Throws SetupError for anything the user
  // must fix.
  explicit Hub(const ExportConfig& config);
  ~Hub();
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  bool wants(EventKind kind) const;
  void publish(const Event& event);

  // Every mismatching flow, for protoport_mismatches_total.
  void count_mismatch(const policy::Mismatch& m) { series_.add(m.app, m.dest_port, m.transport); }

  // True at most once per second (the snapshot costs a counters read and some copying).
  bool metrics_due();
  // Adds the exporters' counters and the mismatch series to `snapshot` and serves it.
  void publish_metrics(MetricsSnapshot snapshot);

  // Stops taking events and gives the exporters exit_grace to deliver what is queued.
  void close();
  std::vector<ExporterStats> exporter_stats() const;
  void print_stats(std::FILE* err) const;

 private:
  ExportConfig config_;
  std::vector<std::unique_ptr<Exporter>> exporters_;
  std::unique_ptr<MetricsSink> metrics_;  // the Prometheus server (protoport-net module)
  MismatchSeries series_;
  std::chrono::steady_clock::time_point last_metrics_{};
  std::uint64_t syslog_truncated_ = 0;
};

// This host's name (gethostname), for envelopes and syslog headers.
std::string host_name();

}  // namespace protoport::exporters
