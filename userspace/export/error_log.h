// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Delivery problems on stderr without flooding it: a message is printed when it differs from the
// last one printed, or when a minute has passed; how many were held back is said with the next.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

namespace protoport::exporters {

class ErrorLog {
 public:
  explicit ErrorLog(std::string prefix) : prefix_(std::move(prefix)) {}

  void report(const std::string& message) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (message == last_ && now - last_time_ < std::chrono::minutes(1)) {
      ++held_;
      return;
    }
    if (held_ > 0)
      std::fprintf(stderr, "protoport: %s: %s (%llu similar messages held back)\n", prefix_.c_str(),
                   message.c_str(), static_cast<unsigned long long>(held_));
    else
      std::fprintf(stderr, "protoport: %s: %s\n", prefix_.c_str(), message.c_str());
    last_ = message;
    last_time_ = now;
    held_ = 0;
  }
  // After a failure streak ends: say so once.
  void recovered(const std::string& message) {
    std::lock_guard lock(mutex_);
    if (last_.empty()) return;
    std::fprintf(stderr, "protoport: %s: %s\n", prefix_.c_str(), message.c_str());
    last_.clear();
    held_ = 0;
  }

 private:
  std::string prefix_;
  std::mutex mutex_;
  std::string last_;
  std::chrono::steady_clock::time_point last_time_{};
  std::uint64_t held_ = 0;
};

}  // namespace protoport::exporters
