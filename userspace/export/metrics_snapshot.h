// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// What the Prometheus metrics show, without prometheus-cpp: the bounded mismatch series the
// pipeline counts, the snapshot it fills about once a second, and the sink that serves it
// (MetricsServer in the protoport-net module, see net_module.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/kernel_counters.h"
#include "export/exporter.h"
#include "fingerprint/fingerprint.h"

namespace protoport::exporters {

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
  Counters kernel;
  std::uint64_t ringbuf_malformed = 0;
  std::uint64_t samples = 0, samples_invalid = 0, flows = 0, evicted_undecided = 0;
  std::vector<std::pair<std::string, std::uint64_t>> verdicts_by_app;
  std::map<MismatchSeries::Key, std::uint64_t> mismatches;
  std::uint64_t filtered = 0, report_rows = 0, report_rows_evicted = 0;
  std::uint64_t reloads_ok = 0, reloads_failed = 0;
  std::vector<ExporterStats> exporters;
};

// The families for one snapshot (used by the server, and by tests with TextSerializer).
// Where snapshots go: the metrics HTTP server.
class MetricsSink {
 public:
  virtual ~MetricsSink() = default;
  virtual void publish(MetricsSnapshot snapshot) = 0;
};

}  // namespace protoport::exporters
