// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// FrameFeed, replay's reader thread: the same frames, in the same order, as reading the captures
// directly; batches bounded and never across files; stateless frames without bytes; the error
// of a corrupt file after every frame before it; and a feed dropped half-way stops its thread.
#include <doctest/doctest.h>
#include <pcap/pcap.h>

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "replay/capture_sequence.h"
#include "replay/frame_feed.h"
#include "replay/interrupt.h"
#include "replay_test_util.h"

using namespace protoport::replay;
using namespace protoport::replay::test;

namespace {

struct Expected {
  std::size_t file_index;
  std::uint64_t ts_ns;
  Bytes bytes;
};

std::vector<Expected> read_directly(const std::vector<std::string>& paths) {
  CaptureSequence seq(paths);
  std::vector<Expected> out;
  Frame f;
  while (seq.next(f))
    out.push_back({seq.file_index(), f.ts_ns, Bytes(f.bytes.begin(), f.bytes.end())});
  return out;
}

// A UDP frame of `size` bytes (at least 46) with the marker in its ports and payload; an ARP
// frame (not IP, stateless) every `arp_every` frames.
Bytes frame_for(std::uint32_t i, std::size_t size) {
  Bytes b = concat({ether_header(0x0800, 0x22), ipv4_udp(static_cast<std::uint8_t>(i))});
  const std::uint16_t ip_len = static_cast<std::uint16_t>(size - 14),
                      udp_len = static_cast<std::uint16_t>(size - 34);
  b.resize(size, static_cast<std::uint8_t>(i));
  b[16] = static_cast<std::uint8_t>(ip_len >> 8);
  b[17] = static_cast<std::uint8_t>(ip_len);
  b[34] = static_cast<std::uint8_t>(i >> 8);  // source port: one flow per frame
  b[35] = static_cast<std::uint8_t>(i);
  b[38] = static_cast<std::uint8_t>(udp_len >> 8);
  b[39] = static_cast<std::uint8_t>(udp_len);
  return b;
}
Bytes arp_frame(std::uint32_t i) {
  Bytes b = concat({ether_header(0x0806, 0x33), Bytes(28, static_cast<std::uint8_t>(i))});
  return b;
}

std::vector<Record> records(std::uint32_t first, std::uint32_t count, std::size_t size,
                            std::uint32_t arp_every) {
  std::vector<Record> out;
  for (std::uint32_t i = first; i < first + count; ++i)
    out.push_back({1'700'000'000'000'000'000ull + i,
                   arp_every && i % arp_every == 0 ? arp_frame(i) : frame_for(i, size)});
  return out;
}

}  // namespace

TEST_CASE("the feed delivers every frame of every file in order, batches bounded and per file") {
  TempDir dir;
  // More frames than the whole pool holds, so the reader waits for recycled batches; files of
  // small frames (batches full by count) and of large ones (full by bytes).
  write_capture(dir.file("a.pcap"), DLT_EN10MB, records(0, 5000, 60, 7));
  write_capture(dir.file("b.pcap"), DLT_EN10MB, records(5000, 3, 60, 0));
  write_capture(dir.file("c.pcap"), DLT_EN10MB, records(6000, 900, 9000, 5));
  const std::vector<std::string> paths{dir.file("a.pcap"), dir.file("b.pcap"), dir.file("c.pcap")};
  const auto expected = read_directly(paths);
  REQUIRE(expected.size() == 5903);

  for (const bool all_bytes : {false, true}) {
    CAPTURE(all_bytes);
    FrameFeed feed(CaptureSequence(paths), {.all_bytes = all_bytes, .file_offsets = true});
    CHECK(feed.file_count() == 3);
    std::size_t n = 0, batches = 0, without_bytes = 0;
    std::size_t last_file = 0;
    while (const FeedBatch* batch = feed.next()) {
      ++batches;
      CHECK(batch->file_index >= last_file);
      last_file = batch->file_index;
      CHECK(batch->file_size == std::filesystem::file_size(paths[batch->file_index]));
      CHECK(batch->file_offset > 0);
      CHECK(batch->file_offset <= batch->file_size);
      REQUIRE_FALSE(batch->frames.empty());
      CHECK(batch->frames.size() <= FrameFeed::kBatchFrames);
      CHECK(batch->bytes.size() <= FrameFeed::kBatchBytes);
      for (const FeedFrame& f : batch->frames) {
        REQUIRE(n < expected.size());
        const Expected& e = expected[n++];
        CHECK(batch->file_index == e.file_index);  // a batch never spans two files
        CHECK(f.ts_ns == e.ts_ns);
        CHECK(f.len == e.bytes.size());
        if (all_bytes) {
          CHECK(f.preview.kind == FrameKind::run);  // no preview asked for
        } else {
          const FramePreview p = preview_frame(e.bytes);
          CHECK(f.preview.kind == p.kind);
          CHECK(f.preview.key == p.key);
          CHECK(f.preview.sender == p.sender);
          CHECK(f.has_bytes == !stateless_outcome(p.kind).has_value());
        }
        if (f.has_bytes) {
          const auto got = batch->bytes_of(f);
          CHECK(Bytes(got.begin(), got.end()) == e.bytes);
        } else {
          ++without_bytes;
        }
      }
    }
    CHECK(n == expected.size());
    CHECK(feed.next() == nullptr);  // stays at the end
    CHECK(feed.stats().frames == expected.size());
    CHECK(feed.stats().records == expected.size());
    // ARP frames are 5000/7 + 900/5 (rounded up): the only stateless ones here.
    CHECK(without_bytes == (all_bytes ? 0u : 715u + 180u));
    CHECK(batches >= 5000 / FrameFeed::kBatchFrames + 2);
  }
}

