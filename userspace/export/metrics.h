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
#include "fingerprint/fingerprint.h"
#include "loader/loader.h"
#include "policy/policy.h"

namespace prometheus {
class Exposer;
struct MetricFamily;
}  // namespace prometheus

namespace protoport::exporters {

// Mismatching flows by (app, dest_port, transport), with at most max_series distinct keys: once
// full, a new key's flows go to the series dest_port="other" of its app and transport (so the
// total stays exact and the label cardinality bounded); overflowed counts those flows.
class MismatchSeries {
 public:
  explicit MismatchSeries(std::size_t max_series) : max_series_(max_series == 0 ? 1 : max_series) {}
  void add(fingerprint::App app, std::uint16_t dest_port, fingerprint::Transport transport);

  struct Key {
    fingerprint::App app;
    std::uint32_t dest_port;  // kOther for the overflow series
    fingerprint::Transport transport;
    auto operator<=>(const Key&) const = default;
  };
  static constexpr std::uint32_t kOther = 0x10000;
  const std::map<Key, std::uint64_t>& counts() const { return counts_; }
  std::uint64_t overflowed() const { return overflowed_; }

 private:
  std::size_t max_series_;
  std::size_t port_series_ = 0;  // keys with a real port
  std::map<Key, std::uint64_t> counts_;
  std::uint64_t overflowed_ = 0;
};

struct MetricsSnapshot {
  bool has_kernel = false;  // replay/watch fill it; a pipeline without a program leaves it out
  loader::Counters kernel;
  std::uint64_t ringbuf_malformed = 0;
  std::uint64_t samples = 0, samples_invalid = 0, flows = 0, evicted_undecided = 0;
  std::vector<std::pair<std::string, std::uint64_t>> verdicts_by_app;
  std::map<MismatchSeries::Key, std::uint64_t> mismatches;
  std::uint64_t filtered = 0, report_rows = 0, report_rows_evicted = 0;
  std::uint64_t reloads_ok = 0, reloads_failed = 0;
  std::vector<ExporterStats> exporters;
};

// The families for one snapshot (used by the server, and by tests with TextSerializer).
std::vector<prometheus::MetricFamily> metric_families(const MetricsSnapshot& snapshot);

// The exposition text for one snapshot (tests, promtool).
std::string exposition_text(const MetricsSnapshot& snapshot);

class MetricsServer {
 public:
  // Listens at once; throws SetupError naming the address and the reason when it cannot.
  explicit MetricsServer(const ListenAddress& listen);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  void publish(MetricsSnapshot snapshot);
  const ListenAddress& address() const { return listen_; }

 private:
  class Collector;
  ListenAddress listen_;
  std::shared_ptr<Collector> collector_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace protoport::exporters
