// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Reading the per-CPU counters map and finding the counters of other running
// protoport programs (for `protoport stats`) by walking the kernel's map and program ids.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <vector>

#include "loader/internal.h"
#include "loader/loader.h"

namespace protoport::loader {
namespace {

constexpr std::uint32_t kCountersValueSize = sizeof(std::uint64_t) * PP_CNT_MAX;
constexpr std::string_view kProgName = "protoport_xdp";

// Program id -> the map ids it uses, for every XDP program named protoport_xdp.
std::map<std::uint32_t, std::uint32_t> protoport_prog_by_map() {
  std::map<std::uint32_t, std::uint32_t> prog_by_map;
  std::uint32_t id = 0;
  while (bpf_prog_get_next_id(id, &id) == 0) {
    detail::UniqueFd fd(bpf_prog_get_fd_by_id(id));
    if (!fd) continue;  // unloaded meanwhile
    bpf_prog_info info{};
    std::uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) continue;
    if (info.type != BPF_PROG_TYPE_XDP || std::string_view(info.name) != kProgName) continue;
    std::vector<std::uint32_t> map_ids(info.nr_map_ids);
    bpf_prog_info again{};
    again.nr_map_ids = static_cast<std::uint32_t>(map_ids.size());
    again.map_ids = reinterpret_cast<std::uintptr_t>(map_ids.data());
    len = sizeof(again);
    if (bpf_obj_get_info_by_fd(fd.get(), &again, &len) != 0) continue;
    map_ids.resize(std::min<std::size_t>(map_ids.size(), again.nr_map_ids));
    for (std::uint32_t map_id : map_ids) prog_by_map[map_id] = id;
  }
  return prog_by_map;
}

}  // namespace

namespace detail {

Counters read_counters_fd(int map_fd, std::uint32_t hook) {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) throw_errno("counting possible CPUs", cpus);
  // A per-CPU lookup returns one value per possible CPU, each rounded up to 8 bytes.
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus) * PP_CNT_MAX);
  if (bpf_map_lookup_elem(map_fd, &hook, per_cpu.data()) != 0)
    throw_errno("reading the protoport counters", errno);
  Counters sum;
  for (int cpu = 0; cpu < cpus; ++cpu)
    for (std::size_t i = 0; i < PP_CNT_MAX; ++i)
      sum.values[i] += per_cpu[static_cast<std::size_t>(cpu) * PP_CNT_MAX + i];
  return sum;
}

Counters read_counters_fd(int map_fd) {
  bpf_map_info info{};
  std::uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0)
    throw_errno("reading the protoport counters", errno);
  Counters sum;
  for (std::uint32_t hook = 0; hook < info.max_entries && hook < PP_HOOKS; ++hook) {
    const Counters one = read_counters_fd(map_fd, hook);
    for (std::size_t i = 0; i < PP_CNT_MAX; ++i) sum.values[i] += one.values[i];
  }
  return sum;
}

}  // namespace detail

std::vector<InstanceCounters> find_running_instances() {
  std::vector<InstanceCounters> found;
  std::uint32_t id = 0;
  for (;;) {
    if (bpf_map_get_next_id(id, &id) != 0) {
      if (errno == ENOENT) break;  // end of the list
      // Walking map ids (BPF_MAP_GET_NEXT_ID, BPF_MAP_GET_FD_BY_ID) takes CAP_SYS_ADMIN, which
      // CAP_BPF does not replace (kernel/bpf/syscall.c).
      const int err = errno;
      if (err == EPERM || err == EACCES)
        throw Error(ErrorKind::permission,
                    "listing BPF maps needs root (CAP_SYS_ADMIN; CAP_BPF is not enough): " +
                        detail::errno_message("bpf", err));
      detail::throw_errno("listing BPF maps", err);
    }
    detail::UniqueFd fd(bpf_map_get_fd_by_id(id));
    if (!fd) {
      const int err = errno;
      if (err == ENOENT) continue;  // freed meanwhile
      if (err == EPERM || err == EACCES)
        throw Error(ErrorKind::permission,
                    "opening BPF map " + std::to_string(id) +
                        " needs root (CAP_SYS_ADMIN; CAP_BPF is not enough): " +
                        detail::errno_message("bpf", err));
      detail::throw_errno("opening BPF map " + std::to_string(id), err);
    }
    bpf_map_info info{};
    std::uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) continue;
    if (std::string_view(info.name) != kCountersMapName || info.type != BPF_MAP_TYPE_PERCPU_ARRAY ||
        info.value_size != kCountersValueSize || info.max_entries < 1 ||
        info.max_entries > PP_HOOKS)
      continue;
    found.push_back(InstanceCounters{id, 0, detail::read_counters_fd(fd.get())});
  }
  if (!found.empty()) {
    const auto prog_by_map = protoport_prog_by_map();
    for (auto& instance : found) {
      auto it = prog_by_map.find(instance.map_id);
      if (it != prog_by_map.end()) instance.prog_id = it->second;
    }
  }
  return found;
}

}  // namespace protoport::loader
