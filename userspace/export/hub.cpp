// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/hub.h"

#include <unistd.h>

#include "export/net_module.h"
#include "export/syslog.h"

namespace protoport::exporters {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

Hub::Hub(const ExportConfig& config)
    : config_(config), series_(config.metrics ? config.metrics->max_mismatch_series : 500) {
  const std::string host = host_name();
  if (config_.hec) exporters_.push_back(net_module().make_hec(*config_.hec, host));
  if (config_.syslog) exporters_.push_back(std::make_unique<SyslogExporter>(*config_.syslog, host));
  if (config_.metrics) {
    metrics_ = net_module().make_metrics(config_.metrics->listen);
    if (!config_.metrics->listen.is_loopback())
      std::fprintf(stderr, "protoport: note: metrics are served on %s, beyond this host\n",
                   config_.metrics->listen.to_string().c_str());
  }
}

Hub::~Hub() = default;

bool Hub::wants(EventKind kind) const {
  for (const auto& e : exporters_)
    if (e->wants(kind)) return true;
  return false;
}

void Hub::publish(const Event& event) {
  for (const auto& e : exporters_) e->publish(event);
}

bool Hub::metrics_due() {
  if (!metrics_) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_metrics_ < std::chrono::seconds(1)) return false;
  last_metrics_ = now;
  return true;
}

void Hub::publish_metrics(MetricsSnapshot snapshot) {
  if (!metrics_) return;
  snapshot.mismatches = series_.counts();
  snapshot.exporters = exporter_stats();
  metrics_->publish(std::move(snapshot));
}

void Hub::close() {
  const auto grace = std::chrono::milliseconds(static_cast<long>(config_.exit_grace_s * 1000));
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (const auto& e : exporters_) {  // one shared grace, not one each
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    e->close(std::max(left, std::chrono::milliseconds(0)));
  }
}

std::vector<ExporterStats> Hub::exporter_stats() const {
  std::vector<ExporterStats> out;
  for (const auto& e : exporters_) out.push_back(e->stats());
  return out;
}

void Hub::print_stats(std::FILE* err) const {
  for (const auto& e : exporters_) {
    std::string line = describe(e->stats());
    if (const auto* s = dynamic_cast<const SyslogExporter*>(e.get()); s && s->truncated() > 0)
      line += ", " + std::to_string(s->truncated()) + " messages shortened to fit";
    std::fprintf(err, "exporter %s\n", line.c_str());
  }
  if (series_.overflowed() > 0)
    std::fprintf(err,
                 "metrics: %llu mismatching flows counted under dest_port=\"other\" "
                 "(max_mismatch_series reached)\n",
                 static_cast<unsigned long long>(series_.overflowed()));
}

}  // namespace protoport::exporters
