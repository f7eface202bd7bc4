// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// XdpAttachment: attach through a BPF link (BPF_LINK_CREATE, BPF_XDP), so that the kernel
// detaches our program when the last fd of the link closes: on exit, and also when the process
// is killed (SIGKILL, SIGPIPE) without running a destructor. A link never replaces a program
// that is attached (the kernel refuses with EBUSY), and no netlink request can replace or remove
// a program held by a link. The refusal names who holds the interface and how to free it.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <linux/membarrier.h>
#include <net/if.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "common/escape.h"
#include "loader/internal.h"
#include "loader/loader.h"

namespace protoport::loader {
namespace {

std::uint32_t mode_flag(XdpMode mode) {
  return mode == XdpMode::generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
}

// What is attached to the interface, in which modes (all zero if nothing or the query fails).
bpf_xdp_query_opts query_xdp(int ifindex) {
  bpf_xdp_query_opts q{};
  q.sz = sizeof(q);
  if (bpf_xdp_query(ifindex, 0, &q) != 0) {
    q = {};
    q.sz = sizeof(q);
  }
  return q;
}

// Id of whatever XDP program is attached (any mode), 0 if none.
std::uint32_t any_prog_id(const bpf_xdp_query_opts& q) {
  if (q.prog_id != 0) return q.prog_id;
  if (q.drv_prog_id != 0) return q.drv_prog_id;
  if (q.skb_prog_id != 0) return q.skb_prog_id;
  return q.hw_prog_id;
}

std::uint32_t attached_prog_id(int ifindex) { return any_prog_id(query_xdp(ifindex)); }

// The iproute2 command that removes what is attached: `ip link set dev X xdp off` names no mode,
// and the kernel takes it as native on a driver with native XDP (veth, most NICs), leaving a
// generic program in place. So name the mode bpf_xdp_query reports.
std::string detach_command(const std::string& ifname, const bpf_xdp_query_opts& q) {
  std::string modes;
  auto add = [&](bool attached, const char* keyword) {
    if (!attached) return;
    modes += (modes.empty() ? "" : "; ") + std::string("ip link set dev ") + ifname + " " +
             keyword + " off";
  };
  const bool multi = q.attach_mode == XDP_ATTACHED_MULTI;
  add(q.attach_mode == XDP_ATTACHED_SKB || (multi && q.skb_prog_id != 0), "xdpgeneric");
  add(q.attach_mode == XDP_ATTACHED_DRV || (multi && q.drv_prog_id != 0), "xdpdrv");
  add(q.attach_mode == XDP_ATTACHED_HW || (multi && q.hw_prog_id != 0), "xdpoffload");
  return modes.empty() ? "ip link set dev " + ifname + " xdp off" : modes;
}

// The BPF link holding program prog_id on ifindex: 0 if it was attached without a link (ip
// link, bpf_xdp_attach), nullopt if the links cannot be listed (that needs CAP_SYS_ADMIN).
std::optional<std::uint32_t> xdp_link_of(std::uint32_t prog_id, int ifindex) {
  std::uint32_t id = 0;
  for (;;) {
    if (bpf_link_get_next_id(id, &id) != 0) {
      if (errno == ENOENT) return 0;  // end of the list
      return std::nullopt;
    }
    detail::UniqueFd fd(bpf_link_get_fd_by_id(id));
    if (!fd) continue;  // released meanwhile
    bpf_link_info info{};
    std::uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) continue;
    if (info.type == BPF_LINK_TYPE_XDP && info.prog_id == prog_id &&
        info.xdp.ifindex == static_cast<std::uint32_t>(ifindex))
      return id;
  }
}

}  // namespace

namespace detail {

std::string prog_name(std::uint32_t prog_id) {
  UniqueFd fd(bpf_prog_get_fd_by_id(prog_id));
  if (!fd) return {};
  bpf_prog_info info{};
  std::uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd.get(), &info, &len) != 0) return {};
  return info.name;
}

