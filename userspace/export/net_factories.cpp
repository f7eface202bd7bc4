// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Factories of the exporters that need libcurl and prometheus-cpp: what protoport-net.so hands
// to the binary (net_module_entry.cpp), and what unit tests pass to use_linked_net_module().
#include "export/hec.h"
#include "export/metrics.h"
#include "export/net_module.h"

namespace protoport::exporters {

namespace {

std::unique_ptr<Exporter> make_hec(const HecConfig& config, const std::string& default_host) {
  return std::make_unique<HecExporter>(config, default_host);
}
std::unique_ptr<MetricsSink> make_metrics(const ListenAddress& listen) {
  return std::make_unique<MetricsServer>(listen);
}

constexpr NetModuleApi kApi{kNetModuleAbi, sizeof(Event), sizeof(MetricsSnapshot), &make_hec,
                            &make_metrics};

}  // namespace

const NetModuleApi* linked_net_module() { return &kApi; }

}  // namespace protoport::exporters
