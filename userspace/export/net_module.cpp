// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/net_module.h"

#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <mutex>

#include "export/address.h"

namespace protoport::exporters {

namespace {

const NetModuleApi* linked_api = nullptr;

std::string own_directory() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return {};
  std::string path(buf, static_cast<std::size_t>(n));
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

const NetModuleApi* check_abi(const NetModuleApi* api, const std::string& path) {
  if (api == nullptr) throw SetupError(path + ": " PP_NET_MODULE_ENTRY " returned nothing");
  if (api->abi != kNetModuleAbi || api->event_size != sizeof(Event) ||
      api->snapshot_size != sizeof(MetricsSnapshot))
    throw SetupError(path + ": built from another protoport version (module ABI " +
                     std::to_string(api->abi) + ", this binary " + std::to_string(kNetModuleAbi) +
                     "); install the matching one");
  return api;
}

const NetModuleApi& load() {
  std::string tried;
  for (const auto& path : net_module_candidates()) {
    if (::access(path.c_str(), F_OK) != 0) {
      tried += (tried.empty() ? " " : ", ") + path + " (not found)";
      continue;
    }
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = ::dlerror();
      throw SetupError("cannot load " + path + ": " + (why ? why : "dlopen failed"));
    }
    auto entry = reinterpret_cast<NetModuleEntry>(::dlsym(handle, PP_NET_MODULE_ENTRY));
    if (entry == nullptr)
      throw SetupError(path + ": not a protoport-net module (no " PP_NET_MODULE_ENTRY ")");
    return *check_abi(entry(), path);  // kept loaded for the life of the process
  }
  throw SetupError(
      "the Splunk HEC and Prometheus exporters need protoport-net.so, installed with "
      "protoport; tried:" +
      tried);
}

}  // namespace

std::vector<std::string> net_module_candidates() {
  std::vector<std::string> out;
  if (const char* env = ::secure_getenv("PROTOPORT_NET_MODULE"); env != nullptr && *env != '\0')
    out.emplace_back(env);
  const std::string dir = own_directory();
  if (!dir.empty()) {
    out.push_back(dir + "/protoport-net.so");
    out.push_back(dir + "/../lib/protoport/protoport-net.so");
  }
  return out;
}

void use_linked_net_module(const NetModuleApi* api) { linked_api = api; }

const NetModuleApi& net_module() {
  if (linked_api != nullptr) return *linked_api;
  // Loaded once; a failure is thrown again on the next call (it names what to fix).
  static std::mutex mu;
  static const NetModuleApi* loaded = nullptr;
  std::lock_guard lock(mu);
  if (loaded == nullptr) loaded = &load();
  return *loaded;
}

}  // namespace protoport::exporters
