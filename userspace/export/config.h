// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Exporter settings as the user gives them: the `exporters:` section of the YAML configuration
// (read with config/yaml_reader.h, so it reports problems as `file:line: message` like the rest
// of the file) and the command-line flags, which override the file. Schema (README.md,
// "Exporters", has the details):
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

#include <string>
#include <string_view>

#include "config/config_file.h"
#include "export/settings.h"

namespace CLI {
class App;
}

namespace protoport::exporters {

// The command-line flags (empty: not given).
struct ExportOptions {
  std::string hec_url;
  std::string hec_token_file;
  std::string hec_token_env;
  std::string syslog;
  std::string metrics_listen;
};

inline constexpr std::string_view kSectionName = "exporters";

// The `exporters:` top-level section, parsed into `out`: for config::load_file.
config::Section config_section(ExportConfig& out);

// Registers --hec-url, --hec-token-file, --hec-token-env, --syslog, --metrics-listen.
void add_cli_options(CLI::App& sub, ExportOptions& opts);

// The file's settings with the flags applied over them; checks that what is enabled is complete
// (a HEC URL needs exactly one token source). Throws SetupError.
ExportConfig merge(ExportConfig from_file, const ExportOptions& flags);

}  // namespace protoport::exporters
