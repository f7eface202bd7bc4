// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// EgressAttachment: the TC egress program on an interface. A tcx link (BPF_LINK_CREATE with
// BPF_TCX_EGRESS, kernel 6.6+) is the kernel's own guarantee that nothing outlives the process;
// the cls_bpf filter of older kernels is not, so it carries protoport's handle and priority and
// is removed by the next start if a killed watch left it.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "common/escape.h"
#include "loader/internal.h"
#include "loader/loader.h"

namespace protoport::loader {
namespace {

// enum bpf_attach_type's BPF_TCX_EGRESS (kernel 6.6, uapi/linux/bpf.h): Debian 12's headers
// (linux-libc-dev 6.1) and libbpf 1.1 predate it; the kernel ABI value is fixed.
constexpr int kBpfTcxEgress = 47;
// The legacy filter's identity: handle 0x7070 ("pp"), a priority out of the way of hand-made
// filters (tc picks 49152 and down for them).
constexpr std::uint32_t kLegacyHandle = 0x7070;
constexpr std::uint32_t kLegacyPriority = 0x7070;
constexpr std::string_view kEgressProgName = "protoport_tc_eg";  // truncated to 15 by the kernel

bpf_tc_hook egress_hook(int ifindex) {
  bpf_tc_hook hook{};
  hook.sz = sizeof(hook);
  hook.ifindex = ifindex;
  hook.attach_point = BPF_TC_EGRESS;
  return hook;
}

bpf_tc_opts legacy_opts(int prog_fd) {
  bpf_tc_opts opts{};
  opts.sz = sizeof(opts);
  opts.handle = kLegacyHandle;
  opts.priority = kLegacyPriority;
  opts.prog_fd = prog_fd;
  return opts;
}

[[noreturn]] void throw_egress(const std::string& ifname, const std::string& what, int err) {
  err = err < 0 ? -err : err;
  if (err == ENODEV)
    throw Error(ErrorKind::no_interface, "interface " + ifname + " disappeared while attaching");
  if (err == EPERM || err == EACCES)
    throw Error(ErrorKind::permission,
                "attaching the egress program to " + ifname +
                    " needs root (CAP_NET_ADMIN and CAP_BPF): " + std::strerror(err));
  throw Error(ErrorKind::system, what + " on " + ifname + ": " + std::strerror(err));
}

}  // namespace

EgressAttachment::EgressAttachment(const Program& program, int ifindex, bool force_legacy)
    : ifindex_(ifindex), ifname_(detail::existing_interface_name(ifindex)) {
  const std::string shown = for_terminal(ifname_);
  const int prog_fd = program.egress_prog_fd();
  if (prog_fd < 0)
    throw Error(ErrorKind::bad_settings, "the egress program was not loaded (Settings::egress)");
  prog_id_ = detail::prog_id_of(prog_fd);
  if (!force_legacy) {
    detail::LibbpfCapture quiet;  // EINVAL on an old kernel is an answer, not a message
    const int fd =
        bpf_link_create(prog_fd, ifindex, static_cast<bpf_attach_type>(kBpfTcxEgress), nullptr);
    if (fd >= 0) {
      link_fd_ = fd;
      method_ = Method::tcx;
      return;
    }
    const int err = errno;
    if (err != EINVAL) throw_egress(shown, "attaching the egress program (tcx)", err);
  }
  // No tcx: the clsact qdisc (shared with anyone else's filters) and our own filter in it.
  method_ = Method::legacy;
  bpf_tc_hook hook = egress_hook(ifindex);
  if (int err = bpf_tc_hook_create(&hook); err != 0 && err != -EEXIST)
    throw_egress(shown, "creating the clsact qdisc", err);
  bpf_tc_opts query = legacy_opts(0);
  query.prog_fd = 0;
  std::uint32_t flags = 0;
  if (bpf_tc_query(&hook, &query) == 0) {
    // Our handle and priority are taken: a filter a killed watch left (ours by name) is
    // replaced; anything else is someone's to keep.
    if (detail::prog_name(query.prog_id) != kEgressProgName)
      throw Error(ErrorKind::xdp_busy,
                  "the egress filter slot protoport uses on " + shown + " (handle 0x7070, pref " +
                      std::to_string(kLegacyPriority) +
                      ") holds another program; remove it (tc filter del dev " + shown +
                      " egress pref " + std::to_string(kLegacyPriority) + ")");
    flags = BPF_TC_F_REPLACE;
  }
  bpf_tc_opts opts = legacy_opts(prog_fd);
  opts.flags = flags;
  if (int err = bpf_tc_attach(&hook, &opts); err != 0)
    throw_egress(shown, "attaching the egress filter", err);
  legacy_ = true;
}

EgressAttachment::~EgressAttachment() { detach(); }

EgressAttachment::EgressAttachment(EgressAttachment&& other) noexcept
    : ifindex_(other.ifindex_),
      ifname_(std::move(other.ifname_)),
      method_(other.method_),
      link_fd_(std::exchange(other.link_fd_, -1)),
      legacy_(std::exchange(other.legacy_, false)),
      prog_id_(std::exchange(other.prog_id_, 0)) {}

EgressAttachment& EgressAttachment::operator=(EgressAttachment&& other) noexcept {
  if (this != &other) {
    detach();
    ifindex_ = other.ifindex_;
    ifname_ = std::move(other.ifname_);
    method_ = other.method_;
    link_fd_ = std::exchange(other.link_fd_, -1);
    legacy_ = std::exchange(other.legacy_, false);
    prog_id_ = std::exchange(other.prog_id_, 0);
  }
  return *this;
}

AttachState EgressAttachment::state() const {
  if (!detail::interface_name(ifindex_)) return AttachState::interface_gone;
  if (link_fd_ < 0 && !legacy_) return AttachState::replaced;
  if (legacy_) {
    bpf_tc_hook hook = egress_hook(ifindex_);
    bpf_tc_opts query = legacy_opts(0);
    if (bpf_tc_query(&hook, &query) != 0 || query.prog_id != prog_id_) return AttachState::replaced;
  }
  return AttachState::attached;
}

void EgressAttachment::detach() {
  if (link_fd_ >= 0) close(std::exchange(link_fd_, -1));  // the kernel detaches with the link
  if (std::exchange(legacy_, false)) {
    // Only if the slot still holds our program: someone may have replaced it since.
    bpf_tc_hook hook = egress_hook(ifindex_);
    bpf_tc_opts query = legacy_opts(0);
    if (bpf_tc_query(&hook, &query) == 0 && query.prog_id == prog_id_) {
      bpf_tc_opts del = legacy_opts(0);
      bpf_tc_detach(&hook, &del);  // best effort: a destructor reports nothing
    }
  }
  prog_id_ = 0;
}

}  // namespace protoport::loader
