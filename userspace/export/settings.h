// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// What each exporter is set to, whichever way it was set (configuration file or flags: see
// export/config.h). Plain values, no YAML: the protoport-net module and every exporter use them.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "export/address.h"
#include "export/event.h"

namespace protoport::exporters {

struct HecConfig {
  std::string url;
  std::string token_file;  // exactly one of token_file and token_env
  std::string token_env;
  std::string index;  // empty: the token's default index
  std::string source = "protoport";
  std::string sourcetype = "protoport";
  std::string host;  // empty: this host's name
  EventKinds events = kDefaultEventKinds;
  std::size_t batch_events = 100;
  std::size_t batch_bytes = 1 << 20;
  double flush_interval_s = 1.0;  // how long a batch waits for company
  std::size_t queue_events = 10000;
  double timeout_s = 10;  // one request, connection included
  double retry_initial_s = 0.5;
  double retry_max_s = 30;
  bool verify_tls = true;
  std::string ca_file;  // empty: the system's CA store
  bool operator==(const HecConfig&) const = default;
};

struct SyslogConfig {
  SyslogAddress address;
  std::string facility = "local0";
  std::string app_name = "protoport";
  std::string hostname;                   // empty: this host's name
  std::string sd_id = "protoport@32473";  // 32473: the documentation enterprise number (RFC 5612)
  EventKinds events = kDefaultEventKinds;
  std::size_t queue_events = 10000;
  std::size_t max_message_bytes = 0;  // 0: 2048 for udp (RFC 5426), 8192 otherwise
  // Stream transports: how long a connect, or written bytes the collector does not take, may
  // wait before the attempt fails and is retried on a new connection.
  double timeout_s = 10;
  double retry_initial_s = 0.5;
  double retry_max_s = 30;
  bool operator==(const SyslogConfig&) const = default;
};

struct MetricsConfig {
  ListenAddress listen;
  std::size_t max_mismatch_series = 500;
  bool operator==(const MetricsConfig&) const = default;
};

struct ExportConfig {
  std::optional<HecConfig> hec;
  std::optional<SyslogConfig> syslog;
  std::optional<MetricsConfig> metrics;
  double exit_grace_s = 5;
  bool any() const { return hec || syslog || metrics; }
  bool operator==(const ExportConfig&) const = default;
};

// Syslog names checked by the configuration and the exporter: facility name -> code (RFC 5424
// table 1), and SD names (1..32 printable ASCII except = ] " and space) and SD-IDs
// (name@number).
std::optional<int> facility_code(std::string_view name);
bool valid_sd_name(std::string_view name);
bool valid_sd_id(std::string_view id);

}  // namespace protoport::exporters
