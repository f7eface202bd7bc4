// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// What the code under test writes to stderr (the exporters' ErrorLog prints there), captured
// by pointing fd 2 at a temporary file for the capture's lifetime: the tests check the lines a
// user would read, not an internal hook.
#pragma once

#include <doctest/doctest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <thread>

namespace protoport::test {

class StderrCapture {
 public:
  StderrCapture() {
    char name[] = "/tmp/pp-stderr-test.XXXXXX";
    file_ = ::mkstemp(name);
    REQUIRE(file_ >= 0);
    ::unlink(name);
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    REQUIRE(::dup2(file_, STDERR_FILENO) >= 0);
  }
  ~StderrCapture() { restore(); }
  StderrCapture(const StderrCapture&) = delete;
  StderrCapture& operator=(const StderrCapture&) = delete;

  // Everything written so far (the file stays open: later writes are read by later calls).
  std::string text() const {
    std::fflush(stderr);
    std::string out;
    char buf[4096];
    for (off_t at = 0;;) {
      const ssize_t n = ::pread(file_, buf, sizeof buf, at);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      at += n;
    }
    return out;
  }
  // Polls until `done(text())` or the timeout; returns the last text.
  std::string wait_for(const std::function<bool(const std::string&)>& done,
                       std::chrono::milliseconds timeout) const {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::string t = text();
    while (!done(t) && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      t = text();
    }
    return t;
  }
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
    const std::string t = text();
    ::close(file_);
    // In the test's output, so that a failure shows what was printed while captured.
    if (!t.empty()) std::fprintf(stderr, "[captured stderr]\n%s", t.c_str());
  }

 private:
  int file_ = -1;
  int saved_ = -1;
};

inline std::size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(needle, at)) != std::string::npos; at += needle.size())
    ++n;
  return n;
}

}  // namespace protoport::test
