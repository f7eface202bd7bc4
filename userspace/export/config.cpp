// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/config.h"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <vector>

#include "common/text.h"

namespace protoport::exporters {

namespace {

using config::ConfigContext;
using config::Entry;

std::string text_of(const Entry& e, const std::string& where, const ConfigContext& ctx) {
  return config::read_scalar(e.value, e.key_mark, where, ctx);
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
             where + ": " + quote(text) + " is not a number of seconds from " + number_text(min) +
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
             where + ": " + quote(text) + " is not a whole number from " + std::to_string(min) +
                 " to " + std::to_string(max));
  return static_cast<std::size_t>(value);
}

bool boolean(const Entry& e, const std::string& where, const ConfigContext& ctx) {
  const std::string text = text_of(e, where, ctx);
  if (text == "true") return true;
  if (text == "false") return false;
  ctx.fail(e.value, e.key_mark, where + ": " + quote(text) + " is not true or false");
}

EventKinds event_kinds(const Entry& e, const std::string& where, const ConfigContext& ctx) {
  std::vector<YAML::Node> items;
  if (e.value.IsSequence())
    for (const YAML::Node& n : e.value) items.push_back(n);
  else
    items.push_back(e.value);
  EventKinds kinds;
  for (const YAML::Node& n : items) {
    const std::string name = config::read_scalar(n, e.key_mark, where, ctx);
    const auto kind = parse_event_kind(name);
    if (!kind)
      ctx.fail(n, e.key_mark,
               where + ": unknown event " + quote(name) + " (new_mismatch, report_row, risk)");
    kinds.add(*kind);
  }
  if (kinds.empty())
    ctx.fail(e.value, e.key_mark,
             where + ": list at least one event (new_mismatch, report_row, risk)");
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

using H = HecConfig;
const config::Key<H> kHecKeys[] = {
    {"url", [](H& c, const Entry& e, const std::string& w,
               const ConfigContext& x) { c.url = text_of(e, w, x); }},
    {"token_file", [](H& c, const Entry& e, const std::string& w,
                      const ConfigContext& x) { c.token_file = text_of(e, w, x); }},
    {"token_env", [](H& c, const Entry& e, const std::string& w,
                     const ConfigContext& x) { c.token_env = text_of(e, w, x); }},
    {"index", [](H& c, const Entry& e, const std::string& w,
                 const ConfigContext& x) { c.index = text_of(e, w, x); }},
    {"source", [](H& c, const Entry& e, const std::string& w,
                  const ConfigContext& x) { c.source = text_of(e, w, x); }},
    {"sourcetype", [](H& c, const Entry& e, const std::string& w,
                      const ConfigContext& x) { c.sourcetype = text_of(e, w, x); }},
    {"host", [](H& c, const Entry& e, const std::string& w,
                const ConfigContext& x) { c.host = text_of(e, w, x); }},
    {"events", [](H& c, const Entry& e, const std::string& w,
                  const ConfigContext& x) { c.events = event_kinds(e, w, x); }},
    {"batch_events", [](H& c, const Entry& e, const std::string& w,
                        const ConfigContext& x) { c.batch_events = count(e, w, 1, 10000, x); }},
    {"batch_bytes", [](H& c, const Entry& e, const std::string& w,
                       const ConfigContext& x) { c.batch_bytes = count(e, w, 1024, 64 << 20, x); }},
    {"flush_interval",
     [](H& c, const Entry& e, const std::string& w, const ConfigContext& x) {
       c.flush_interval_s = seconds(e, w, 0, 60, x);
     }},
    {"queue_events", [](H& c, const Entry& e, const std::string& w,
                        const ConfigContext& x) { c.queue_events = count(e, w, 1, 10000000, x); }},
    {"timeout", [](H& c, const Entry& e, const std::string& w,
                   const ConfigContext& x) { c.timeout_s = seconds(e, w, 0.1, 300, x); }},
    {"retry_initial",
     [](H& c, const Entry& e, const std::string& w,
        const ConfigContext& x) { c.retry_initial_s = seconds(e, w, 0.01, 3600, x); }},
    {"retry_max", [](H& c, const Entry& e, const std::string& w,
                     const ConfigContext& x) { c.retry_max_s = seconds(e, w, 0.01, 3600, x); }},
    {"verify_tls", [](H& c, const Entry& e, const std::string& w,
                      const ConfigContext& x) { c.verify_tls = boolean(e, w, x); }},
    {"ca_file", [](H& c, const Entry& e, const std::string& w,
                   const ConfigContext& x) { c.ca_file = text_of(e, w, x); }},
};

HecConfig read_hec(const Entry& section, const ConfigContext& ctx) {
  const std::string base = "exporters.splunk_hec";
  // A token inline in a configuration file ends up in backups and bug reports: refuse it.
  if (section.value.IsMap() && section.value["token"])
    ctx.fail(section.value["token"].Mark(),
             base +
                 ".token: the token is not read from the configuration; put it in a file "
                 "readable only by protoport (token_file) or in an environment variable "
                 "(token_env)");
  HecConfig c;
  const auto present = config::read_keys(section, base, kHecKeys, c, ctx);
  if (!config::has(present, "url")) ctx.fail(section.key_mark, base + ": url is required");
  if (!c.token_file.empty() && !c.token_env.empty())
    ctx.fail(section.key_mark, base + ": give token_file or token_env, not both");
  return c;
}

using S = SyslogConfig;
const config::Key<S> kSyslogKeys[] = {
    {"address",
     [](S& c, const Entry& e, const std::string& w, const ConfigContext& x) {
       const std::string text = text_of(e, w, x);
       c.address = with_setup_errors(e, x, [&] { return parse_syslog_address(text); });
     }},
    {"facility",
     [](S& c, const Entry& e, const std::string& w, const ConfigContext& x) {
       c.facility = text_of(e, w, x);
       if (!facility_code(c.facility))
         x.fail(e.value, e.key_mark,
                w + ": unknown facility " + quote(c.facility) +
                    " (kern, user, mail, daemon, auth, syslog, ..., local0..local7)");
     }},
    {"app_name", [](S& c, const Entry& e, const std::string& w,
                    const ConfigContext& x) { c.app_name = text_of(e, w, x); }},
    {"hostname", [](S& c, const Entry& e, const std::string& w,
                    const ConfigContext& x) { c.hostname = text_of(e, w, x); }},
    {"sd_id",
     [](S& c, const Entry& e, const std::string& w, const ConfigContext& x) {
       c.sd_id = text_of(e, w, x);
       if (!valid_sd_id(c.sd_id))
         x.fail(e.value, e.key_mark,
                w + ": " + quote(c.sd_id) +
                    " is not an SD-ID of the form name@enterprise-number (RFC 5424 7.2.2)");
     }},
    {"events", [](S& c, const Entry& e, const std::string& w,
                  const ConfigContext& x) { c.events = event_kinds(e, w, x); }},
    {"queue_events", [](S& c, const Entry& e, const std::string& w,
                        const ConfigContext& x) { c.queue_events = count(e, w, 1, 10000000, x); }},
    {"max_message_bytes",
     [](S& c, const Entry& e, const std::string& w, const ConfigContext& x) {
       c.max_message_bytes = count(e, w, 480, 65000, x);
     }},
    {"timeout", [](S& c, const Entry& e, const std::string& w,
                   const ConfigContext& x) { c.timeout_s = seconds(e, w, 0.1, 300, x); }},
    {"retry_initial",
     [](S& c, const Entry& e, const std::string& w, const ConfigContext& x) {
       c.retry_initial_s = seconds(e, w, 0.01, 3600, x);
     }},
    {"retry_max", [](S& c, const Entry& e, const std::string& w,
                     const ConfigContext& x) { c.retry_max_s = seconds(e, w, 0.01, 3600, x); }},
};

SyslogConfig read_syslog(const Entry& section, const ConfigContext& ctx) {
  const std::string base = "exporters.syslog";
  SyslogConfig c;
  if (!config::has(config::read_keys(section, base, kSyslogKeys, c, ctx), "address"))
    ctx.fail(section.key_mark, base + ": address is required");
  return c;
}

using M = MetricsConfig;
const config::Key<M> kMetricsKeys[] = {
    {"listen",
     [](M& c, const Entry& e, const std::string& w, const ConfigContext& x) {
       const std::string text = text_of(e, w, x);
       c.listen = with_setup_errors(e, x, [&] { return parse_listen_address(text); });
     }},
    {"max_mismatch_series",
     [](M& c, const Entry& e, const std::string& w, const ConfigContext& x) {
       c.max_mismatch_series = count(e, w, 1, 100000, x);
     }},
};

MetricsConfig read_metrics(const Entry& section, const ConfigContext& ctx) {
  const std::string base = "exporters.prometheus";
  MetricsConfig c;
  if (!config::has(config::read_keys(section, base, kMetricsKeys, c, ctx), "listen"))
    ctx.fail(section.key_mark, base + ": listen is required");
  return c;
}

using X = ExportConfig;
const config::Key<X> kExporterKeys[] = {
    {"exit_grace", [](X& c, const Entry& e, const std::string& w,
                      const ConfigContext& x) { c.exit_grace_s = seconds(e, w, 0, 300, x); }},
    {"splunk_hec", [](X& c, const Entry& e, const std::string&,
                      const ConfigContext& x) { c.hec = read_hec(e, x); }},
    {"syslog", [](X& c, const Entry& e, const std::string&,
                  const ConfigContext& x) { c.syslog = read_syslog(e, x); }},
    {"prometheus", [](X& c, const Entry& e, const std::string&,
                      const ConfigContext& x) { c.metrics = read_metrics(e, x); }},
};

void read_section(const Entry& section, ExportConfig& out, const ConfigContext& ctx) {
  out = ExportConfig{};
  if (section.value.IsNull()) return;
  config::read_keys(section, "exporters", kExporterKeys, out, ctx, "exporter");
}

}  // namespace

config::Section config_section(ExportConfig& out) {
  return config::Section{
      std::string(kSectionName),
      [&out](const Entry& e, const ConfigContext& ctx) { read_section(e, out, ctx); }};
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
      throw SetupError(
          "the HEC collector needs a token: --hec-token-file FILE or --hec-token-env "
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
