// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Exporter settings: the `exporters:` section of the YAML configuration (parsed with the policy's
// strict reader, so it reports problems as `file:line: message` like the rest of the file) and
// the command-line flags, which override the file. Schema (docs/exporters.md has the details):
//
//   exporters:
//     exit_grace: 5                 # seconds to deliver what is still queued at exit
//     splunk_hec:
//       url: https://splunk.example.com:8088       # /services/collector/event is added
//       token_file: /etc/protoport/hec.token       # or token_env: PROTOPORT_HEC_TOKEN
//       index: network                # optional; source, sourcetype, host have defaults
//       events: [new_mismatch, risk]  # which events to send (also report_row)
//       batch_events: 100  batch_bytes: 1048576  flush_interval: 1.0  queue_events: 10000
//       timeout: 10  retry_initial: 0.5  retry_max: 30  verify_tls: true  ca_file: /path
//     syslog:
//       address: udp://127.0.0.1:514  # tcp://HOST:PORT, unix:/PATH
//       facility: local0  app_name: protoport  hostname: (the host's name)
//       sd_id: protoport@32473  events: [...]  queue_events: 10000  max_message_bytes: 2048
//     prometheus:
//       listen: 127.0.0.1:9799
//       max_mismatch_series: 500      # label cardinality bound of protoport_mismatches_total
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "export/address.h"
#include "export/event.h"
#include "policy/config_yaml.h"

namespace CLI {
class App;
}

namespace protoport::exporters {

struct HecConfig {
  std::string url;
  std::string token_file;  // exactly one of token_file and token_env
  std::string token_env;
  std::string index;       // empty: the token's default index
  std::string source = "protoport";
  std::string sourcetype = "protoport";
  std::string host;        // empty: this host's name
  EventKinds events = kDefaultEventKinds;
  std::size_t batch_events = 100;
  std::size_t batch_bytes = 1 << 20;
  double flush_interval_s = 1.0;  // how long a batch waits for company
  std::size_t queue_events = 10000;
  double timeout_s = 10;          // one request, connection included
  double retry_initial_s = 0.5;
  double retry_max_s = 30;
  bool verify_tls = true;
  std::string ca_file;            // empty: the system's CA store
  bool operator==(const HecConfig&) const = default;
};

struct SyslogConfig {
  SyslogAddress address;
  std::string facility = "local0";
  std::string app_name = "protoport";
  std::string hostname;           // empty: this host's name
  std::string sd_id = "protoport@32473";  // 32473: the documentation enterprise number (RFC 5612)
  EventKinds events = kDefaultEventKinds;
  std::size_t queue_events = 10000;
  std::size_t max_message_bytes = 0;  // 0: 2048 for udp (RFC 5426), 8192 otherwise
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

// The command-line flags (empty: not given).
struct ExportOptions {
  std::string hec_url;
  std::string hec_token_file;
  std::string hec_token_env;
  std::string syslog;
  std::string metrics_listen;
};

inline constexpr std::string_view kSectionName = "exporters";

// The `exporters:` top-level section, parsed into `out`. Pass to policy::load_policy_file.
policy::ConfigSection config_section(ExportConfig& out);

// Registers --hec-url, --hec-token-file, --hec-token-env, --syslog, --metrics-listen.
void add_cli_options(CLI::App& sub, ExportOptions& opts);

// The file's settings with the flags applied over them; checks that what is enabled is complete
// (a HEC URL needs exactly one token source). Throws SetupError.
ExportConfig merge(ExportConfig from_file, const ExportOptions& flags);

}  // namespace protoport::exporters

namespace protoport::exporters {
// Syslog names checked by the configuration: facility name -> code (RFC 5424 table 1), and SD
// names (1..32 printable ASCII except = ] " and space) and SD-IDs (name@number).
std::optional<int> facility_code(std::string_view name);
bool valid_sd_name(std::string_view name);
bool valid_sd_id(std::string_view id);
}  // namespace protoport::exporters
