// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "detect/ip_reassembly.h"

#include <algorithm>
#include <cstring>

namespace protoport {

bool IpReassembly::Key::operator==(const Key& o) const {
  return std::memcmp(saddr, o.saddr, 16) == 0 && std::memcmp(daddr, o.daddr, 16) == 0 &&
         id == o.id && proto == o.proto && family == o.family;
}

std::size_t IpReassembly::KeyHash::operator()(const Key& k) const {
  std::uint64_t words[4];
  std::memcpy(words, k.saddr, 16);
  std::memcpy(words + 2, k.daddr, 16);
  std::uint64_t h = (std::uint64_t{k.id} << 16) ^ (std::uint64_t{k.proto} << 8) ^ k.family;
  for (const std::uint64_t w : words) {
    h ^= w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return static_cast<std::size_t>(h);
}

bool IpReassembly::insert(Datagram& d, Piece piece) {
  for (const Piece& p : d.pieces) {
    if (piece.begin >= p.carried_end || piece.carried_end <= p.begin) continue;
    if (piece.begin == p.begin && piece.carried_end == p.carried_end) {
      ++stats_.duplicates;  // an exact duplicate: Linux ignores it
      return true;
    }
    return false;  // any other overlap: Linux discards the datagram
  }
  if (d.pieces.size() >= limits_.max_pieces || d.bytes + piece.data.size() > limits_.max_bytes) {
    ++stats_.pieces_dropped;
    return true;
  }
  d.bytes += piece.data.size();
  const auto at = std::upper_bound(d.pieces.begin(), d.pieces.end(), piece.begin,
                                   [](std::uint32_t b, const Piece& p) { return b < p.begin; });
  d.pieces.insert(at, std::move(piece));
  return true;
}

void IpReassembly::add(const pp_sample& s, std::span<const std::uint8_t> payload,
                       std::int64_t wall_ns) {
  ++stats_.fragments;
  const bool later = (s.flags & PP_SAMPLE_F_LATER_FRAGMENT) != 0;
  Key key{};
  // A first fragment's addresses are the packet's, as a later fragment's are.
  std::memcpy(key.saddr, s.saddr, 16);
  std::memcpy(key.daddr, s.daddr, 16);
  key.id = s.ip_id;
  key.proto = s.proto;
  key.family = s.family;

  auto it = datagrams_.find(key);
  if (it == datagrams_.end()) {
    if (datagrams_.size() >= limits_.max_datagrams) {
      // The bound: the oldest datagram gives way (judged from its first fragment if it has it).
      auto oldest = std::min_element(datagrams_.begin(), datagrams_.end(), [](auto& a, auto& b) {
        return a.second.first_wall_ns < b.second.first_wall_ns;
      });
      give_up(oldest->second);
      datagrams_.erase(oldest);
    }
    it = datagrams_.emplace(key, Datagram{}).first;
    it->second.first_wall_ns = wall_ns;
  }
  Datagram& d = it->second;
  // Where the fragment goes (frag_off) and what it carried (frag_len) place it; the sampled
  // prefix is kept. Both come from the packet, bounded by 16-bit fields.
  const std::uint32_t begin = s.frag_off;
  Piece piece{begin, begin + s.frag_len, {}};
  piece.data.assign(payload.begin(),
                    payload.begin() + static_cast<std::ptrdiff_t>(
                                          std::min<std::size_t>(payload.size(), s.frag_len)));
  const bool new_first = !later && !d.have_first;
  if (!insert(d, std::move(piece))) {
    ++stats_.overlapping;  // Linux drops the whole datagram: no copy of those bytes is read
    datagrams_.erase(it);
    return;
  }
  if (new_first) {
    d.have_first = true;
    d.first = s;
    d.first_fragment_wall_ns = wall_ns;
  }
  if (!(s.flags & PP_SAMPLE_F_MORE_FRAGS)) {  // the last fragment: the datagram's end
    d.end = begin + s.frag_len;
    d.have_end = true;
  }
  try_complete(it->first, d);
}

void IpReassembly::try_complete(const Key& key, Datagram& d) {
  // A last fragment ending before the first fragment's payload starts is no datagram the L4
  // layer takes (nor one to subtract lengths from): it waits for its timeout.
  if (!d.have_first || !d.have_end || d.end < d.first.frag_off) return;
  // Covered from the L4 payload (the first fragment's data) to the end, by what was carried?
  std::uint32_t pos = d.first.frag_off;
  for (const Piece& p : d.pieces) {
    if (p.begin > pos) return;  // a gap: more fragments to come
    pos = std::max(pos, p.carried_end);
  }
  if (pos < d.end) return;
  // Whole: join the sampled bytes in order, up to the first byte the sampler did not keep.
  std::vector<std::uint8_t> bytes;
  bytes.reserve(std::min<std::size_t>(d.bytes, limits_.max_bytes));
  std::uint32_t at = d.first.frag_off;
  for (const Piece& p : d.pieces) {
    if (p.begin > at) break;
    const std::uint32_t captured_end = p.begin + static_cast<std::uint32_t>(p.data.size());
    if (captured_end > at) {
      bytes.insert(bytes.end(), p.data.begin() + (at - p.begin), p.data.end());
      at = captured_end;
    }
    if (captured_end < p.carried_end && captured_end >= at) break;  // the sampler cut it: a hole
  }
  pp_sample whole = d.first;
  // UDP's length (the first fragment's payload_len) may end the payload before the datagram.
  if (whole.proto == PP_IPPROTO_UDP && bytes.size() > whole.payload_len) bytes.resize(whole.payload_len);
  if (whole.proto == PP_IPPROTO_TCP) whole.payload_len = d.end - d.first.frag_off;
  whole.flags &= static_cast<std::uint8_t>(~(PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_MORE_FRAGS));
  whole.cap_len = static_cast<std::uint16_t>(std::min<std::size_t>(bytes.size(), 0xffff));
  bytes.resize(whole.cap_len);
  const std::int64_t wall = d.first_fragment_wall_ns;
  ++stats_.completed;
  datagrams_.erase(key);  // d is gone from here on
  deliver_(whole, bytes, wall);
}

void IpReassembly::give_up(Datagram& d) {
  if (!d.have_first) {
    ++stats_.dropped;
    return;
  }
  ++stats_.first_only;
  const Piece* first = nullptr;
  for (const Piece& p : d.pieces)
    if (p.begin == d.first.frag_off) first = &p;
  pp_sample s = d.first;
  s.flags &= static_cast<std::uint8_t>(~(PP_SAMPLE_F_FRAGMENT | PP_SAMPLE_F_MORE_FRAGS));
  std::span<const std::uint8_t> bytes;
  if (first) bytes = first->data;
  s.cap_len = static_cast<std::uint16_t>(bytes.size());
  deliver_(s, bytes, d.first_fragment_wall_ns);
}

void IpReassembly::expire(std::int64_t now_ns) {
  for (auto it = datagrams_.begin(); it != datagrams_.end();) {
    if (now_ns - it->second.first_wall_ns > limits_.timeout_ns) {
      give_up(it->second);
      it = datagrams_.erase(it);
    } else {
      ++it;
    }
  }
}

void IpReassembly::flush() {
  for (auto& [key, d] : datagrams_) give_up(d);
  datagrams_.clear();
}

}  // namespace protoport
