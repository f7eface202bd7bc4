// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Mismatches aggregated as the Splunk search does: one row per (src_ip, dest_ip, app, dest_port,
// transport, action, rule) with count (flows), firstTime and lastTime, plus the evidence of the
// first flow seen. Bounded: at max_rows, adding a new key evicts the least recently updated row;
// evicted rows and the flows they held are counted and shown in every report. The keys of
// evicted rows are remembered (fingerprints of 16 bytes, up to kRememberedPerRow x max_rows), so
// that a key seen again after its eviction is not announced as new again: an attacker spraying
// keys makes protoport announce each key once, not once per eviction.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_addr.h"
#include "common/lru_map.h"
#include "common/recent_set.h"
#include "fingerprint/fingerprint.h"
#include "policy/policy.h"

namespace protoport::report {

// The detector passes every packet, so the CIM action is always "allowed".
inline constexpr std::string_view kAction = "allowed";

struct RowKey {
  IpAddr src_ip;
  IpAddr dest_ip;
  fingerprint::App app = fingerprint::App::unknown;
  std::uint16_t dest_port = 0;
  fingerprint::Transport transport = fingerprint::Transport::tcp;
  std::string rule;

  auto operator<=>(const RowKey&) const = default;
  bool operator==(const RowKey&) const = default;
};

struct RowKeyHash {
  std::size_t operator()(const RowKey& key) const;
};

// The row a mismatching flow counts in.
inline RowKey row_key(const policy::Mismatch& m) {
  return RowKey{m.src_ip, m.dest_ip, m.app, m.dest_port, m.transport, m.rule};
}

struct Row {
  RowKey key;
  std::string expected;       // the rule's expected ports when the row was created
  std::uint64_t count = 0;    // flows
  std::int64_t first_ns = 0;  // earliest flow time (Unix ns)
  std::int64_t last_ns = 0;   // latest flow time
  std::vector<fingerprint::Evidence> evidence;  // of the first flow added
  DirectionBy direction_by = DirectionBy::syn;  // of the first flow added
  // Process attribution: the process of the first flow added that had one, and the distinct
  // processes (pid and start) of the row's flows, counted up to kMaxProcessesCounted.
  std::shared_ptr<const ProcessInfo> process;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> processes;
  static constexpr std::size_t kMaxProcessesCounted = 64;
};

struct ReportSnapshot {
  std::vector<Row> rows;            // ordered by key, like the search's `by` clause
  std::uint64_t flows = 0;          // sum of the rows' counts
  std::uint64_t evicted_rows = 0;   // rows pushed out by the bound since start
  std::uint64_t evicted_flows = 0;  // flows those rows held
  std::uint64_t filtered = 0;       // mismatches suppressed by filters (the caller fills it in)
};

class Aggregator {
 public:
  static constexpr std::size_t kDefaultMaxRows = 100000;

  explicit Aggregator(std::size_t max_rows = kDefaultMaxRows);  // max_rows 0 is taken as 1

  static constexpr std::size_t kRememberedPerRow = 4;

  struct AddResult {
    bool is_new = false;       // the key had no row (first time, or again after its eviction)
    bool evicted = false;      // making room for it evicted the least recently updated row
    bool seen_before = false;  // is_new, but the key had a row that was evicted: not news
  };
  AddResult add(const policy::Mismatch& mismatch);

  std::size_t size() const { return rows_.size(); }
  std::size_t max_rows() const { return rows_.capacity(); }
  std::uint64_t evicted_rows() const { return evicted_rows_; }
  std::uint64_t evicted_flows() const { return evicted_flows_; }
  // New rows whose key had been evicted before (AddResult::seen_before).
  std::uint64_t seen_again() const { return seen_again_; }

  ReportSnapshot snapshot() const;

 private:
  std::uint64_t fingerprint(const RowKey& key) const;

  LruMap<RowKey, Row, RowKeyHash> rows_;  // oldest(): least recently updated, evicted first
  RecentSet evicted_keys_;                // fingerprints of evicted rows' keys
  std::uint64_t seed_;                    // per process: fingerprints an attacker cannot aim at
  std::uint64_t seen_again_ = 0;
  std::uint64_t evicted_rows_ = 0;
  std::uint64_t evicted_flows_ = 0;
};

}  // namespace protoport::report
