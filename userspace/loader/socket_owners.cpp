// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// SocketOwners: open, configure (the namespace), load, and link the socket-owner hooks to the
// cgroup v2 root.
#include "loader/socket_owners.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "loader/internal.h"
#include "loader/loader.h"
#include "protoport_sockets.skel.h"

namespace protoport::loader {
namespace {

constexpr int kSoNetnsCookie = 71;  // SO_NETNS_COOKIE (Linux 5.14; not in Debian 12's glibc)

}  // namespace

void SocketOwners::SkelDeleter::operator()(protoport_sockets* skel) const noexcept {
  protoport_sockets__destroy(skel);
}

void SocketOwners::RingDeleter::operator()(ring_buffer* rb) const noexcept {
  ring_buffer__free(rb);
}

std::uint64_t SocketOwners::current_netns() {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  std::uint64_t cookie = 0;
  socklen_t len = sizeof(cookie);
  if (getsockopt(fd, SOL_SOCKET, kSoNetnsCookie, &cookie, &len) != 0) cookie = 0;
  close(fd);
  return cookie;
}

namespace {

// The cgroup v2 mount point listed in a mountinfo file ("... mount-point ... - fstype ..."), "".
std::string cgroup2_mount(const char* mountinfo) {
  std::ifstream in(mountinfo);
  std::string line;
  while (std::getline(in, line)) {
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string fstype;
    tail >> fstype;
    if (fstype != "cgroup2") continue;
    std::istringstream head(line.substr(0, dash));
    std::string field, mount_point;
    for (int i = 0; i < 5 && head >> field; ++i) mount_point = field;  // the fifth field
    return mount_point;
  }
  return {};
}

}  // namespace

std::string SocketOwners::cgroup2_root() { return cgroup2_mount("/proc/self/mountinfo"); }

namespace {

// The cgroup v2 root directory, opened. Where it is not mounted in our mount namespace (`ip
// netns exec` gives its command a fresh /sys, without the cgroup mounts), the hierarchy, which
// is the same in every mount namespace of the cgroup namespace, is mounted on a private temporary
// directory, opened, and unmounted at once (the open fd keeps it): nothing stays mounted.
detail::UniqueFd open_cgroup2_root(std::string& where) {
  where = SocketOwners::cgroup2_root();
  if (!where.empty())
    return detail::UniqueFd(open(where.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  char dir[] = "/tmp/protoport-cgroup2-XXXXXX";
  if (mkdtemp(dir) == nullptr) return detail::UniqueFd();
  where = "cgroup2 (mounted for the moment on " + std::string(dir) + ")";
  detail::UniqueFd fd;
  if (mount("none", dir, "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0) {
    fd = detail::UniqueFd(open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    const int err = errno;
    umount2(dir, MNT_DETACH);
    errno = err;
  }
  const int err = errno;
  rmdir(dir);
  errno = err;
  return fd;
}

}  // namespace

SocketOwners::SocketOwners(std::uint64_t netns_cookie, Callback callback, bool verbose)
    : callback_(std::move(callback)) {
  detail::LibbpfCapture capture(verbose);
  auto fail = [&](const std::string& what, int err) {
    err = err < 0 ? -err : err;
    if (err == EPERM || err == EACCES)
      throw Error(ErrorKind::permission,
                  "process attribution: " + what +
                      " needs root (CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON): " + std::strerror(err));
    throw Error(ErrorKind::load, "process attribution: " + what + ": " + std::strerror(err) +
                                     " (--no-process turns attribution off)");
  };
  skel_.reset(protoport_sockets__open());
  if (!skel_) fail("opening the socket hooks", errno);
  skel_->rodata->netns_cookie = netns_cookie;
  if (int err = protoport_sockets__load(skel_.get()); err != 0)
    fail("loading the socket hooks", err);
  std::string root;
  const detail::UniqueFd cgroup = open_cgroup2_root(root);
  if (!cgroup) fail("opening the cgroup v2 root " + root, errno);
  bpf_program* programs[] = {skel_->progs.pp_sock_create, skel_->progs.pp_post_bind4,
                             skel_->progs.pp_post_bind6, skel_->progs.pp_sockops};
  for (bpf_program* prog : programs) {
    // bpf_link_create with the program's own attach type (set by its SEC name): a multi-attach
    // link next to whatever else the root cgroup runs.
    const int fd = bpf_link_create(bpf_program__fd(prog), cgroup.get(),
                                   bpf_program__expected_attach_type(prog), nullptr);
    if (fd < 0) fail(std::string("attaching ") + bpf_program__name(prog) + " to " + root, errno);
    link_fds_.push_back(fd);
  }
  rb_.reset(ring_buffer__new(bpf_map__fd(skel_->maps.pp_sock_events), &SocketOwners::on_record,
                             this, nullptr));
  if (!rb_) fail("reading the socket events", errno);
}

SocketOwners::~SocketOwners() {
  for (const int fd : link_fds_) close(fd);  // each link's last fd: the hook is detached
}

int SocketOwners::on_record(void* self, void* data, std::size_t size) {
  auto* owners = static_cast<SocketOwners*>(self);
  if (size < sizeof(pp_sock_event)) return 0;  // not a record of ours: skipped
  pp_sock_event event;
  std::memcpy(&event, data, sizeof(event));
  event.owner.comm[PP_SOCK_COMM_LEN - 1] = '\0';
  try {
    owners->callback_(event);
  } catch (...) {
    owners->pending_ = std::current_exception();
    return -1;  // stops this consume(); rethrown there
  }
  return 0;
}

int SocketOwners::consume() {
  const int n = ring_buffer__consume(rb_.get());
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  if (n < 0) detail::throw_errno("reading the socket events", -n);
  return n;
}

std::uint64_t SocketOwners::lost() const {
  const int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) return 0;
  std::vector<std::uint64_t> per_cpu(static_cast<std::size_t>(cpus));
  const std::uint32_t key = 1;
  if (bpf_map_lookup_elem(bpf_map__fd(skel_->maps.pp_sock_counters), &key, per_cpu.data()) != 0)
    return 0;
  std::uint64_t sum = 0;
  for (const auto v : per_cpu) sum += v;
  return sum;
}

}  // namespace protoport::loader
