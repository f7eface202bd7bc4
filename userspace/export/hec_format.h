// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Splunk HTTP Event Collector wire format: one JSON envelope per event,
//   {"time":1625215624.123,"host":"h","source":"protoport","sourcetype":"protoport",
//    "index":"net","event":{...CIM fields...}}
// and a batch is the envelopes one after another in one POST body (HEC's documented batch form).
// The event object is exactly the JSON line that --format json and --output write.
#pragma once

#include <string>

#include "export/event.h"

namespace protoport::exporters {

struct HecEnvelope {
  std::string host;
  std::string source;
  std::string sourcetype;
  std::string index;  // empty: left out (the token's default index)
};

// One envelope, without a trailing newline. Never throws on payload bytes.
std::string hec_event_json(const Event& event, const HecEnvelope& envelope);

// HEC's "time": seconds since the epoch with millisecond precision, e.g. "1625215624.123".
std::string hec_time(std::int64_t unix_ns);

}  // namespace protoport::exporters
