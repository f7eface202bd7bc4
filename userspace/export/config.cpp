// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/config.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "report/escape.h"

namespace protoport::exporters {

namespace {

using policy::ConfigContext;
using policy::Entry;

std::string shown(std::string_view text) { return "'" + report::for_terminal(text, 64) + "'"; }

std::string text_of(const Entry& e, const std::string& where, const ConfigContext& ctx) {
  return policy::read_scalar(e.value, e.key_mark, where, ctx);
}

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

// A decimal number of seconds in [min, max].
double seconds(const Entry& e, const std::string& where, double min, double max,
               const ConfigContext& ctx) {
  const std::string text = text_of(e, where, ctx);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < min || value > max)
    ctx.fail(e.value, e.key_mark,
             where + ": " + shown(text) + " is not a number of seconds from " + number_text(min) +
                 " to " + number_text(max));
  return value;
}

std::size_t count(const Entry& e, const std::string& where, std::size_t min, std::size_t max,
                  const ConfigContext& ctx) {
  const std::string text = text_of(e, where, ctx);
  unsigned long long value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
    ctx.fail(e.value, e.key_mark,
             where + ": " + shown(text) + " is not a whole number from " + std::to_string(min) +
                 " to " + std::to_string(max));
  return static_cast<std::size_t>(value);
}

bool boolean(const Entry& e, const std::string& where, const ConfigContext& ctx) {
  const std::string text = text_of(e, where, ctx);
  if (text == "true") return true;
  if (text == "false") return false;
  ctx.fail(e.value, e.key_mark, where + ": " + shown(text) + " is not true or false");
}

EventKinds event_kinds(const Entry& e, const std::string& where, const ConfigContext& ctx) {
  std::vector<YAML::Node> items;
  if (e.value.IsSequence())
    for (const YAML::Node& n : e.value) items.push_back(n);
  else
    items.push_back(e.value);
  EventKinds kinds;
  for (const YAML::Node& n : items) {
    const std::string name = policy::read_scalar(n, e.key_mark, where, ctx);
    const auto kind = parse_event_kind(name);
    if (!kind)
      ctx.fail(n, e.key_mark,
               where + ": unknown event " + shown(name) + " (new_mismatch, report_row, risk)");
    kinds.add(*kind);
  }
  if (kinds.empty())
    ctx.fail(e.value, e.key_mark, where + ": list at least one event (new_mismatch, report_row, risk)");
  return kinds;
}

template <typename Fn>
auto with_setup_errors(const Entry& e, const ConfigContext& ctx, Fn&& fn) {
  try {
    return fn();
  } catch (const SetupError& err) {
    ctx.fail(e.value, e.key_mark, err.what());
  }
}

HecConfig read_hec(const Entry& section, const ConfigContext& ctx) {
  HecConfig c;
  const std::string base = "exporters.splunk_hec";
  bool have_url = false;
  // A token inline in a configuration file ends up in backups and bug reports: refuse it.
  if (section.value.IsMap() && section.value["token"])
    ctx.fail(section.value["token"].Mark(),
             base + ".token: the token is not read from the configuration; put it in a file "
                    "readable only by protoport (token_file) or in an environment variable "
                    "(token_env)");
  for (const Entry& e : policy::read_map(
           section.value, section.key_mark, base,
           {"url", "token_file", "token_env", "index", "source", "sourcetype", "host", "events",
            "batch_events", "batch_bytes", "flush_interval", "queue_events", "timeout",
            "retry_initial", "retry_max", "verify_tls", "ca_file"},
           ctx)) {
    const std::string where = base + "." + e.key;
    if (e.key == "url") c.url = text_of(e, where, ctx), have_url = true;
    else if (e.key == "token_file") c.token_file = text_of(e, where, ctx);
    else if (e.key == "token_env") c.token_env = text_of(e, where, ctx);
    else if (e.key == "index") c.index = text_of(e, where, ctx);
    else if (e.key == "source") c.source = text_of(e, where, ctx);
    else if (e.key == "sourcetype") c.sourcetype = text_of(e, where, ctx);
    else if (e.key == "host") c.host = text_of(e, where, ctx);
    else if (e.key == "events") c.events = event_kinds(e, where, ctx);
    else if (e.key == "batch_events") c.batch_events = count(e, where, 1, 10000, ctx);
    else if (e.key == "batch_bytes") c.batch_bytes = count(e, where, 1024, 64 << 20, ctx);
    else if (e.key == "flush_interval") c.flush_interval_s = seconds(e, where, 0, 60, ctx);
    else if (e.key == "queue_events") c.queue_events = count(e, where, 1, 10000000, ctx);
    else if (e.key == "timeout") c.timeout_s = seconds(e, where, 0.1, 300, ctx);
    else if (e.key == "retry_initial") c.retry_initial_s = seconds(e, where, 0.01, 3600, ctx);
    else if (e.key == "retry_max") c.retry_max_s = seconds(e, where, 0.01, 3600, ctx);
    else if (e.key == "verify_tls") c.verify_tls = boolean(e, where, ctx);
    else if (e.key == "ca_file") c.ca_file = text_of(e, where, ctx);
  }
  if (!have_url) ctx.fail(section.key_mark, base + ": url is required");
  if (!c.token_file.empty() && !c.token_env.empty())
    ctx.fail(section.key_mark, base + ": give token_file or token_env, not both");
  return c;
}

SyslogConfig read_syslog(const Entry& section, const ConfigContext& ctx) {
  SyslogConfig c;
  const std::string base = "exporters.syslog";
  bool have_address = false;
  for (const Entry& e : policy::read_map(section.value, section.key_mark, base,
                                         {"address", "facility", "app_name", "hostname", "sd_id",
                                          "events", "queue_events", "max_message_bytes",
                                          "retry_initial", "retry_max"},
                                         ctx)) {
    const std::string where = base + "." + e.key;
    if (e.key == "address") {
      const std::string text = text_of(e, where, ctx);
      c.address = with_setup_errors(e, ctx, [&] { return parse_syslog_address(text); });
      have_address = true;
    } else if (e.key == "facility") {
      c.facility = text_of(e, where, ctx);
      if (!facility_code(c.facility))
        ctx.fail(e.value, e.key_mark,
                 where + ": unknown facility " + shown(c.facility) +
                     " (kern, user, mail, daemon, auth, syslog, ..., local0..local7)");
    } else if (e.key == "app_name") c.app_name = text_of(e, where, ctx);
    else if (e.key == "hostname") c.hostname = text_of(e, where, ctx);
    else if (e.key == "sd_id") {
      c.sd_id = text_of(e, where, ctx);
      if (!valid_sd_id(c.sd_id))
        ctx.fail(e.value, e.key_mark,
                 where + ": " + shown(c.sd_id) +
                     " is not an SD-ID of the form name@enterprise-number (RFC 5424 7.2.2)");
    } else if (e.key == "events") c.events = event_kinds(e, where, ctx);
    else if (e.key == "queue_events") c.queue_events = count(e, where, 1, 10000000, ctx);
    else if (e.key == "max_message_bytes") c.max_message_bytes = count(e, where, 480, 65000, ctx);
    else if (e.key == "retry_initial") c.retry_initial_s = seconds(e, where, 0.01, 3600, ctx);
    else if (e.key == "retry_max") c.retry_max_s = seconds(e, where, 0.01, 3600, ctx);
  }
  if (!have_address) ctx.fail(section.key_mark, base + ": address is required");
  return c;
}

MetricsConfig read_metrics(const Entry& section, const ConfigContext& ctx) {
  MetricsConfig c;
  const std::string base = "exporters.prometheus";
  bool have_listen = false;
  for (const Entry& e : policy::read_map(section.value, section.key_mark, base,
                                         {"listen", "max_mismatch_series"}, ctx)) {
    const std::string where = base + "." + e.key;
    if (e.key == "listen") {
      const std::string text = text_of(e, where, ctx);
      c.listen = with_setup_errors(e, ctx, [&] { return parse_listen_address(text); });
      have_listen = true;
    } else {
      c.max_mismatch_series = count(e, where, 1, 100000, ctx);
    }
  }
  if (!have_listen) ctx.fail(section.key_mark, base + ": listen is required");
  return c;
}

void read_section(const Entry& section, ExportConfig& out, const ConfigContext& ctx) {
  out = ExportConfig{};
  if (section.value.IsNull()) return;
  for (const Entry& e : policy::read_map(section.value, section.key_mark, "exporters",
                                         {"exit_grace", "splunk_hec", "syslog", "prometheus"},
                                         ctx, "exporter")) {
    if (e.key == "exit_grace") out.exit_grace_s = seconds(e, "exporters.exit_grace", 0, 300, ctx);
    else if (e.key == "splunk_hec") out.hec = read_hec(e, ctx);
    else if (e.key == "syslog") out.syslog = read_syslog(e, ctx);
    else out.metrics = read_metrics(e, ctx);
  }
}

}  // namespace

