// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "detect/process_table.h"

#include <ifaddrs.h>
#include <netinet/in.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "protoport/sample.h"

namespace protoport {
namespace {

template <typename Map, typename Key, typename Value>
void put(Map& map, const Key& key, Value value) {
  if (auto* slot = map.find(key)) {
    slot->value = std::move(value);
    map.touch(*slot);
    return;
  }
  if (map.full()) map.erase(*map.oldest());
  map.insert(key).value = std::move(value);
}

// /proc/PID/stat field 22 (starttime, clock ticks since boot), 0 if unreadable. The name in
// field 2 may hold spaces and parentheses: fields are counted after its last ')'.
std::uint64_t start_ticks(const std::string& proc_pid) {
  std::ifstream in(proc_pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(text.substr(close + 1));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i)
    if (i == 22) return std::strtoull(field.c_str(), nullptr, 10);
  return 0;
}

// This network namespace's own addresses (getifaddrs), empty if they cannot be listed.
std::vector<IpAddr> local_addresses() {
  std::vector<IpAddr> out;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return out;
  for (const ifaddrs* a = list; a != nullptr; a = a->ifa_next) {
    if (a->ifa_addr == nullptr) continue;
    std::uint8_t mapped[16] = {};
    if (a->ifa_addr->sa_family == AF_INET) {
      mapped[10] = mapped[11] = 0xff;
      std::memcpy(mapped + 12, &reinterpret_cast<const sockaddr_in*>(a->ifa_addr)->sin_addr, 4);
      out.push_back(IpAddr::from_v4_mapped(mapped, true));
    } else if (a->ifa_addr->sa_family == AF_INET6) {
      std::memcpy(mapped, &reinterpret_cast<const sockaddr_in6*>(a->ifa_addr)->sin6_addr, 16);
      out.push_back(IpAddr::from_v4_mapped(mapped, false));
    }
  }
  freeifaddrs(list);
  return out;
}

std::string user_name(std::uint32_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(4096);
  if (getpwuid_r(uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) return {};
  return pw.pw_name;
}

// The cgroup v2 line of /proc/PID/cgroup ("0::/path").
std::string cgroup_path(const std::string& proc_pid) {
  std::ifstream in(proc_pid + "/cgroup");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  return {};
}

}  // namespace

ProcessTable::ProcessTable(std::size_t max_sockets, std::size_t max_ports)
    : sockets_(max_sockets), ports_(max_ports) {}

ProcessInfo ProcessTable::resolve(const pp_sock_owner& o, const char* proc_root) {
  ProcessInfo p;
  p.pid = o.pid;
  p.start_ns = o.start_ns;
  p.name = std::string(o.comm, strnlen(o.comm, sizeof(o.comm)));
  p.uid = o.uid;
  p.user = user_name(o.uid);
  const std::string dir = std::string(proc_root) + "/" + std::to_string(o.pid);
  // Only if /proc/PID is still the process the kernel named (same start): else the pid was
  // reused, or the process is gone, and the path and cgroup stay unknown rather than wrong.
  const long hz = sysconf(_SC_CLK_TCK);
  const std::uint64_t ticks = start_ticks(dir);
  if (hz > 0 && ticks != 0 &&
      ticks == o.start_ns / (1'000'000'000ull / static_cast<std::uint64_t>(hz))) {
    std::array<char, 4096> target{};
    const ssize_t n = readlink((dir + "/exe").c_str(), target.data(), target.size() - 1);
    if (n > 0) p.path.assign(target.data(), static_cast<std::size_t>(n));
    p.cgroup = cgroup_path(dir);
    p.container_id = container_id_of(p.cgroup);
  }
  return p;
}

std::shared_ptr<const ProcessInfo> ProcessTable::process_of(const pp_sock_owner& owner) {
  if (last_ && last_->pid == owner.pid && last_->start_ns == owner.start_ns) return last_;
  last_ = std::make_shared<const ProcessInfo>(resolve(owner));
  return last_;
}

void ProcessTable::on_event(const pp_sock_event& e) {
  ++events_;
  auto process = process_of(e.owner);
  if (e.kind == PP_SOCK_BOUND) {
    static constexpr std::uint8_t kAny[16] = {};
    const bool any = std::memcmp(e.laddr, kAny, 16) == 0;
    const bool v4 = e.laddr[10] == 0xff && e.laddr[11] == 0xff;
    put(ports_, PortKey{e.lport, e.proto, any ? IpAddr{} : IpAddr::from_v4_mapped(e.laddr, v4)},
        process);
  } else
    put(sockets_, e.cookie, std::move(process));
}

bool ProcessTable::is_local(const IpAddr& addr) const {
  // getifaddrs is a netlink dump: at most once a second, not once per verdict.
  const auto now = std::chrono::steady_clock::now();
  if (local_at_ == std::chrono::steady_clock::time_point{} ||
      now - local_at_ >= std::chrono::seconds(1)) {
    local_ = local_addresses();
    local_at_ = now;
  }
  return std::find(local_.begin(), local_.end(), addr) != local_.end();
}

std::shared_ptr<const ProcessInfo> ProcessTable::find(const FlowVerdict& v) const {
  if (v.sock_cookie != 0)
    if (auto* slot = sockets_.find(v.sock_cookie)) return slot->value;
  const auto proto = static_cast<std::uint8_t>(
      v.transport == fingerprint::Transport::udp ? PP_IPPROTO_UDP : PP_IPPROTO_TCP);
  // The socket bound to the responder's address, else one bound to every address if the
  // responder is this host: a forwarded flow to the same port elsewhere has no process.
  if (auto* slot = ports_.find(PortKey{v.dest_port, proto, v.dest_ip})) return slot->value;
  if (auto* slot = ports_.find(PortKey{v.dest_port, proto, IpAddr{}}))
    if (is_local(v.dest_ip)) return slot->value;
  return nullptr;
}

}  // namespace protoport
