// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Prometheus metrics. The pipeline's thread fills a MetricsSnapshot (about once a second) and
// hands it over under a mutex; the HTTP server's threads (prometheus-cpp's Exposer, civetweb)
// render the latest one on each scrape of /metrics. No pipeline state is touched off its thread.
//
// Families (all counters end in _total):
//   protoport_kernel_<counter>_total   each XDP counter (packets, bytes, ..., ringbuf_full)
//   protoport_ringbuf_malformed_records_total
//   protoport_samples_total, protoport_samples_invalid_total, protoport_flows_total,
//   protoport_flows_evicted_undecided_total
//   protoport_verdicts_total{app}
//   protoport_mismatches_total{app,dest_port,transport}   mismatching flows, bounded series
//   protoport_mismatches_filtered_total, protoport_report_rows, protoport_report_rows_evicted_total
//   protoport_exporter_events_total{exporter,outcome}  outcome: sent, dropped_queue_full,
//                                                      dropped_rejected, dropped_at_exit
//   protoport_exporter_errors_total{exporter}, protoport_exporter_retries_total{exporter},
//   protoport_exporter_queue_events{exporter}, protoport_exporter_queue_capacity{exporter}
//   protoport_config_reloads_total{result}            result: ok, failed
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "export/address.h"
#include "export/exporter.h"
#include "export/metrics_snapshot.h"
#include "fingerprint/fingerprint.h"
#include "policy/policy.h"

namespace prometheus {
class Exposer;
struct MetricFamily;
}  // namespace prometheus

namespace protoport::exporters {

// Mismatching flows by (app, dest_port, transport), with at most max_series distinct keys: once
// full, a new key's flows go to the series dest_port="other" of its app and transport (so the
// total stays exact and the label cardinality bounded); overflowed counts those flows.
std::vector<prometheus::MetricFamily> metric_families(const MetricsSnapshot& snapshot);

// The exposition text for one snapshot (tests, promtool).
std::string exposition_text(const MetricsSnapshot& snapshot);

class MetricsServer final : public MetricsSink {
 public:
  // Listens at once; throws SetupError naming the address and the reason when it cannot
  // (TemporarySetupError when the address is in use or not on this host: that may pass).
  explicit MetricsServer(const ListenAddress& listen);
  ~MetricsServer() override;
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void publish(MetricsSnapshot snapshot) override;
  const ListenAddress& address() const { return listen_; }

 private:
  class Collector;
  ListenAddress listen_;
  std::shared_ptr<Collector> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace protoport::exporters
