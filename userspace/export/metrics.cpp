// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/metrics.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "export/threads.h"

namespace protoport::exporters {

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

using Labels = std::vector<ClientMetric::Label>;

ClientMetric counter(double value, Labels labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  m.counter.value = value;
  return m;
}
ClientMetric gauge(double value, Labels labels = {}) {
  ClientMetric m;
  m.label = std::move(labels);
  m.gauge.value = value;
  return m;
}

MetricFamily family(std::string name, std::string help, MetricType type,
                    std::vector<ClientMetric> metrics) {
  return MetricFamily{std::move(name), std::move(help), type, std::move(metrics)};
}

MetricFamily one_counter(std::string name, std::string help, std::uint64_t value) {
  return family(std::move(name), std::move(help), MetricType::Counter,
                {counter(static_cast<double>(value))});
}

const char* kernel_help(pp_counter c) {
  switch (c) {
    case PP_CNT_PACKETS: return "Packets the XDP program saw";
    case PP_CNT_BYTES: return "Frame bytes the XDP program saw";
    case PP_CNT_FLOWS_CREATED: return "Kernel flow-table entries created";
    case PP_OUT_NON_IP: return "Packets that were not IPv4 or IPv6";
    case PP_OUT_MALFORMED: return "Packets with a truncated or invalid header";
    case PP_OUT_FRAGMENT: return "Non-first IP fragments (no L4 header)";
    case PP_OUT_OTHER_L4: return "IP packets neither TCP nor UDP";
    case PP_OUT_NO_PAYLOAD: return "TCP/UDP packets without payload";
    case PP_OUT_ALREADY_SAMPLED: return "Packets of flow directions that already had their samples";
    case PP_OUT_SAMPLED: return "Samples written to the ring buffer";
    case PP_OUT_RINGBUF_FULL: return "Samples lost because the ring buffer was full";
    case PP_OUT_FLOW_UPDATE_FAIL:
      return "Packets not sampled because the flow table refused an entry";
    default: return "Kernel counter";
  }
}

}  // namespace

std::vector<MetricFamily> metric_families(const MetricsSnapshot& s) {
  std::vector<MetricFamily> out;
  if (s.has_kernel) {
    for (std::size_t i = 0; i < PP_CNT_MAX; ++i) {
      const auto c = static_cast<pp_counter>(i);
      out.push_back(one_counter("protoport_kernel_" + std::string(counter_name(c)) + "_total",
                                kernel_help(c), s.kernel.values[i]));
    }
  }
  out.push_back(one_counter("protoport_ringbuf_malformed_records_total",
                            "Ring-buffer records too short for their header, ignored",
                            s.ringbuf_malformed));
  out.push_back(
      one_counter("protoport_samples_total", "Kernel samples consumed by userspace", s.samples));
  out.push_back(one_counter("protoport_samples_invalid_total",
                            "Samples with inconsistent lengths, ignored", s.samples_invalid));
  out.push_back(one_counter("protoport_flows_total", "Flows tracked in userspace", s.flows));
  out.push_back(one_counter("protoport_flows_evicted_undecided_total",
                            "Flows evicted from the userspace tracker before a verdict",
                            s.evicted_undecided));
  std::vector<ClientMetric> verdicts;
  for (const auto& [app, n] : s.verdicts_by_app)
    verdicts.push_back(counter(static_cast<double>(n), {{"app", app}}));
  out.push_back(family("protoport_verdicts_total", "Flow verdicts by the app the payload speaks",
                       MetricType::Counter, std::move(verdicts)));
  std::vector<ClientMetric> mismatches;
  for (const auto& [key, n] : s.mismatches)
    mismatches.push_back(counter(
        static_cast<double>(n),
        {{"app", std::string(fingerprint::to_string(key.app))},
         {"dest_port",
          key.dest_port == MismatchSeries::kOther ? "other" : std::to_string(key.dest_port)},
         {"transport", std::string(fingerprint::to_string(key.transport))}}));
  out.push_back(family("protoport_mismatches_total",
                       "Mismatching flows by app, destination port and transport (ports past the "
                       "series bound are counted under dest_port=\"other\")",
                       MetricType::Counter, std::move(mismatches)));
  out.push_back(one_counter("protoport_mismatches_filtered_total",
                            "Mismatches suppressed by the configuration's filters", s.filtered));
  out.push_back(family("protoport_report_rows", "Aggregated mismatch rows held", MetricType::Gauge,
                       {gauge(static_cast<double>(s.report_rows))}));
  out.push_back(one_counter("protoport_report_rows_evicted_total",
                            "Aggregated rows evicted by the row bound", s.report_rows_evicted));
  std::vector<ClientMetric> events, errors, retries, queued, capacity;
  for (const ExporterStats& e : s.exporters) {
    const auto outcome = [&](const char* name, std::uint64_t v) {
      events.push_back(counter(static_cast<double>(v), {{"exporter", e.name}, {"outcome", name}}));
    };
    outcome("sent", e.sent);
    outcome("dropped_queue_full", e.dropped_queue_full);
    outcome("dropped_rejected", e.dropped_rejected);
    outcome("dropped_at_exit", e.dropped_at_exit);
    errors.push_back(counter(static_cast<double>(e.errors), {{"exporter", e.name}}));
    retries.push_back(counter(static_cast<double>(e.retries), {{"exporter", e.name}}));
    queued.push_back(gauge(static_cast<double>(e.queued), {{"exporter", e.name}}));
    capacity.push_back(gauge(static_cast<double>(e.queue_capacity), {{"exporter", e.name}}));
  }
  out.push_back(family("protoport_exporter_events_total",
                       "Events handed to an exporter, by outcome", MetricType::Counter,
                       std::move(events)));
  out.push_back(family("protoport_exporter_errors_total",
                       "Failed delivery attempts (connection, timeout, HTTP error)",
                       MetricType::Counter, std::move(errors)));
  out.push_back(family("protoport_exporter_retries_total",
                       "Delivery attempts repeated after a failure", MetricType::Counter,
                       std::move(retries)));
  out.push_back(family("protoport_exporter_queue_events", "Events waiting in an exporter's queue",
                       MetricType::Gauge, std::move(queued)));
  out.push_back(family("protoport_exporter_queue_capacity", "Bound of an exporter's queue",
                       MetricType::Gauge, std::move(capacity)));
  out.push_back(family("protoport_config_reloads_total",
                       "Configuration reloads on SIGHUP, by result", MetricType::Counter,
                       {counter(static_cast<double>(s.reloads_ok), {{"result", "ok"}}),
                        counter(static_cast<double>(s.reloads_failed), {{"result", "failed"}})}));
  return out;
}

