// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// A request to stop reading captures, raised from a signal handler (SIGINT, SIGTERM). Raising it
// is async-signal-safe: an atomic store and a write(2) to an eventfd. The eventfd is what makes
// the request reach a reader blocked in read(2) on a pipe or FIFO that no writer will ever close:
// such inputs are read through poll(2) on both the input and this fd (see CaptureReader).
#pragma once

#include <atomic>

namespace protoport::replay {

class Interrupt {
 public:
  Interrupt();  // throws std::system_error if no eventfd can be made
  ~Interrupt();
  Interrupt(const Interrupt&) = delete;
  Interrupt& operator=(const Interrupt&) = delete;

  // Async-signal-safe. The first signal number is kept; later calls change nothing.
  void raise(int signal_number) noexcept;
  bool requested() const noexcept { return signal_.load(std::memory_order_relaxed) != 0; }
  int signal_number() const noexcept { return signal_.load(std::memory_order_relaxed); }
  // Readable (POLLIN) from the first raise() on, for ever: a latch for poll(2).
  int fd() const noexcept { return fd_; }

 private:
  static_assert(std::atomic<int>::is_always_lock_free, "raise() runs in a signal handler");
  std::atomic<int> signal_{0};
  int fd_ = -1;
};

}  // namespace protoport::replay
