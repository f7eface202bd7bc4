// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The exporters: section (through the policy's configuration reader, so errors are file:line),
// the flags merged over it, and the address forms.
#include <doctest/doctest.h>

#include "export/config.h"
#include "policy/config.h"

using namespace protoport;
using exporters::ExportConfig;
using exporters::ExportOptions;
using exporters::SetupError;
using exporters::SyslogTransport;

namespace {

ExportConfig parse(const std::string& text) {
  ExportConfig out;
  const config::Section sections[] = {exporters::config_section(out)};
  policy::parse_policy_text(text, "cfg.yaml", sections);
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse(text);
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "accepted";
}

}  // namespace

TEST_CASE("a full exporters section") {
  const auto c = parse(R"(preset: default
exporters:
  exit_grace: 2.5
  splunk_hec:
    url: https://splunk.example.com:8088
    token_file: /etc/protoport/hec.token
    index: netsec
    sourcetype: protoport:mismatch
    events: [new_mismatch, report_row, risk]
    batch_events: 50
    flush_interval: 0.2
    queue_events: 1000
    timeout: 3
    retry_initial: 0.1
    retry_max: 5
    ca_file: /etc/ssl/certs/ca-certificates.crt
  syslog:
    address: tcp://[2001:db8::5]:6514
    facility: auth
    events: new_mismatch
    max_message_bytes: 4096
  prometheus:
    listen: "[::1]:9799"
    max_mismatch_series: 50
)");
  REQUIRE(c.hec);
  CHECK(c.exit_grace_s == 2.5);
  CHECK(c.hec->url == "https://splunk.example.com:8088");
  CHECK(c.hec->token_file == "/etc/protoport/hec.token");
  CHECK(c.hec->index == "netsec");
  CHECK(c.hec->source == "protoport");
  CHECK(c.hec->sourcetype == "protoport:mismatch");
  CHECK(c.hec->events.contains(exporters::EventKind::report_row));
  CHECK(c.hec->batch_events == 50);
  CHECK(c.hec->flush_interval_s == 0.2);
  CHECK(c.hec->queue_events == 1000);
  CHECK(c.hec->verify_tls);
  REQUIRE(c.syslog);
  CHECK(c.syslog->address.transport == SyslogTransport::tcp);
  CHECK(c.syslog->address.host == "2001:db8::5");
  CHECK(c.syslog->address.port == 6514);
  CHECK(c.syslog->facility == "auth");
  CHECK(c.syslog->events.contains(exporters::EventKind::new_mismatch));
  CHECK_FALSE(c.syslog->events.contains(exporters::EventKind::risk));
  REQUIRE(c.metrics);
  CHECK(c.metrics->listen.ipv6);
  CHECK(c.metrics->listen.port == 9799);
  CHECK(c.metrics->listen.is_loopback());
  CHECK(c.metrics->max_mismatch_series == 50);
}

TEST_CASE("no exporters section: nothing enabled; the policy keys still work") {
  CHECK_FALSE(parse("preset: escu-v10\n").any());
  CHECK_FALSE(parse("exporters:\n").any());
}

TEST_CASE("bad exporter settings fail with file:line and a reason") {
  CHECK(error_of("exporters:\n  splunk:\n    url: x\n") ==
        "cfg.yaml:2: unknown exporter 'splunk' in exporters; known exporters: "
        "exit_grace, splunk_hec, syslog, prometheus");
  CHECK(error_of("exporters:\n  splunk_hec:\n    token_file: /x\n") ==
        "cfg.yaml:2: exporters.splunk_hec: url is required");
  CHECK(error_of("exporters:\n  splunk_hec:\n    url: https://x\n    token: abc\n")
            .starts_with("cfg.yaml:4: exporters.splunk_hec.token: the token is not read from the "
                         "configuration"));
  CHECK(error_of("exporters:\n  splunk_hec:\n    url: https://x\n    token_file: /a\n    "
                 "token_env: B\n") ==
        "cfg.yaml:2: exporters.splunk_hec: give token_file or token_env, not both");
  CHECK(error_of("exporters:\n  splunk_hec:\n    url: https://x\n    batch_events: 0\n") ==
        "cfg.yaml:4: exporters.splunk_hec.batch_events: '0' is not a whole number from 1 to 10000");
  CHECK(error_of("exporters:\n  splunk_hec:\n    url: https://x\n    timeout: soon\n") ==
        "cfg.yaml:4: exporters.splunk_hec.timeout: 'soon' is not a number of seconds from 0.1 to "
        "300");
  CHECK(error_of("exporters:\n  splunk_hec:\n    url: https://x\n    verify_tls: maybe\n") ==
        "cfg.yaml:4: exporters.splunk_hec.verify_tls: 'maybe' is not true or false");
  CHECK(error_of("exporters:\n  syslog:\n    address: smtp://x\n")
            .starts_with("cfg.yaml:3: syslog address 'smtp://x': unknown scheme"));
  CHECK(error_of("exporters:\n  syslog:\n    address: udp://x:0\n")
            .starts_with("cfg.yaml:3: syslog address 'udp://x:0': the port must be 1..65535"));
  CHECK(error_of("exporters:\n  syslog:\n    address: udp://x\n    facility: local9\n")
            .starts_with("cfg.yaml:4: exporters.syslog.facility: unknown facility 'local9'"));
  CHECK(error_of("exporters:\n  syslog:\n    address: udp://x\n    sd_id: protoport\n")
            .starts_with("cfg.yaml:4: exporters.syslog.sd_id: 'protoport' is not an SD-ID"));
  CHECK(error_of(
            "exporters:\n  syslog:\n    address: udp://x\n    events: [new_mismatch, flows]\n") ==
        "cfg.yaml:4: exporters.syslog.events: unknown event 'flows' (new_mismatch, report_row, "
        "risk)");
  CHECK(error_of("exporters:\n  prometheus:\n    listen: localhost:9799\n")
            .starts_with("cfg.yaml:3: metrics address 'localhost:9799': not a literal IP address"));
  CHECK(error_of("exporters:\n  prometheus:\n    listen: 127.0.0.1\n")
            .starts_with("cfg.yaml:3: metrics address '127.0.0.1': not ADDR:PORT"));
}