std::optional<int> facility_code(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron",
      "authpriv", "ftp", "ntp", "security", "console", "solaris-cron", "local0", "local1",
      "local2", "local3", "local4", "local5", "local6", "local7"};
  for (std::size_t i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == name) return static_cast<int>(i);
  return std::nullopt;
}

bool valid_sd_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (const char c : name)
    if (c < 33 || c > 126 || c == '=' || c == ']' || c == '"') return false;
  return true;
}

bool valid_sd_id(std::string_view id) {
  const auto at = id.find('@');
  if (!valid_sd_name(id) || at == std::string_view::npos || at == 0 || at + 1 == id.size())
    return false;
  for (const char c : id.substr(at + 1))
    if ((c < '0' || c > '9') && c != '.') return false;
  return id.find('@', at + 1) == std::string_view::npos;
}

policy::ConfigSection config_section(ExportConfig& out) {
  return policy::ConfigSection{std::string(kSectionName),
                               [&out](const Entry& e, const ConfigContext& ctx) {
                                 read_section(e, out, ctx);
                               }};
}

void add_cli_options(CLI::App& sub, ExportOptions& o) {
  auto* g = sub.add_option_group(
      "Exporters", "Also in the configuration file's exporters: section; flags override it");
  g->add_option("--hec-url", o.hec_url,
                "Splunk HTTP Event Collector, e.g. https://splunk:8088 (certificates verified)");
  g->add_option("--hec-token-file", o.hec_token_file,
                "File holding the HEC token (never give the token itself on the command line)");
  g->add_option("--hec-token-env", o.hec_token_env,
                "Name of the environment variable holding the HEC token");
  g->add_option("--syslog", o.syslog,
                "RFC 5424 syslog to udp://HOST[:PORT], tcp://HOST[:PORT] or unix:/PATH");
  g->add_option("--metrics-listen", o.metrics_listen,
                "Serve Prometheus metrics on ADDR:PORT (e.g. 127.0.0.1:9799), path /metrics");
}

