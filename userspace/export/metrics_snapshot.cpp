// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/metrics_snapshot.h"

namespace protoport::exporters {

void MismatchSeries::add(fingerprint::App app, std::uint16_t dest_port, fingerprint::Transport t) {
  Key key{app, dest_port, t};
  auto it = counts_.find(key);
  if (it == counts_.end()) {
    if (port_series_ >= max_series_) {
      key.dest_port = kOther;
      ++overflowed_;
    } else {
      ++port_series_;
    }
    it = counts_.try_emplace(key, 0).first;
  }
  ++it->second;
}

}  // namespace protoport::exporters