pid_t pid_holding_link(std::uint32_t link_id) {
  // A link fd's /proc/PID/fdinfo/FD has a line "link_id:\tN" (kernel bpf_link_show_fdinfo).
  const std::string wanted = "link_id:\t" + std::to_string(link_id) + "\n";
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return 0;
  pid_t found = 0;
  while (found == 0) {
    const dirent* e = readdir(proc);
    if (e == nullptr) break;
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (pid <= 0 || *end != '\0') continue;
    const std::string fd_dir = std::string("/proc/") + e->d_name + "/fd";
    DIR* fds = opendir(fd_dir.c_str());
    if (fds == nullptr) continue;  // exited meanwhile, or not ours to read
    while (const dirent* f = readdir(fds)) {
      char target[64] = {};
      const std::string fd_path = fd_dir + "/" + f->d_name;
      const ssize_t n = readlink(fd_path.c_str(), target, sizeof(target) - 1);
      if (n <= 0 || std::string_view(target, static_cast<std::size_t>(n)) != "anon_inode:bpf_link")
        continue;
      std::ifstream info(std::string("/proc/") + e->d_name + "/fdinfo/" + f->d_name);
      std::stringstream text;
      text << info.rdbuf();
      if (text.str().find(wanted) != std::string::npos) {
        found = static_cast<pid_t>(pid);
        break;
      }
    }
    closedir(fds);
  }
  closedir(proc);
  return found;
}

}  // namespace detail

namespace {

[[noreturn]] void throw_busy(const std::string& ifname, int ifindex) {
  const bpf_xdp_query_opts q = query_xdp(ifindex);
  const std::uint32_t other = any_prog_id(q);
  const std::string shown = for_terminal(ifname);
  const std::string what = "interface " + shown + " already has an XDP program attached" +
                           (other != 0 ? " (id " + std::to_string(other) + ")" : std::string()) +
                           ": ";
  const std::optional<std::uint32_t> link = other != 0 ? xdp_link_of(other, ifindex) : 0;
  if (!link)  // cannot tell how it is attached: name both ways out
    throw Error(ErrorKind::xdp_busy,
                what +
                    "protoport never replaces it; stop the protoport watch holding it, if one "
                    "does, or detach it (" +
                    detach_command(shown, q) + ")");
  if (const std::uint32_t link_id = *link; link_id != 0) {
    // Held by a link: no ip-link command removes it; only its owner (or bpftool) can.
    const pid_t pid = detail::pid_holding_link(link_id);
    if (detail::prog_name(other) == "protoport_xdp")
      throw Error(ErrorKind::xdp_busy,
                  what +
                      (pid > 0 ? "a protoport watch (pid " + std::to_string(pid) + ") is watching "
                               : std::string("another protoport watch is watching ")) +
                      shown + "; protoport never replaces it; stop that watch first" +
                      (pid > 0 ? " (kill " + std::to_string(pid) + ")" : std::string()));
    throw Error(ErrorKind::xdp_busy,
                what + "it is held by BPF link " + std::to_string(link_id) +
                    (pid > 0 ? " of pid " + std::to_string(pid) : std::string()) +
                    "; protoport never replaces it; stop its owner or detach it first (bpftool "
                    "link detach id " +
                    std::to_string(link_id) + ")");
  }
  throw Error(ErrorKind::xdp_busy, what + "protoport never replaces it; detach it first (" +
                                       detach_command(shown, q) + ")");
}

[[noreturn]] void throw_attach_failure(const std::string& ifname, int ifindex, XdpMode mode,
                                       int err, const std::string& kernel_message) {
  err = err < 0 ? -err : err;
  const std::string why =
      kernel_message.empty() ? std::string(std::strerror(err < 0 ? -err : err)) : kernel_message;
  const std::string where = "interface " + for_terminal(ifname) + " refuses " +
                            std::string(xdp_mode_name(mode)) + " XDP: " + why;
  switch (err) {
    case EBUSY:
    case EEXIST: throw_busy(ifname, ifindex);
    case ENODEV:
      throw Error(ErrorKind::no_interface,
                  "interface " + for_terminal(ifname) + " disappeared while attaching");
    case EPERM:
    case EACCES:
      throw Error(ErrorKind::permission, "attaching XDP to " + for_terminal(ifname) +
                                             " needs root (CAP_NET_ADMIN and CAP_BPF): " + why);
    default: throw Error(ErrorKind::xdp_unsupported, where);
  }
}

}  // namespace

std::string_view xdp_mode_name(XdpMode mode) {
  switch (mode) {
    case XdpMode::native: return "native";
    case XdpMode::generic: return "generic";
    case XdpMode::automatic: return "auto";
  }
  return "unknown";
}

std::optional<XdpMode> xdp_mode_from_name(std::string_view name) {
  if (name == "native") return XdpMode::native;
  if (name == "generic") return XdpMode::generic;
  if (name == "auto") return XdpMode::automatic;
  return std::nullopt;
}

int interface_index(const std::string& name) {
  const unsigned index = name.size() < IF_NAMESIZE ? if_nametoindex(name.c_str()) : 0;
  if (index == 0) throw Error(ErrorKind::no_interface, "no such interface: " + for_terminal(name));
  return static_cast<int>(index);
}

