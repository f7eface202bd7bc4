// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "detect/tcp_stream.h"

#include <algorithm>

namespace protoport {

std::uint64_t TcpStream::differing(std::uint64_t begin, std::span<const std::uint8_t> data,
                                   std::uint64_t held_begin,
                                   std::span<const std::uint8_t> held) {
  const std::uint64_t lo = std::max(begin, held_begin);
  const std::uint64_t hi = std::min(begin + data.size(), held_begin + held.size());
  std::uint64_t n = 0;
  for (std::uint64_t i = lo; i < hi; ++i)
    if (data[i - begin] != held[i - held_begin]) ++n;
  return n;
}

bool TcpStream::add(std::uint32_t offset, std::span<const std::uint8_t> captured,
                    std::uint32_t payload_len, TcpStreamStats& stats) {
  // Sequence numbers wrap: an offset in the upper half is a segment from before the first byte
  // (the SYN's number), which no receiver delivers.
  if (offset >= 0x80000000u) {
    ++stats.before_start;
    return false;
  }
  if (closed_ || captured.empty()) return false;
  const std::size_t before = bytes_.size();
  const std::uint64_t carried_end =
      std::uint64_t{offset} + std::max<std::size_t>(payload_len, captured.size());
  // Only the window the stream can still fill is kept; beyond it, bytes are counted and dropped.
  const std::uint64_t keep_end = std::min<std::uint64_t>(offset + captured.size(), max_bytes_);
  if (keep_end <= offset) {
    stats.dropped_bytes += captured.size();
    return false;
  }
  const auto kept = captured.first(static_cast<std::size_t>(keep_end - offset));
  stats.dropped_bytes += captured.size() - kept.size();
  if (offset <= bytes_.size()) {
    // In order (the common case): straight from the sample into the stream, no copy between.
    deliver(offset, kept, keep_end < carried_end, stats);
    drain(stats);
  } else {
    queue(Segment{offset, carried_end, {kept.begin(), kept.end()}}, stats);
  }
  return bytes_.size() > before;
}

void TcpStream::deliver(std::uint64_t begin, std::span<const std::uint8_t> data, bool truncated,
                        TcpStreamStats& stats) {
  const std::uint64_t have = bytes_.size();
  const std::uint64_t end = begin + data.size();
  if (begin < have) {
    // Already delivered bytes win; the later copy is only compared.
    stats.duplicate_bytes += std::min<std::uint64_t>(end, have) - begin;
    stats.conflicts += differing(begin, data, 0, bytes_);
  }
  if (end > have) {
    bytes_.insert(bytes_.end(), data.begin() + static_cast<std::ptrdiff_t>(have - begin),
                  data.end());
    if (truncated) closed_ = true;
  }
  if (bytes_.size() >= max_bytes_) closed_ = true;
  if (closed_) {
    // Nothing queued can be delivered any more.
    for (const Segment& p : pending_) stats.dropped_bytes += p.data.size();
    pending_.clear();
    pending_bytes_ = 0;
  }
}

void TcpStream::drain(TcpStreamStats& stats) {
  // pending_ is ordered by begin: the lower-numbered segment is delivered first, so its bytes
  // win a partial overlap (Linux trims the later segment's head).
  while (!pending_.empty() && !closed_ && pending_.front().begin <= bytes_.size()) {
    Segment seg = std::move(pending_.front());
    pending_.erase(pending_.begin());
    pending_bytes_ -= seg.data.size();
    deliver(seg.begin, seg.data, seg.truncated(), stats);
  }
}

void TcpStream::queue(Segment seg, TcpStreamStats& stats) {
  // Linux's rules compare what the segments carried, sampled or not.
  for (const Segment& p : pending_) {
    if (p.begin <= seg.begin && p.carried_end >= seg.carried_end) {
      // Wholly inside a queued segment: dropped, as Linux does.
      stats.duplicate_bytes += seg.data.size();
      stats.conflicts += differing(seg.begin, seg.data, p.begin, p.data);
      return;
    }
  }
  // Queued segments it wholly covers (the same start included) give way to it.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (seg.begin <= it->begin && it->carried_end <= seg.carried_end) {
      stats.duplicate_bytes += it->data.size();
      stats.conflicts += differing(it->begin, it->data, seg.begin, seg.data);
      pending_bytes_ -= it->data.size();
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  if (pending_.size() >= max_pending_ || pending_bytes_ + seg.data.size() > max_bytes_) {
    stats.dropped_bytes += seg.data.size();
    return;
  }
  // Partial overlaps are counted when the later segment is delivered (deliver() compares).
  pending_bytes_ += seg.data.size();
  const auto at = std::upper_bound(pending_.begin(), pending_.end(), seg.begin,
                                   [](std::uint64_t b, const Segment& p) { return b < p.begin; });
  pending_.insert(at, std::move(seg));
}

}  // namespace protoport