TEST_CASE("a corrupt file: every frame before the bad record, then its CaptureError") {
  TempDir dir;
  write_capture(dir.file("a.pcap"), DLT_EN10MB, records(0, 2500, 60, 0));
  write_capture(dir.file("b.pcap"), DLT_EN10MB, records(3000, 10, 60, 0));
  write_capture(dir.file("c.pcap"), DLT_EN10MB, records(4000, 10, 60, 0));
  std::filesystem::resize_file(dir.file("b.pcap"),
                               std::filesystem::file_size(dir.file("b.pcap")) - 5);
  FrameFeed feed(CaptureSequence({dir.file("a.pcap"), dir.file("b.pcap"), dir.file("c.pcap")}), {});
  std::vector<std::uint64_t> ts;
  std::string message;
  try {
    while (const FeedBatch* batch = feed.next())
      for (const FeedFrame& f : batch->frames) ts.push_back(f.ts_ns);
  } catch (const CaptureError& e) {
    message = e.what();
  }
  REQUIRE(ts.size() == 2509);
  CHECK(ts.back() == 1'700'000'000'000'000'000ull + 3008);
  CHECK(message.find(dir.file("b.pcap") + ": frame 10: ") != std::string::npos);
  CHECK(feed.next() == nullptr);  // the error is given once; nothing of c.pcap is read
  CHECK(feed.stats().frames == 2509);
}

TEST_CASE("a bad file is refused when the feed is made, before any thread reads") {
  TempDir dir;
  write_capture(dir.file("a.pcap"), DLT_EN10MB, records(0, 3, 60, 0));
  write_file(dir.file("bogus.pcap"), "not a capture at all, not even close");
  CHECK_THROWS_AS(FrameFeed(CaptureSequence({dir.file("a.pcap"), dir.file("bogus.pcap")}), {}),
                  CaptureError);
}

TEST_CASE("a feed dropped before its end stops its reader, waiting or not") {
  TempDir dir;
  write_capture(dir.file("big.pcap"), DLT_EN10MB, records(0, 20000, 60, 0));
  for (int read_batches : {0, 1, 3}) {
    CAPTURE(read_batches);
    FrameFeed feed(CaptureSequence({dir.file("big.pcap")}), {});
    for (int i = 0; i < read_batches; ++i) REQUIRE(feed.next() != nullptr);
    std::this_thread::yield();
  }  // each destructor must return: a hang here is the failure (ctest's timeout)
}

