// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Risk events (--risk): one per mismatching (src_ip, dest_ip) pair, as Splunk's risk framework
// records the detection: risk_object src_ip (system, score 25), threat_object dest_ip
// (ip_address), message "Port or Protocol Traffic Mismatch", with the app, port and rule of the
// pair's first mismatch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/lru_map.h"
#include "report/aggregator.h"

namespace protoport::report {

inline constexpr int kRiskScore = 25;
inline constexpr std::string_view kRiskObjectType = "system";
inline constexpr std::string_view kThreatObjectType = "ip_address";
inline constexpr std::string_view kRiskMessage = "Port or Protocol Traffic Mismatch";

struct RiskEvent {
  IpAddr src_ip;   // risk_object
  IpAddr dest_ip;  // threat_object
  fingerprint::App app = fingerprint::App::unknown;
  std::uint16_t dest_port = 0;
  fingerprint::Transport transport = fingerprint::Transport::tcp;
  std::string rule;
  std::uint64_t count = 0;    // mismatching flows between the pair (1 when found live)
  std::int64_t first_ns = 0;  // the pair's first mismatch
};

// One risk event per pair present in a report: the app, port and rule of the pair's earliest row,
// count summed over its rows. Ordered by (src_ip, dest_ip).
std::vector<RiskEvent> risk_events(const ReportSnapshot& snapshot);

// Live: remembers the pairs already reported so that each pair yields one event. Bounded like the
// aggregator: at max_pairs the least recently seen pair is forgotten (counted), and would be
// reported again if it came back.
class RiskTracker {
 public:
  explicit RiskTracker(std::size_t max_pairs = Aggregator::kDefaultMaxRows);

  // The event for this mismatch's pair if the pair is new, else nothing.
  std::optional<RiskEvent> observe(const policy::Mismatch& mismatch);
  std::size_t size() const { return pairs_.size(); }
  std::uint64_t evicted() const { return evicted_; }

 private:
  struct Pair {
    IpAddr src, dest;
    bool operator==(const Pair&) const = default;
  };
  struct PairHash {
    std::size_t operator()(const Pair& p) const;
  };
  struct Seen {};
  LruMap<Pair, Seen, PairHash> pairs_;  // oldest(): least recently seen, forgotten first
  std::uint64_t evicted_ = 0;
};

}  // namespace protoport::report
