// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The progress line: throttled, lazy, silent when disabled, erased at the end.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include "replay/progress.h"

using protoport::replay::Progress;
using protoport::replay::ProgressPoint;

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::string contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  return out;
}

std::size_t count(const std::string& s, char c) {
  return static_cast<std::size_t>(std::count(s.begin(), s.end(), c));
}

}  // namespace

TEST_CASE("disabled progress writes nothing and never asks where it is") {
  std::unique_ptr<std::FILE, FileCloser> out(std::tmpfile());
  std::uint64_t now = 0;
  Progress progress(
      out.get(), false, [&] { return now += 50'000'000; }, 1);
  int asked = 0;
  for (std::uint64_t i = 1; i <= 1000; ++i)
    progress.on_frame(i, [&] {
      ++asked;
      return ProgressPoint{};
    });
  progress.finish();
  CHECK(asked == 0);
  CHECK(progress.lines_drawn() == 0);
  CHECK(contents(out.get()).empty());
}

TEST_CASE("enabled progress redraws with \\r at most ten times a second") {
  std::unique_ptr<std::FILE, FileCloser> out(std::tmpfile());
  std::uint64_t now = 0;
  // The clock advances 1 ms per read; one read every 4 frames: 4000 frames = 1 simulated second.
  Progress progress(
      out.get(), true, [&] { return now += 1'000'000; }, 4);
  int asked = 0;
  for (std::uint64_t i = 1; i <= 4000; ++i) {
    progress.on_frame(i, [&] {
      ++asked;
      return ProgressPoint{"big.pcap", 0, 2, 500, 1000};
    });
  }
  CHECK(progress.lines_drawn() >= 9);
  CHECK(progress.lines_drawn() <= 10);
  CHECK(asked == static_cast<int>(progress.lines_drawn()));  // ftell only when drawing
  const auto text = contents(out.get());
  CHECK(count(text, '\r') == progress.lines_drawn());
  CHECK(text.find('\n') == std::string::npos);
  CHECK(text.find("[1/2] big.pcap") != std::string::npos);
  CHECK(text.find(" 50%") != std::string::npos);
  CHECK(text.find("##########..........") != std::string::npos);
  CHECK(text.find(" frames/s") != std::string::npos);

  progress.finish();
  const auto done = contents(out.get());
  CHECK(done.substr(done.size() - 4) == "\r\x1b[K");
}

TEST_CASE("without a file size there is no percent") {
  std::unique_ptr<std::FILE, FileCloser> out(std::tmpfile());
  std::uint64_t now = 0;
  Progress progress(
      out.get(), true, [&] { return now += 200'000'000; }, 1);
  for (std::uint64_t i = 1; i <= 3; ++i)
    progress.on_frame(i, [] { return ProgressPoint{"pipe", 0, 1, 123, 0}; });
  REQUIRE(progress.lines_drawn() > 0);
  const auto text = contents(out.get());
  CHECK(text.find('%') == std::string::npos);
  CHECK(text.find("3 frames") != std::string::npos);
}

TEST_CASE("a short run draws nothing, so finish() leaves the output untouched") {
  std::unique_ptr<std::FILE, FileCloser> out(std::tmpfile());
  std::uint64_t now = 0;
  Progress progress(
      out.get(), true, [&] { return now += 1'000; }, 1);
  for (std::uint64_t i = 1; i <= 100; ++i) progress.on_frame(i, [] { return ProgressPoint{}; });
  progress.finish();
  CHECK(contents(out.get()).empty());
}

TEST_CASE("for_stderr draws only when stderr is a terminal") {
  CHECK(Progress::for_stderr().enabled() == (isatty(STDERR_FILENO) == 1));
}
