// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The socket-owner hooks (bpf/sockets.bpf.c): cgroup socket programs on the cgroup v2 root,
// attached through BPF links (the kernel detaches them when the process ends, however it ends),
// their events read from their own ring buffer.
#pragma once

#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "protoport/sockets.h"

struct protoport_sockets;  // generated skeleton, private to the loader
struct ring_buffer;        // libbpf

namespace protoport::loader {

class SocketOwners {
 public:
  using Callback = std::function<void(const pp_sock_event& event)>;

  // Records the sockets of the network namespace whose cookie is netns_cookie (0: every
  // namespace). Throws Error (permission; system: no cgroup v2 mount; load) naming what failed.
  SocketOwners(std::uint64_t netns_cookie, Callback callback, bool verbose = false);
  ~SocketOwners();
  SocketOwners(const SocketOwners&) = delete;
  SocketOwners& operator=(const SocketOwners&) = delete;

  // Hands every event already in the ring buffer to the callback, in order; returns how many.
  int consume();
  // Events the kernel could not queue (ring buffer full), summed over CPUs.
  std::uint64_t lost() const;

  // The cookie of this process's network namespace (SO_NETNS_COOKIE), 0 if the kernel has none.
  static std::uint64_t current_netns();
  // Where cgroup v2 is mounted ("/sys/fs/cgroup" or, on a hybrid system, its "unified"), ""
  // if it is not.
  static std::string cgroup2_root();

 private:
  static int on_record(void* self, void* data, std::size_t size);
  Callback callback_;
  std::exception_ptr pending_;
  struct SkelDeleter {
    void operator()(protoport_sockets* skel) const noexcept;
  };
  struct RingDeleter {
    void operator()(ring_buffer* rb) const noexcept;
  };
  std::unique_ptr<protoport_sockets, SkelDeleter> skel_;
  std::unique_ptr<ring_buffer, RingDeleter> rb_;
  std::vector<int> link_fds_;  // one BPF link per program: closing it detaches
};

}  // namespace protoport::loader
