// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/hec_format.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "report/format.h"

namespace protoport::exporters {

namespace {

std::string json_string(const std::string& text) {
  // Our own strings (configuration, host name); replace keeps dump() total on any byte.
  return nlohmann::json(text).dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string hec_time(std::int64_t unix_ns) {
  if (unix_ns < 0) unix_ns = 0;
  const std::int64_t ms = unix_ns / 1'000'000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::string hec_event_json(const Event& event, const HecEnvelope& env) {
  std::string event_json = report::json_line(event.record);  // escaped like --output
  if (!event_json.empty() && event_json.back() == '\n') event_json.pop_back();
  std::string out;
  out.reserve(event_json.size() + 160);
  out += "{\"time\":" + hec_time(event.time_ns);
  out += ",\"host\":" + json_string(env.host);
  out += ",\"source\":" + json_string(env.source);
  out += ",\"sourcetype\":" + json_string(env.sourcetype);
  if (!env.index.empty()) out += ",\"index\":" + json_string(env.index);
  out += ",\"event\":" + event_json + "}";
  return out;
}

}  // namespace protoport::exporters
