// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// XdpAttachment: attach without ever replacing another program (XDP_FLAGS_UPDATE_IF_NOEXIST),
// detach only what is still ours (XDP_FLAGS_REPLACE with our fd as the expected program).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

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

[[noreturn]] void throw_busy(const std::string& ifname, int ifindex) {
  const bpf_xdp_query_opts q = query_xdp(ifindex);
  const std::uint32_t other = any_prog_id(q);
  throw Error(ErrorKind::xdp_busy,
              "interface " + ifname + " already has an XDP program attached" +
                  (other != 0 ? " (id " + std::to_string(other) + ")" : std::string()) +
                  ": protoport never replaces it; detach it first (" + detach_command(ifname, q) +
                  ")");
}

[[noreturn]] void throw_attach_failure(const std::string& ifname, int ifindex, XdpMode mode,
                                       int err, const std::string& kernel_message) {
  err = err < 0 ? -err : err;
  const std::string why =
      kernel_message.empty() ? std::string(std::strerror(err < 0 ? -err : err)) : kernel_message;
  const std::string where =
      "interface " + ifname + " refuses " + std::string(xdp_mode_name(mode)) + " XDP: " + why;
  switch (err) {
    case EBUSY:
    case EEXIST: throw_busy(ifname, ifindex);
    case ENODEV:
      throw Error(ErrorKind::no_interface, "interface " + ifname + " disappeared while attaching");
    case EPERM:
    case EACCES:
      throw Error(ErrorKind::permission,
                  "attaching XDP to " + ifname + " needs root (CAP_NET_ADMIN): " + why);
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
  if (index == 0) throw Error(ErrorKind::no_interface, "no such interface: " + name);
  return static_cast<int>(index);
}

XdpAttachment::XdpAttachment(const Program& program, int ifindex, XdpMode mode)
    : ifindex_(ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex <= 0 || if_indextoname(static_cast<unsigned>(ifindex), name) == nullptr)
    throw Error(ErrorKind::no_interface,
                "no network interface with index " + std::to_string(ifindex));
  ifname_ = name;
  if (attached_prog_id(ifindex) != 0) throw_busy(ifname_, ifindex);

  prog_fd_ = fcntl(program.prog_fd(), F_DUPFD_CLOEXEC, 3);
  if (prog_fd_ < 0) detail::throw_errno("duplicating the program fd", errno);
  try {
    const std::uint32_t our_id = program.prog_id();
    auto attach = [&](XdpMode m, std::string& kernel_message) {
      detail::LibbpfCapture capture;
      const int err =
          bpf_xdp_attach(ifindex, prog_fd_, XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flag(m), nullptr);
      kernel_message = capture.kernel_message();
      return err;
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
      fallback_reason_ = "native XDP unavailable on " + ifname_ + " (" + native_why +
                         "): attached in generic mode";
    }
    prog_id_ = our_id;
  } catch (...) {
    close(prog_fd_);
    prog_fd_ = -1;
    throw;
  }
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
      prog_fd_(std::exchange(other.prog_fd_, -1)) {}

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
    prog_fd_ = std::exchange(other.prog_fd_, -1);
  }
  return *this;
}

AttachState XdpAttachment::state() const {
  char name[IF_NAMESIZE] = {};
  if (if_indextoname(static_cast<unsigned>(ifindex_), name) == nullptr)
    return AttachState::interface_gone;
  if (prog_id_ == 0) return AttachState::replaced;  // detached by us
  bpf_xdp_query_opts q{};
  q.sz = sizeof(q);
  if (bpf_xdp_query(ifindex_, 0, &q) != 0) {
    if (errno == ENODEV) return AttachState::interface_gone;
    detail::throw_errno("querying XDP on " + ifname_, errno);
  }
  const std::uint32_t current = mode_ == XdpMode::generic ? q.skb_prog_id : q.drv_prog_id;
  return current == prog_id_ ? AttachState::attached : AttachState::replaced;
}

void XdpAttachment::detach() {
  if (prog_fd_ < 0) return;
  const int fd = std::exchange(prog_fd_, -1);
  const bool was_attached = prog_id_ != 0;
  prog_id_ = 0;
  int err = 0;
  if (was_attached) {
    bpf_xdp_attach_opts opts{};
    opts.sz = sizeof(opts);
    opts.old_prog_fd = fd;  // the kernel detaches only if this is still the attached program
    detail::LibbpfCapture quiet;
    err = bpf_xdp_detach(ifindex_, XDP_FLAGS_REPLACE | mode_flag(mode_), &opts);
  }
  close(fd);
  // ENODEV: the interface is gone (and our program with it). EEXIST: someone replaced it.
  if (err != 0 && err != -ENODEV && err != -EEXIST)
    throw Error(ErrorKind::system, detail::errno_message("detaching XDP from " + ifname_, err));
}

}  // namespace protoport::loader
