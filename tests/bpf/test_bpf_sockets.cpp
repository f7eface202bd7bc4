// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The socket-owner hooks on this test's own sockets (loopback, its own network namespace):
// socket() names the creating process under the socket's cookie (SO_COOKIE); a connection
// accepted on a port this process bound gets this process, even when another process
// connected; sockets of another namespace are not recorded.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "loader/loader.h"
#include "loader/socket_owners.h"

using protoport::loader::SocketOwners;

namespace {

constexpr int kSoCookie = 57;  // SO_COOKIE

struct Fd {
  int fd;
  explicit Fd(int f) : fd(f) { REQUIRE(fd >= 0); }
  ~Fd() { close(fd); }
};

std::uint64_t cookie_of(int fd) {
  std::uint64_t c = 0;
  socklen_t len = sizeof(c);
  REQUIRE(getsockopt(fd, SOL_SOCKET, kSoCookie, &c, &len) == 0);
  return c;
}

std::string own_comm() {
  std::ifstream f("/proc/self/comm");
  std::string s;
  std::getline(f, s);
  return s;
}

struct Events {
  std::vector<pp_sock_event> got;
  SocketOwners owners;
  explicit Events(std::uint64_t netns)
      : owners(
            netns, [this](const pp_sock_event& e) { got.push_back(e); },
            std::getenv("PP_VERBOSE") != nullptr) {}
  const pp_sock_event* find(std::uint64_t cookie) {
    owners.consume();
    for (const auto& e : got)
      if (e.cookie == cookie) return &e;
    return nullptr;
  }
};

}  // namespace

TEST_CASE("socket() names its creator under the socket's cookie") {
  const std::uint64_t netns = SocketOwners::current_netns();
  REQUIRE(netns != 0);
  Events ev(netns);
  Fd tcp(socket(AF_INET, SOCK_STREAM, 0));
  Fd udp(socket(AF_INET6, SOCK_DGRAM, 0));
  Fd unix_sock(socket(AF_UNIX, SOCK_STREAM, 0));
  for (const auto& [fd, proto] : {std::pair{tcp.fd, PP_IPPROTO_TCP}, {udp.fd, PP_IPPROTO_UDP}}) {
    const pp_sock_event* e = ev.find(cookie_of(fd));
    REQUIRE(e != nullptr);
    CHECK(e->kind == PP_SOCK_CREATED);
    CHECK(e->proto == proto);
    CHECK(e->owner.pid == static_cast<std::uint32_t>(getpid()));
    CHECK(e->owner.uid == getuid());
    CHECK(std::string(e->owner.comm) == own_comm());
    CHECK(e->owner.start_ns > 0);
    CHECK(e->owner.cgroup_id > 0);
  }
  CHECK(ev.find(cookie_of(unix_sock.fd)) == nullptr);  // neither TCP nor UDP
  CHECK(ev.owners.lost() == 0);
}

TEST_CASE("a connection accepted on a port this process bound is this process's") {
  Events ev(SocketOwners::current_netns());
  Fd server(socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(server.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
  socklen_t len = sizeof(addr);
  REQUIRE(getsockname(server.fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  REQUIRE(listen(server.fd, 4) == 0);
  const pid_t child = fork();  // another process connects
  REQUIRE(child >= 0);
  if (child == 0) {
    const int c = socket(AF_INET, SOCK_STREAM, 0);
    const int rc = connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    char byte = 0;
    if (rc == 0) (void)read(c, &byte, 1);  // until the parent closes
    _exit(rc == 0 ? 0 : 1);
  }
  Fd accepted(accept(server.fd, nullptr, nullptr));
  const pp_sock_event* e = ev.find(cookie_of(accepted.fd));
  REQUIRE(e != nullptr);
  CHECK(e->kind == PP_SOCK_ACCEPTED);
  CHECK(e->proto == PP_IPPROTO_TCP);
  CHECK(e->lport == ntohs(addr.sin_port));
  CHECK(e->owner.pid == static_cast<std::uint32_t>(getpid()));
  close(accepted.fd);
  accepted.fd = -1;
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("sockets of another network namespace are not recorded") {
  const std::uint64_t netns = SocketOwners::current_netns();
  Events other(netns + 1);  // a namespace cookie no namespace has yet
  Events ours(netns);       // the control: the same hooks for our namespace
  Fd tcp(socket(AF_INET, SOCK_STREAM, 0));
  CHECK(ours.find(cookie_of(tcp.fd)) != nullptr);
  CHECK(other.find(cookie_of(tcp.fd)) == nullptr);
}