ExportConfig merge(ExportConfig c, const ExportOptions& f) {
  const bool hec_flag = !f.hec_url.empty() || !f.hec_token_file.empty() || !f.hec_token_env.empty();
  if (hec_flag) {
    if (!c.hec) c.hec.emplace();
    if (!f.hec_url.empty()) c.hec->url = f.hec_url;
    if (!f.hec_token_file.empty() && !f.hec_token_env.empty())
      throw SetupError("give --hec-token-file or --hec-token-env, not both");
    if (!f.hec_token_file.empty()) c.hec->token_file = f.hec_token_file, c.hec->token_env.clear();
    if (!f.hec_token_env.empty()) c.hec->token_env = f.hec_token_env, c.hec->token_file.clear();
  }
  if (c.hec) {
    if (c.hec->url.empty())
      throw SetupError("a HEC token was given but no collector: add --hec-url (or splunk_hec.url)");
    if (c.hec->token_file.empty() && c.hec->token_env.empty())
      throw SetupError("the HEC collector needs a token: --hec-token-file FILE or --hec-token-env "
                       "NAME (or token_file/token_env in exporters.splunk_hec)");
  }
  if (!f.syslog.empty()) {
    if (!c.syslog) c.syslog.emplace();
    c.syslog->address = parse_syslog_address(f.syslog);
  }
  if (!f.metrics_listen.empty()) {
    if (!c.metrics) c.metrics.emplace();
    c.metrics->listen = parse_listen_address(f.metrics_listen);
  }
  return c;
}

}  // namespace protoport::exporters
