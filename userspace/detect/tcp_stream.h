// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// One direction of a TCP opening, put back in stream order from the kernel's samples, as the
// receiving Linux stack delivers it to the application: segments may come reordered,
// retransmitted, overlapping, or cut at any byte. Memory is bounded (max_bytes in order, as many
// again waiting out of order, max_pending segments); whatever is left out is counted.
//
// Overlapping bytes that differ are an evasion signal (the sender offers two versions of the
// same bytes, hoping a monitor reads the other one): they are counted, and the copy kept is the
// one Linux's receive path keeps (net/ipv4/tcp_input.c):
//  - bytes already delivered in order win over any later copy (a retransmission is trimmed);
//  - out of order, a segment wholly inside one already queued is dropped; one that starts where
//    a queued one starts and is longer, or that wholly covers queued ones, replaces them;
//  - partial overlaps stay queued side by side, and on delivery the lower-numbered segment's
//    bytes win (the later one's overlap is trimmed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace protoport {

struct TcpStreamStats {
  std::uint64_t conflicts = 0;       // overlapping bytes whose two copies differed
  std::uint64_t duplicate_bytes = 0; // bytes received again (retransmitted, overlapping)
  std::uint64_t dropped_bytes = 0;   // bytes beyond the bounds (in order or waiting)
  std::uint64_t before_start = 0;    // segments that start before the stream's first byte
};

class TcpStream {
 public:
  TcpStream(std::size_t max_bytes, std::size_t max_pending)
      : max_bytes_(max_bytes), max_pending_(max_pending) {}

  // A segment at stream offset `offset` (its sequence number minus that of the stream's first
  // byte, modulo 2^32) that carried `payload_len` bytes, of which `captured` (a prefix) were
  // sampled. Returns true when the bytes in order grew.
  bool add(std::uint32_t offset, std::span<const std::uint8_t> captured, std::uint32_t payload_len,
           TcpStreamStats& stats);

  // The bytes delivered in order, from the stream's first byte.
  std::span<const std::uint8_t> bytes() const { return bytes_; }
  // No more bytes can be delivered: a sampled segment was cut short (the rest of it never comes)
  // or the bound was reached.
  bool closed() const { return closed_; }
  std::size_t pending() const { return pending_.size(); }

 private:
  // A segment: where Linux's queue rules place it is decided by what it carried (begin, end);
  // what can be delivered of it is what was sampled (data, a prefix).
  struct Segment {
    std::uint64_t begin;  // stream offset of its first byte
    std::uint64_t carried_end;  // stream offset after its last byte, sampled or not
    std::vector<std::uint8_t> data;
    bool truncated() const { return begin + data.size() < carried_end; }  // a hole follows it
    std::uint64_t end() const { return begin + data.size(); }
  };
  // Appends what [begin, begin + data.size()) adds past the bytes in order (it starts at or
  // before their end); `truncated`: the sampler cut it, so a hole follows.
  void deliver(std::uint64_t begin, std::span<const std::uint8_t> data, bool truncated,
               TcpStreamStats& stats);
  void queue(Segment seg, TcpStreamStats& stats);
  void drain(TcpStreamStats& stats);
  // Counts the bytes of [begin, begin + data.size()) that differ from `held` at `held_begin`.
  static std::uint64_t differing(std::uint64_t begin, std::span<const std::uint8_t> data,
                                 std::uint64_t held_begin, std::span<const std::uint8_t> held);

  std::size_t max_bytes_;
  std::size_t max_pending_;
  std::vector<std::uint8_t> bytes_;
  std::vector<Segment> pending_;  // out of order, by begin
  std::size_t pending_bytes_ = 0;
  bool closed_ = false;
};

}  // namespace protoport
