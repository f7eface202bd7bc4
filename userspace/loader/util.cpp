// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Small helpers of the loader: fd ownership, errno messages, kernel object ids.
#include <bpf/bpf.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include <atomic>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "loader/internal.h"

namespace protoport::loader::detail {

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

namespace {
std::atomic<bool> g_libbpf_verbose{false};
thread_local std::vector<std::string>* t_capture = nullptr;

int libbpf_print(enum libbpf_print_level level, const char* format, va_list args) {
  if (t_capture != nullptr) {
    va_list copy;
    va_copy(copy, args);
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, copy);
    va_end(copy);
    t_capture->emplace_back(line);
  }
  if (g_libbpf_verbose.load() && level != LIBBPF_DEBUG) return std::vfprintf(stderr, format, args);
  return 0;
}
}  // namespace

LibbpfCapture::LibbpfCapture(bool verbose) : outer_(t_capture) {
  g_libbpf_verbose = verbose;
  libbpf_set_print(libbpf_print);
  t_capture = &lines_;
}

LibbpfCapture::~LibbpfCapture() { t_capture = outer_; }

bool LibbpfCapture::current_verbose() { return g_libbpf_verbose.load(); }

std::string LibbpfCapture::kernel_message() const {
  static constexpr std::string_view kTag = "Kernel error message: ";
  std::string message;
  for (const auto& line : lines_) {
    auto pos = line.find(kTag);
    if (pos == std::string::npos) continue;
    message = line.substr(pos + kTag.size());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
  }
  return message;
}

std::optional<std::string> interface_name(int ifindex) {
  char name[IF_NAMESIZE] = {};
  if (ifindex <= 0 || if_indextoname(static_cast<unsigned>(ifindex), name) == nullptr)
    return std::nullopt;
  return std::string(name);
}

std::string existing_interface_name(int ifindex) {
  auto name = interface_name(ifindex);
  if (!name)
    throw Error(ErrorKind::no_interface,
                "no network interface with index " + std::to_string(ifindex));
  return *std::move(name);
}

std::string errno_message(const std::string& what, int err) {
  err = err < 0 ? -err : err;
  return what + ": " + std::strerror(err);
}

void throw_errno(const std::string& what, int err, ErrorKind fallback) {
  const int positive = err < 0 ? -err : err;
  if (positive == EPERM || positive == EACCES)
    throw Error(ErrorKind::permission, errno_message(what, err) + " (needs root or CAP_BPF)");
  throw Error(fallback, errno_message(what, err));
}

bool has_capability(int cap) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return false;
  const auto word = static_cast<std::size_t>(cap / 32);
  return word < _LINUX_CAPABILITY_U32S_3 && (data[word].effective & (1u << (cap % 32))) != 0;
}

std::string missing_load_capabilities() {
  // CAP_BPF to load; CAP_PERFMON for what the verifier allows only to "perfmon-capable"
  // programs (pointer arithmetic beyond packet bounds checks, bpf_probe_read, ...): without it
  // the verifier refuses with EACCES and no capability named; CAP_NET_ADMIN for an XDP program.
  const bool admin = has_capability(CAP_SYS_ADMIN);
  std::vector<std::string> missing;
  if (!admin && !has_capability(CAP_BPF)) missing.emplace_back("CAP_BPF");
  if (!admin && !has_capability(CAP_PERFMON)) missing.emplace_back("CAP_PERFMON");
  if (!has_capability(CAP_NET_ADMIN)) missing.emplace_back("CAP_NET_ADMIN");
  std::string text;
  for (std::size_t i = 0; i < missing.size(); ++i)
    text += (i == 0 ? "" : i + 1 == missing.size() ? " and " : ", ") + missing[i];
  return text;
}

std::uint32_t prog_id_of(int prog_fd) {
  bpf_prog_info info{};
  std::uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) != 0) throw_errno("reading program info", errno);
  return info.id;
}

std::uint32_t map_id_of(int map_fd) {
  bpf_map_info info{};
  std::uint32_t len = sizeof(info);
  if (bpf_obj_get_info_by_fd(map_fd, &info, &len) != 0) throw_errno("reading map info", errno);
  return info.id;
}

}  // namespace protoport::loader::detail