std::string exposition_text(const MetricsSnapshot& s) {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, metric_families(s));
  return out.str();
}

class MetricsServer::Collector final : public prometheus::Collectable {
 public:
  std::vector<MetricFamily> Collect() const override {
    std::lock_guard lock(mutex_);
    return metric_families(snapshot_);
  }
  void set(MetricsSnapshot s) {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(s);
  }

 private:
  mutable std::mutex mutex_;
  MetricsSnapshot snapshot_;
};

namespace {

// civetweb only says that it could not bind; bind a socket ourselves first for the reason.
void probe_bind(const ListenAddress& l) {
  const int fd = ::socket(l.ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  int rc = 0;
  if (l.ipv6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(l.port);
    inet_pton(AF_INET6, l.ip.c_str(), &a.sin6_addr);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(l.port);
    inet_pton(AF_INET, l.ip.c_str(), &a.sin_addr);
    rc = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  const int err = errno;
  ::close(fd);
  if (rc == 0) return;
  const std::string what = "--metrics-listen " + l.to_string() + ": cannot listen: ";
  if (err == EADDRINUSE)
    throw TemporarySetupError(what + std::strerror(err) +
                              " (another process listens there; a protoport still stopping?)");
  if (err == EADDRNOTAVAIL)
    throw TemporarySetupError(what + std::strerror(err) +
                              " (no interface of this host has that address, yet?)");
  throw SetupError(what + std::strerror(err));
}

}  // namespace

MetricsServer::MetricsServer(const ListenAddress& listen)
    : listen_(listen), collector_(std::make_shared<Collector>()) {
  probe_bind(listen_);
  const BlockedSignals quiet;  // civetweb's threads must not take watch's signals
  try {
    // civetweb gives each connection a thread of its own until the request is read: with few
    // threads, a few clients that connect and stay silent (or send half a request) would keep
    // every scrape waiting for civetweb's default 30 s. More threads than a scraper and a few
    // idle clients need, and a short limit on reading a request (whole, not per read:
    // civetweb's read_message), which also bounds a slow client's hold on a thread.
    exposer_ = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", listen_.to_string(), "num_threads", "8",
                                 "request_timeout_ms", "3000", "enable_keep_alive", "no"});
  } catch (const std::exception& e) {
    throw SetupError("--metrics-listen " + listen_.to_string() + ": cannot listen: " + e.what());
  }
  exposer_->RegisterCollectable(collector_);
}

MetricsServer::~MetricsServer() = default;

void MetricsServer::publish(MetricsSnapshot snapshot) { collector_->set(std::move(snapshot)); }

}  // namespace protoport::exporters