TEST_CASE("a corrupt record right at a batch or file boundary: nothing lost, nothing repeated") {
  const std::size_t per_batch = FrameFeed::kBatchFrames;
  for (const std::size_t good : {per_batch - 1, per_batch, per_batch + 1, 2 * per_batch}) {
    for (const bool in_next_file : {false, true}) {
      CAPTURE(good);
      CAPTURE(in_next_file);
      TempDir dir;
      const auto a = dir.file("a.pcap"), b = dir.file("b.pcap");
      if (in_next_file) {  // a.pcap whole, then b.pcap cut inside its first record
        write_capture(a, DLT_EN10MB, records(0, static_cast<std::uint32_t>(good), 60, 0));
        write_capture(b, DLT_EN10MB, records(50000, 1, 60, 0));
        std::filesystem::resize_file(b, std::filesystem::file_size(b) - 5);
      } else {  // a.pcap cut inside the record after `good` whole ones
        write_capture(a, DLT_EN10MB, records(0, static_cast<std::uint32_t>(good + 1), 60, 0));
        std::filesystem::resize_file(a, std::filesystem::file_size(a) - 5);
        write_capture(b, DLT_EN10MB, records(50000, 1, 60, 0));
      }
      FrameFeed feed(CaptureSequence({a, b}), {});
      std::vector<std::uint64_t> ts;
      bool failed = false;
      try {
        while (const FeedBatch* batch = feed.next())
          for (const FeedFrame& f : batch->frames) ts.push_back(f.ts_ns);
      } catch (const CaptureError&) {
        failed = true;
      }
      CHECK(failed);
      REQUIRE(ts.size() == good);
      for (std::size_t i = 0; i < good; ++i) REQUIRE(ts[i] == 1'700'000'000'000'000'000ull + i);
    }
  }
}

TEST_CASE("continue_after_damage: the damaged file's last batch names it, the next file follows") {
  TempDir dir;
  write_capture(dir.file("a.pcap"), DLT_EN10MB, records(0, 2500, 60, 0));
  write_capture(dir.file("b.pcap"), DLT_EN10MB, records(3000, 10, 60, 0));
  write_capture(dir.file("c.pcap"), DLT_EN10MB, records(4000, 10, 60, 0));
  std::filesystem::resize_file(dir.file("b.pcap"),
                               std::filesystem::file_size(dir.file("b.pcap")) - 5);
  FrameFeed feed(CaptureSequence({dir.file("a.pcap"), dir.file("b.pcap"), dir.file("c.pcap")}),
                 {.continue_after_damage = true});
  std::vector<std::uint64_t> ts;
  std::vector<std::pair<std::size_t, std::string>> damage;
  std::size_t damaged_batch_frames = 0;
  while (const FeedBatch* batch = feed.next()) {
    for (const FeedFrame& f : batch->frames) ts.push_back(f.ts_ns);
    if (!batch->damage.empty()) {
      damage.emplace_back(batch->file_index, batch->damage);
      damaged_batch_frames = batch->frames.size();
    }
  }
  REQUIRE(ts.size() == 2500 + 9 + 10);
  CHECK(ts[2508] == 1'700'000'000'000'000'000ull + 3008);
  CHECK(ts.back() == 1'700'000'000'000'000'000ull + 4009);
  REQUIRE(damage.size() == 1);
  CHECK(damage[0].first == 1);
  CHECK(damage[0].second.find(dir.file("b.pcap") + ": frame 10: truncated capture") == 0);
  CHECK(damaged_batch_frames == 9);  // the damage comes after the file's frames
  CHECK(feed.stats().frames == 2519);
}

TEST_CASE("an interrupt stops a reader blocked on a pipe nobody closes; what was read arrives") {
  TempDir dir;
  const auto path = dir.file("a.pcap");
  write_capture(path, DLT_EN10MB, records(0, 5, 60, 0));
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), {});
  }
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  REQUIRE(write(fds[1], content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  Interrupt interrupt;
  {
    FrameFeed feed(CaptureSequence({"/dev/fd/" + std::to_string(fds[0])}, interrupt.fd()),
                   {.continue_after_damage = true, .interrupt = &interrupt});
    // The reader takes the 5 frames out of the pipe (FIONREAD 0), holds them in an open batch
    // and waits for more that never come.
    for (int i = 0, left = 1; i < 1000 && left != 0; ++i) {
      REQUIRE(ioctl(fds[1], FIONREAD, &left) == 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::thread raiser([&] { interrupt.raise(SIGINT); });
    std::vector<std::uint64_t> ts;
    while (const FeedBatch* batch = feed.next()) {
      CHECK(batch->damage.empty());  // a cancelled read is not damage
      for (const FeedFrame& f : batch->frames) ts.push_back(f.ts_ns);
    }
    raiser.join();
    CHECK(ts.size() == 5);
    CHECK(interrupt.signal_number() == SIGINT);
  }  // the feed's destructor returns: its reader has ended
  close(fds[0]);
  close(fds[1]);
}
