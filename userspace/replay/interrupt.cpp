// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "replay/interrupt.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <system_error>

namespace protoport::replay {

Interrupt::Interrupt() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
}

Interrupt::~Interrupt() { close(fd_); }

void Interrupt::raise(int signal_number) noexcept {
  int expected = 0;
  signal_.compare_exchange_strong(expected, signal_number, std::memory_order_relaxed);
  const int saved_errno = errno;  // a signal handler must leave errno as it found it
  const std::uint64_t one = 1;
  // Nonblocking: fails only once the counter is near 2^64, when it is readable anyway.
  [[maybe_unused]] const auto n = write(fd_, &one, sizeof one);
  errno = saved_errno;
}

}  // namespace protoport::replay
