// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The two exporters that need large libraries, Splunk HEC (libcurl and its TLS, LDAP, Kerberos,
// SSH... dependencies) and the Prometheus server (prometheus-cpp, civetweb), live in a module,
// protoport-net.so, that is loaded (dlopen) the first time one of them is configured. Every other
// run of protoport starts without mapping those ~40 shared libraries: about 7 ms less per
// process here, which is most of a small replay's or `protoport stats`' start-up.
//
// The module is looked for, in this order:
//   $PROTOPORT_NET_MODULE (a full path; ignored for setuid/setcap binaries, secure_getenv),
//   <directory of the protoport binary>/protoport-net.so              (the build tree),
//   <directory of the protoport binary>/../lib/protoport/protoport-net.so  (installed: sbin/..).
// It is built from this source tree with the binary; kNetModuleAbi refuses any other build.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "export/exporter.h"
#include "export/metrics_snapshot.h"
#include "export/settings.h"

namespace protoport::exporters {

// Bump when anything passed across the module boundary changes (configs, Event, Exporter,
// MetricsSnapshot, MetricsSink): an old module then refuses to load instead of misbehaving.
inline constexpr std::uint32_t kNetModuleAbi = 1;

struct NetModuleApi {
  std::uint32_t abi;
  std::uint32_t event_size;     // sizeof(Event) where the module was built
  std::uint32_t snapshot_size;  // sizeof(MetricsSnapshot)
  // Both throw SetupError for what the user must fix (token file, bad address...), its
  // TemporarySetupError for what may pass by itself (address in use).
  std::unique_ptr<Exporter> (*make_hec)(const HecConfig& config, const std::string& default_host);
  std::unique_ptr<MetricsSink> (*make_metrics)(const ListenAddress& listen);
};

// The module's one exported symbol.
#define PP_NET_MODULE_ENTRY "protoport_net_module"
using NetModuleEntry = const NetModuleApi* (*)();

// The module, loaded on the first call (never unloaded). Throws SetupError naming every path
// tried and why it failed, or the ABI mismatch.
const NetModuleApi& net_module();

// The paths net_module() tries, in order (for messages and tests).
std::vector<std::string> net_module_candidates();

// For binaries that link the network exporters in (unit tests): use these instead of loading.
void use_linked_net_module(const NetModuleApi* api);
// The factories themselves: defined in pp_export_net (net_factories.cpp), which the module is.
const NetModuleApi* linked_net_module();

}  // namespace protoport::exporters
