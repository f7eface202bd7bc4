// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/risk.h"

#include <algorithm>

namespace protoport::report {

std::vector<RiskEvent> risk_events(const ReportSnapshot& snapshot) {
  std::vector<RiskEvent> events;
  // Rows are ordered by key, so the rows of one (src_ip, dest_ip) pair are adjacent.
  for (const Row& row : snapshot.rows) {
    const bool same_pair = !events.empty() && events.back().src_ip == row.key.src_ip &&
                           events.back().dest_ip == row.key.dest_ip;
    if (same_pair) {
      RiskEvent& e = events.back();
      e.count += row.count;
      if (row.first_ns < e.first_ns) {
        e.app = row.key.app;
        e.dest_port = row.key.dest_port;
        e.transport = row.key.transport;
        e.rule = row.key.rule;
        e.first_ns = row.first_ns;
      }
      continue;
    }
    events.push_back(RiskEvent{row.key.src_ip, row.key.dest_ip, row.key.app, row.key.dest_port,
                               row.key.transport, row.key.rule, row.count, row.first_ns});
  }
  return events;
}

std::size_t RiskTracker::PairHash::operator()(const Pair& p) const {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (const auto* ip : {&p.src, &p.dest}) {
    for (const auto b : ip->bytes) {
      h ^= b;
      h *= 0x100000001b3ull;
    }
    h ^= ip->v4;
    h *= 0x100000001b3ull;
  }
  return static_cast<std::size_t>(h);
}

RiskTracker::RiskTracker(std::size_t max_pairs) : pairs_(max_pairs) {}

std::optional<RiskEvent> RiskTracker::observe(const policy::Mismatch& m) {
  const Pair pair{m.src_ip, m.dest_ip};
  if (auto* slot = pairs_.find(pair)) {
    pairs_.touch(*slot);
    return std::nullopt;
  }
  if (pairs_.full()) {
    pairs_.erase(*pairs_.oldest());
    ++evicted_;
  }
  pairs_.insert(pair);
  return RiskEvent{m.src_ip, m.dest_ip, m.app, m.dest_port, m.transport, m.rule, 1, m.time_ns};
}

}  // namespace protoport::report
