// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The process behind a flow (process attribution): what the socket hooks recorded, resolved
// further from /proc when the event came. Shared by detection (which finds it), policy (which
// filters on it) and reporting (which prints it). Every string is as the system gave it:
// process names and paths are anyone's to choose, so they are escaped like payload text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace protoport {

struct ProcessInfo {
  std::uint32_t pid = 0;
  std::uint64_t start_ns = 0;  // the process's start (boot time, ns): pid + start is who it is
  std::string name;            // the thread group leader's comm (15 bytes at most)
  std::string path;            // /proc/PID/exe when it could be read while the process ran
  std::uint32_t uid = 0;
  std::string user;          // the uid's name (getpwuid), "" if it has none
  std::string cgroup;        // cgroup v2 path (/proc/PID/cgroup), "" if unknown
  std::string container_id;  // a 64-hex-digit id in the cgroup path (docker, containerd, podman)

  bool same_process(const ProcessInfo& o) const { return pid == o.pid && start_ns == o.start_ns; }
};

// The container id a cgroup path carries: the last path component holding a run of exactly 64
// hex digits (".../docker-<id>.scope", "/docker/<id>", ".../cri-containerd-<id>.scope"), "" if
// none does.
std::string container_id_of(std::string_view cgroup_path);

}  // namespace protoport