TEST_CASE("flags override and complete the file's settings") {
  ExportConfig file =
      parse("exporters:\n  splunk_hec:\n    url: https://a:8088\n    token_env: T\n    index: x\n");
  ExportOptions flags;
  flags.hec_url = "https://b:8088";
  flags.hec_token_file = "/run/token";
  flags.syslog = "unix:/dev/log";
  flags.metrics_listen = "127.0.0.1:9799";
  const auto c = exporters::merge(file, flags);
  CHECK(c.hec->url == "https://b:8088");
  CHECK(c.hec->token_file == "/run/token");
  CHECK(c.hec->token_env.empty());
  CHECK(c.hec->index == "x");
  CHECK(c.syslog->address.transport == SyslogTransport::unix_socket);
  CHECK(c.syslog->address.path == "/dev/log");
  CHECK(c.metrics->listen.to_string() == "127.0.0.1:9799");

  ExportOptions url_only;
  url_only.hec_url = "https://b:8088";
  CHECK_THROWS_WITH_AS(
      exporters::merge({}, url_only),
      doctest::Contains("needs a token: --hec-token-file FILE or --hec-token-env NAME"),
      SetupError);
  ExportOptions token_only;
  token_only.hec_token_env = "T";
  CHECK_THROWS_AS(exporters::merge({}, token_only), SetupError);
  ExportOptions both;
  both.hec_url = "https://b";
  both.hec_token_env = "T";
  both.hec_token_file = "/f";
  CHECK_THROWS_AS(exporters::merge({}, both), SetupError);
  CHECK_FALSE(exporters::merge({}, {}).any());
}

TEST_CASE("syslog addresses") {
  using exporters::parse_syslog_address;
  CHECK(parse_syslog_address("192.0.2.9").to_string() == "udp://192.0.2.9:514");
  CHECK(parse_syslog_address("logs.example:1514").to_string() == "udp://logs.example:1514");
  CHECK(parse_syslog_address("tcp://logs.example").to_string() == "tcp://logs.example:514");
  CHECK(parse_syslog_address("udp://[::1]:5514").to_string() == "udp://[::1]:5514");
  CHECK(parse_syslog_address("unix:///run/x.sock").path == "/run/x.sock");
  CHECK_THROWS_AS(parse_syslog_address("unix:relative"), SetupError);
  CHECK_THROWS_AS(parse_syslog_address("unix:/" + std::string(200, 'x')), SetupError);
  CHECK_THROWS_AS(parse_syslog_address("::1"), SetupError);  // bare IPv6: brackets needed
  CHECK_THROWS_AS(parse_syslog_address("tcp://host:99999"), SetupError);
  CHECK_THROWS_AS(parse_syslog_address("tcp://ho st:1"), SetupError);
  CHECK_THROWS_AS(parse_syslog_address(""), SetupError);
}

TEST_CASE("metrics listen addresses") {
  using exporters::parse_listen_address;
  CHECK(parse_listen_address("127.0.0.1:9799").is_loopback());
  CHECK(parse_listen_address("[::1]:1").is_loopback());
  CHECK_FALSE(parse_listen_address("0.0.0.0:9799").is_loopback());
  CHECK_FALSE(parse_listen_address("[::]:9799").is_loopback());
  CHECK_THROWS_AS(parse_listen_address("[127.0.0.1]:9"), SetupError);
  CHECK_THROWS_AS(parse_listen_address("::1:9799"), SetupError);
  CHECK_THROWS_AS(parse_listen_address("127.0.0.1:"), SetupError);
  CHECK_THROWS_AS(parse_listen_address(":9799"), SetupError);
}

TEST_CASE("SD-IDs and facilities") {
  CHECK(exporters::valid_sd_id("protoport@32473"));
  CHECK(exporters::valid_sd_id("x@1.2.3"));
  CHECK_FALSE(exporters::valid_sd_id("protoport"));
  CHECK_FALSE(exporters::valid_sd_id("@1"));
  CHECK_FALSE(exporters::valid_sd_id("a b@1"));
  CHECK_FALSE(exporters::valid_sd_id("a@b"));
  CHECK_FALSE(exporters::valid_sd_id(std::string(30, 'a') + "@123"));
  CHECK(exporters::facility_code("kern") == 0);
  CHECK(exporters::facility_code("local0") == 16);
  CHECK(exporters::facility_code("local7") == 23);
  CHECK_FALSE(exporters::facility_code("LOCAL0"));
}

TEST_CASE("syslog timeout: how long a stream collector may take nothing") {
  const auto c = parse("exporters:\n  syslog:\n    address: tcp://x\n    timeout: 2.5\n");
  REQUIRE(c.syslog);
  CHECK(c.syslog->timeout_s == 2.5);
  CHECK(parse("exporters:\n  syslog:\n    address: tcp://x\n").syslog->timeout_s == 10);
  CHECK(error_of("exporters:\n  syslog:\n    address: tcp://x\n    timeout: 0\n") ==
        "cfg.yaml:4: exporters.syslog.timeout: '0' is not a number of seconds from 0.1 to 300");
}
