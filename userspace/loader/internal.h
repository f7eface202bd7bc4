// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Helpers shared by the loader's translation units; not part of its API.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "loader/loader.h"

namespace protoport::loader::detail {

// Owns one file descriptor.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd();
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept;
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// The name of the interface with this index, or nullopt if there is none (any more).
std::optional<std::string> interface_name(int ifindex);
// The same, as an attachment needs it: Error(no_interface) if there is none.
std::string existing_interface_name(int ifindex);

// "what: strerror(err)" with err a positive or negative errno.
std::string errno_message(const std::string& what, int err);

// Error(permission) for EPERM/EACCES, else Error(fallback).
[[noreturn]] void throw_errno(const std::string& what, int err,
                              ErrorKind fallback = ErrorKind::system);

// Sums the per-CPU slots of a counters map (PERCPU_ARRAY of PP_CNT_MAX u64 per hook): one
// hook's entry, or every entry the map has (a map of an older protoport has one).
Counters read_counters_fd(int map_fd);
Counters read_counters_fd(int map_fd, std::uint32_t hook);

// libbpf prints through one process-wide callback. The loader keeps it quiet unless a Program
// asked for verbose output; while an object of this class lives, libbpf's lines are also
// captured (on this thread) so that a failure can be explained in one line.
class LibbpfCapture {
 public:
  explicit LibbpfCapture(bool verbose);
  LibbpfCapture() : LibbpfCapture(current_verbose()) {}
  ~LibbpfCapture();
  LibbpfCapture(const LibbpfCapture&) = delete;
  LibbpfCapture& operator=(const LibbpfCapture&) = delete;
  const std::vector<std::string>& lines() const { return lines_; }
  // The last "Kernel error message" (netlink extack) libbpf printed, or "".
  std::string kernel_message() const;
  static bool current_verbose();

 private:
  std::vector<std::string> lines_;
  std::vector<std::string>* outer_;
};

// The process holding an fd of BPF link link_id (found through /proc/*/fdinfo), 0 if none is
// found: best effort, for messages only.
pid_t pid_holding_link(std::uint32_t link_id);

// Whether this process has capability `cap` (CAP_* of linux/capability.h) in its effective set.
bool has_capability(int cap);
// The capabilities loading the XDP program needs that this process lacks, as "CAP_BPF and
// CAP_PERFMON" ("" if none is missing). CAP_SYS_ADMIN stands in for CAP_BPF and CAP_PERFMON.
std::string missing_load_capabilities();

// The name of program prog_id as the kernel keeps it (15 characters), "" if it cannot be read.
std::string prog_name(std::uint32_t prog_id);

// The kernel id of a BPF program or map fd.
std::uint32_t prog_id_of(int prog_fd);
std::uint32_t map_id_of(int map_fd);

}  // namespace protoport::loader::detail
