// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Process attribution in userspace: joining a verdict to the socket events (by cookie, by the
// responder's bound port and address), resolving a process from /proc only while it is the
// same process, and container ids in cgroup paths.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "common/process_info.h"
#include "detect/process_table.h"
#include "protoport/sample.h"

using namespace protoport;

namespace {

pp_sock_event event(std::uint8_t kind, std::uint64_t cookie, std::uint32_t pid, const char* comm) {
  pp_sock_event e{};
  e.kind = kind;
  e.cookie = cookie;
  e.proto = PP_IPPROTO_TCP;
  e.owner.pid = pid;
  e.owner.start_ns = 1000 + pid;
  std::strncpy(e.owner.comm, comm, sizeof(e.owner.comm) - 1);
  return e;
}

FlowVerdict verdict(const char* dest, std::uint16_t port, std::uint64_t cookie = 0) {
  FlowVerdict v;
  v.src_ip = *IpAddr::parse("198.51.100.7");
  v.dest_ip = *IpAddr::parse(dest);
  v.dest_port = port;
  v.transport = fingerprint::Transport::tcp;
  v.sock_cookie = cookie;
  return v;
}

void set_v4(pp_sock_event& e, const char* addr) {
  const auto ip = *IpAddr::parse(addr);
  std::memcpy(e.laddr, ip.bytes.data(), 16);
}

}  // namespace

TEST_CASE("a verdict's socket cookie names the process that created the socket") {
  ProcessTable t;
  t.on_event(event(PP_SOCK_CREATED, 77, 4242, "curl"));
  const auto p = t.find(verdict("203.0.113.9", 8081, 77));
  REQUIRE(p != nullptr);
  CHECK(p->pid == 4242);
  CHECK(p->name == "curl");
  CHECK(t.find(verdict("203.0.113.9", 8081, 78)) == nullptr);  // another socket
  CHECK(t.find(verdict("203.0.113.9", 8081, 0)) == nullptr);   // no socket (forwarded)
}

TEST_CASE("a flow that only came in is named by the socket bound to its responder's address") {
  ProcessTable t;
  auto v4 = event(PP_SOCK_BOUND, 1, 10, "s_server_v4");
  v4.lport = 4443;
  set_v4(v4, "192.0.2.2");
  auto v6 = event(PP_SOCK_BOUND, 2, 11, "s_server_v6");
  v6.lport = 4443;
  const auto ip6 = *IpAddr::parse("2001:db8::2");
  std::memcpy(v6.laddr, ip6.bytes.data(), 16);
  t.on_event(v4);
  t.on_event(v6);  // the same port, another address: both kept
  REQUIRE(t.find(verdict("192.0.2.2", 4443)) != nullptr);
  CHECK(t.find(verdict("192.0.2.2", 4443))->name == "s_server_v4");
  CHECK(t.find(verdict("2001:db8::2", 4443))->name == "s_server_v6");
  CHECK(t.find(verdict("192.0.2.3", 4443)) == nullptr);  // another host's port: forwarded
  CHECK(t.find(verdict("192.0.2.2", 4444)) == nullptr);
  auto udp = verdict("192.0.2.2", 4443);
  udp.transport = fingerprint::Transport::udp;
  CHECK(t.find(udp) == nullptr);  // bound for TCP only
}

TEST_CASE("a wildcard bind names flows to this host's addresses only") {
  ProcessTable t;
  auto any = event(PP_SOCK_BOUND, 1, 12, "dnsmasq");
  any.lport = 5300;
  t.on_event(any);
  CHECK(t.find(verdict("127.0.0.1", 5300)) != nullptr);      // loopback is ours
  CHECK(t.find(verdict("203.0.113.250", 5300)) == nullptr);  // not ours: forwarded
}

TEST_CASE("the cookie's process wins over the port's") {
  ProcessTable t;
  auto bound = event(PP_SOCK_BOUND, 1, 20, "server");
  bound.lport = 80;
  set_v4(bound, "127.0.0.1");
  t.on_event(bound);
  t.on_event(event(PP_SOCK_ACCEPTED, 99, 21, "worker"));
  CHECK(t.find(verdict("127.0.0.1", 80, 99))->name == "worker");
  CHECK(t.find(verdict("127.0.0.1", 80, 0))->name == "server");
}

TEST_CASE("/proc is read only while it is still the process the kernel named") {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("pp-proc-" + std::to_string(getpid()));
  fs::create_directories(root / "321");
  const long hz = sysconf(_SC_CLK_TCK);
  REQUIRE(hz > 0);
  // Field 2 holds spaces and a ')': fields are counted after the last ')'.
  std::ofstream(root / "321" / "stat")
      << "321 (odd ) name) S 1 321 321 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 5000 0 0\n";
  std::ofstream(root / "321" / "cgroup")
      << "0::/system.slice/docker-"
         "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n";
  fs::create_symlink("/usr/bin/true", root / "321" / "exe");
  pp_sock_owner o{};
  o.pid = 321;
  o.uid = 0;
  std::strcpy(o.comm, "odd ) name");
  o.start_ns = 5000ull * (1'000'000'000ull / static_cast<std::uint64_t>(hz));
  const ProcessInfo same = ProcessTable::resolve(o, root.c_str());
  CHECK(same.name == "odd ) name");
  CHECK(same.path == "/usr/bin/true");
  CHECK(same.user == "root");
  CHECK(same.cgroup.find("docker-") != std::string::npos);
  CHECK(same.container_id == "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  o.start_ns += 10'000'000'000ull;  // a pid reused by a later process
  const ProcessInfo reused = ProcessTable::resolve(o, root.c_str());
  CHECK(reused.name == "odd ) name");  // from the kernel's event: always right
  CHECK(reused.path.empty());          // /proc/321 is someone else now
  CHECK(reused.cgroup.empty());
  fs::remove_all(root);
}

TEST_CASE("container ids: a run of exactly 64 hex digits in the path") {
  CHECK(container_id_of("/docker/" + std::string(64, 'a')) == std::string(64, 'a'));
  CHECK(container_id_of("/kubepods/pod1/cri-containerd-" + std::string(64, 'b') + ".scope") ==
        std::string(64, 'b'));
  CHECK(container_id_of("/user.slice/user-1000.slice") == "");
  CHECK(container_id_of("/x/" + std::string(63, 'c')) == "");
  CHECK(container_id_of("/x/" + std::string(65, 'c')) == "");
}
