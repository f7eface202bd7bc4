// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Process attribution: the socket hooks' events (include/protoport/sockets.h) kept as the
// processes that own sockets (by cookie) and ports (by what bound them), each resolved from
// /proc when its event comes (path, cgroup), so that it is still named after it exits. A flow
// is joined to its process by the cookie of the socket that sent its first egress sample, or,
// for a flow that only came in, by its responder's port, when a local process bound it.
// Bounded: the least recently used entries go first.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/lru_map.h"
#include "common/process_info.h"
#include "detect/flow_verdict.h"
#include "protoport/sockets.h"

namespace protoport {

class ProcessTable {
 public:
  explicit ProcessTable(std::size_t max_sockets = 65536, std::size_t max_ports = 16384);

  void on_event(const pp_sock_event& event);
  // The process behind a verdict, nullptr if none is known (forwarded traffic, another
  // namespace's sockets, a flow from before the watch started).
  std::shared_ptr<const ProcessInfo> find(const FlowVerdict& v) const;

  std::uint64_t events() const { return events_; }

  // How a process is resolved (tests replace /proc).
  static ProcessInfo resolve(const pp_sock_owner& owner, const char* proc_root = "/proc");

 private:
  // A bound port: several sockets may bind one port at different addresses (one per family,
  // one per address), each its own entry; `any` (all-zero addr) for the wildcard.
  struct PortKey {
    std::uint16_t port;
    std::uint8_t proto;
    IpAddr addr;
    bool operator==(const PortKey&) const = default;
  };
  struct PortKeyHash {
    std::size_t operator()(const PortKey& k) const {
      std::size_t h = k.port * 31u + k.proto;
      for (const auto b : k.addr.bytes) h = h * 131u + b;
      return h;
    }
  };
  std::shared_ptr<const ProcessInfo> process_of(const pp_sock_owner& owner);
  // Whether addr is one of this network namespace's addresses (refreshed at most once a second).
  bool is_local(const IpAddr& addr) const;
  mutable std::vector<IpAddr> local_;
  mutable std::chrono::steady_clock::time_point local_at_{};
  mutable LruMap<std::uint64_t, std::shared_ptr<const ProcessInfo>> sockets_;
  mutable LruMap<PortKey, std::shared_ptr<const ProcessInfo>, PortKeyHash> ports_;
  // The last process resolved: a process opening many sockets is read from /proc once.
  std::shared_ptr<const ProcessInfo> last_;
  std::uint64_t events_ = 0;
};

}  // namespace protoport
