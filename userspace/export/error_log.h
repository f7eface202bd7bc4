// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Delivery problems on stderr without flooding it: a message is printed when it differs from the
// last one printed, or when a minute has passed; how many were held back is said with the next.
// "Differs" ignores the backoff delay ("next in 0.9 s"), which changes on every retry of the same
// problem.
#pragma once

#include <cctype>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

namespace protoport::exporters {

class ErrorLog {
 public:
  explicit ErrorLog(std::string prefix) : prefix_(std::move(prefix)) {}

  void report(const std::string& message) {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (without_delay(message) == without_delay(last_) &&
        now - last_time_ < std::chrono::minutes(1)) {
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

  // The message with the number of "next in N s" taken out (the rest compared as it is).
  static std::string without_delay(const std::string& message) {
    static constexpr std::string_view kNext = "next in ";
    const auto at = message.rfind(kNext);
    if (at == std::string::npos) return message;
    const auto from = at + kNext.size();
    auto to = from;
    while (to < message.size() &&
           (std::isdigit(static_cast<unsigned char>(message[to])) || message[to] == '.'))
      ++to;
    return message.substr(0, from) + message.substr(to);
  }

 private:
  std::string prefix_;
  std::mutex mutex_;
  std::string last_;
  std::chrono::steady_clock::time_point last_time_{};
  std::uint64_t held_ = 0;
};

}  // namespace protoport::exporters
