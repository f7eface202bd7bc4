// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// TCP openings put back in stream order: cut anywhere, reordered, retransmitted, overlapping with
// other bytes (Linux's choice of copy), and the memory bounds against hostile offsets.
#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "detect/tcp_stream.h"

using namespace protoport;

namespace {

std::span<const std::uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

std::string text(const TcpStream& s) {
  return {reinterpret_cast<const char*>(s.bytes().data()), s.bytes().size()};
}

struct Feed {
  TcpStream stream{2048, 64};
  TcpStreamStats stats;
  bool add(std::uint32_t at, std::string_view bytes, std::uint32_t carried = 0) {
    return stream.add(at, as_bytes(bytes), carried ? carried : static_cast<std::uint32_t>(bytes.size()),
                      stats);
  }
};

}  // namespace

TEST_CASE("segments in order, cut anywhere, join") {
  Feed f;
  CHECK(f.add(0, "G"));
  CHECK(f.add(1, "ET"));
  CHECK(f.add(3, " / HTTP/1.1\r\n"));
  CHECK(text(f.stream) == "GET / HTTP/1.1\r\n");
  CHECK(f.stats.conflicts == 0);
  CHECK(f.stats.duplicate_bytes == 0);
}

TEST_CASE("reordered segments wait for the gap, then join") {
  Feed f;
  CHECK_FALSE(f.add(3, " / HTTP/1.1\r\n"));
  CHECK_FALSE(f.add(1, "ET"));
  CHECK(f.stream.bytes().empty());
  CHECK(f.stream.pending() == 2);
  CHECK(f.add(0, "G"));
  CHECK(text(f.stream) == "GET / HTTP/1.1\r\n");
  CHECK(f.stream.pending() == 0);
}

TEST_CASE("a retransmission of delivered bytes is trimmed; different bytes are a conflict") {
  Feed f;
  f.add(0, "GET / HTTP/1.1\r\n");
  CHECK_FALSE(f.add(0, "GET "));  // the same bytes again
  CHECK(f.stats.duplicate_bytes == 4);
  CHECK(f.stats.conflicts == 0);
  CHECK_FALSE(f.add(0, "XXX "));  // other bytes: the delivered copy wins, as in Linux
  CHECK(f.stats.conflicts == 3);
  CHECK(text(f.stream) == "GET / HTTP/1.1\r\n");
  CHECK(f.add(11, "1.1\r\nHost"));  // overlaps the end, same bytes, and extends it
  CHECK(text(f.stream) == "GET / HTTP/1.1\r\nHost");
  CHECK(f.stats.conflicts == 3);
}

TEST_CASE("out of order overlaps: Linux's queue rules decide which copy is delivered") {
  SUBCASE("a segment inside a queued one is dropped") {
    Feed f;
    f.add(4, "abcdef");
    f.add(5, "XY");
    CHECK(f.stats.conflicts == 2);
    f.add(0, "GET ");
    CHECK(text(f.stream) == "GET abcdef");
  }
  SUBCASE("the same start and longer replaces the queued one") {
    Feed f;
    f.add(4, "abc");
    f.add(4, "XYZW");
    CHECK(f.stats.conflicts == 3);
    f.add(0, "GET ");
    CHECK(text(f.stream) == "GET XYZW");
  }
  SUBCASE("a segment covering queued ones replaces them") {
    Feed f;
    f.add(6, "cd");
    f.add(9, "f");
    f.add(5, "XYZWVU");
    f.add(0, "GET a");
    CHECK(text(f.stream) == "GET aXYZWVU");
    CHECK(f.stats.conflicts == 3);
  }
  SUBCASE("partial overlaps: the lower-numbered segment's bytes win") {
    Feed f;
    f.add(6, "XYZ");  // later start, queued first
    f.add(4, "abcd");
    f.add(0, "GET ");
    CHECK(text(f.stream) == "GET abcdZ");
    CHECK(f.stats.conflicts == 2);
  }
}

TEST_CASE("a sampled segment cut short leaves a hole: nothing after it is delivered") {
  Feed f;
  CHECK(f.add(0, "GET /", 100));  // 100 bytes carried, 5 sampled
  CHECK(f.stream.closed());
  CHECK_FALSE(f.add(100, "more"));
  CHECK(text(f.stream) == "GET /");
}

TEST_CASE("hostile offsets and floods stay within the bounds, counted") {
  Feed f;
  CHECK_FALSE(f.add(0xfffffff0u, "before the SYN"));  // wraps below the first byte
  CHECK(f.stats.before_start == 1);
  CHECK_FALSE(f.add(0x7fffffffu, "far beyond"));
  CHECK_FALSE(f.add(5000, "beyond 2048"));
  CHECK(f.stats.dropped_bytes == std::string_view("far beyond").size() + 11);
  CHECK(f.stream.pending() == 0);
  // More out-of-order segments than max_pending: the rest is dropped, counted.
  for (std::uint32_t i = 0; i < 100; ++i) f.add(10 + 2 * i, "x");
  CHECK(f.stream.pending() == 64);
  CHECK(f.stats.dropped_bytes == 21 + 36);
  // A segment that runs past max_bytes is cut there and closes the stream.
  Feed g;
  const std::string big(3000, 'a');
  CHECK(g.add(0, big));
  CHECK(g.stream.bytes().size() == 2048);
  CHECK(g.stream.closed());
  CHECK(g.stats.dropped_bytes == 3000 - 2048);
}

TEST_CASE("Linux's queue rules compare what segments carried, not what was sampled of them") {
  // Both sampled to 4 bytes: the second carried more from the same start, so it replaces the
  // first, as in the receiving stack, and its sampled bytes are the ones delivered.
  Feed f;
  f.add(4, "XXXX", 500);
  f.add(4, "abcd", 509);
  f.add(0, "GET ");
  CHECK(text(f.stream) == "GET abcd");
  CHECK(f.stream.closed());  // the rest of the 509 bytes was not sampled: a hole
  CHECK(f.stats.conflicts == 4);
}