XdpAttachment::XdpAttachment(const Program& program, int ifindex, XdpMode mode)
    : ifindex_(ifindex), ifname_(detail::existing_interface_name(ifindex)) {
  // The kernel refuses a link over a program in the same mode only; protoport refuses any.
  if (attached_prog_id(ifindex) != 0) throw_busy(ifname_, ifindex);

  const std::uint32_t our_id = program.prog_id();
  auto attach = [&](XdpMode m, std::string& kernel_message) {
    detail::LibbpfCapture capture;
    bpf_link_create_opts opts{};
    opts.sz = sizeof(opts);
    opts.flags = mode_flag(m);  // a link takes only the mode flags; it never replaces anyway
    const int fd = bpf_link_create(program.prog_fd(), ifindex, BPF_XDP, &opts);
    kernel_message = capture.kernel_message();
    if (fd < 0) return fd < -1 ? fd : -errno;
    link_fd_ = fd;
    return 0;
  };
  std::string message;
  if (mode != XdpMode::automatic) {
    if (int err = attach(mode, message); err != 0)
      throw_attach_failure(ifname_, ifindex, mode, err, message);
    mode_ = mode;
  } else if (int err = attach(XdpMode::native, message); err == 0) {
    mode_ = XdpMode::native;
  } else {
    if (err == -EBUSY || err == -EEXIST) throw_busy(ifname_, ifindex);
    const std::string native_why =
        message.empty() ? std::string(std::strerror(err < 0 ? -err : err)) : message;
    if (int err2 = attach(XdpMode::generic, message); err2 != 0)
      throw_attach_failure(ifname_, ifindex, XdpMode::generic, err2, message);
    mode_ = XdpMode::generic;
    fallback_reason_ = "native XDP unavailable on " + for_terminal(ifname_) + " (" + native_why +
                       "): attached in generic mode";
  }
  prog_id_ = our_id;
  bpf_link_info info{};
  std::uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(link_fd_, &info, &len) == 0) link_id_ = info.id;
}

XdpAttachment::~XdpAttachment() {
  try {
    detach();
  } catch (...) {
    // A destructor must not throw; detach() only throws on unexpected kernel errors.
  }
}

XdpAttachment::XdpAttachment(XdpAttachment&& other) noexcept
    : ifindex_(other.ifindex_),
      ifname_(std::move(other.ifname_)),
      mode_(other.mode_),
      fallback_reason_(std::move(other.fallback_reason_)),
      prog_id_(std::exchange(other.prog_id_, 0)),
      link_id_(std::exchange(other.link_id_, 0)),
      link_fd_(std::exchange(other.link_fd_, -1)) {}

XdpAttachment& XdpAttachment::operator=(XdpAttachment&& other) noexcept {
  if (this != &other) {
    try {
      detach();
    } catch (...) {}
    ifindex_ = other.ifindex_;
    ifname_ = std::move(other.ifname_);
    mode_ = other.mode_;
    fallback_reason_ = std::move(other.fallback_reason_);
    prog_id_ = std::exchange(other.prog_id_, 0);
    link_id_ = std::exchange(other.link_id_, 0);
    link_fd_ = std::exchange(other.link_fd_, -1);
  }
  return *this;
}

AttachState XdpAttachment::state() const {
  if (!detail::interface_name(ifindex_)) return AttachState::interface_gone;
  if (prog_id_ == 0) return AttachState::replaced;  // detached by us
  bpf_xdp_query_opts q{};
  q.sz = sizeof(q);
  if (bpf_xdp_query(ifindex_, 0, &q) != 0) {
    if (errno == ENODEV) return AttachState::interface_gone;
    detail::throw_errno("querying XDP on " + for_terminal(ifname_), errno);
  }
  // Our link can be detached behind our back (bpftool link detach), and another program
  // attached after it: the program id in our mode tells.
  const std::uint32_t current = mode_ == XdpMode::generic ? q.skb_prog_id : q.drv_prog_id;
  return current == prog_id_ ? AttachState::attached : AttachState::replaced;
}

void wait_for_running_programs() {
  // MEMBARRIER_CMD_GLOBAL is synchronize_rcu() in the kernel (kernel/sched/membarrier.c).
  if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) == 0) return;
  // Refused on nohz_full kernels: an RCU grace period is a few ms, 50 ms covers it.
  usleep(50'000);
}

void XdpAttachment::detach() {
  if (link_fd_ < 0) return;
  // Closing the last fd of the link detaches the program if the link still holds it, and
  // touches nothing if the link was detached and another program attached since. close()
  // releases the link before it returns (the file's release runs on the way back to userspace).
  close(std::exchange(link_fd_, -1));
  prog_id_ = 0;
  link_id_ = 0;
}

}  // namespace protoport::loader
