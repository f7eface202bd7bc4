// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// IP datagrams put back together from the kernel's fragment samples (PP_SAMPLE_F_FRAGMENT), so
// that a datagram cut into 8-byte fragments, or whose first fragment comes last, is classified
// as the receiving stack delivers it: whole. Keyed as the IP layer keys reassembly (addresses,
// protocol, identification), IPv4 and IPv6 alike.
//
// As Linux (since 4.19, and RFC 5722 for IPv6): an exact duplicate fragment is ignored; any
// other overlap discards the whole datagram (counted), so no copy of the overlapping bytes is
// ever chosen. A datagram is delivered when its fragments cover it from its L4 payload to the
// last fragment's end; only the sampled bytes are joined, up to the first one the sampler cut.
// One not completed within the timeout, or pushed out by the bound, is judged from its first
// fragment alone if that came (as before reassembly: a capture that starts mid-datagram, a
// budget spent), else dropped; both are counted. Memory: at most max_datagrams datagrams, each
// holding at most max_pieces fragments and max_bytes sampled bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "protoport/sample.h"

namespace protoport {

struct IpReassemblyLimits {
  std::size_t max_datagrams = 1024;
  std::size_t max_pieces = 64;
  std::size_t max_bytes = 4096;                  // sampled bytes kept per datagram
  std::int64_t timeout_ns = 30'000'000'000;      // Linux's ipfrag_time default
};

struct IpReassemblyStats {
  std::uint64_t fragments = 0;       // fragment samples taken
  std::uint64_t completed = 0;       // datagrams delivered whole
  std::uint64_t first_only = 0;      // delivered from their first fragment (timeout, bound)
  std::uint64_t dropped = 0;         // timed out or evicted without a first fragment
  std::uint64_t overlapping = 0;     // discarded: fragments overlapping, not exact duplicates
  std::uint64_t duplicates = 0;      // exact duplicate fragments ignored
  std::uint64_t pieces_dropped = 0;  // fragments beyond max_pieces / max_bytes
};

class IpReassembly {
 public:
  // A datagram ready for the flow tracker: its first fragment's sample header with the
  // fragment flags cleared and cap_len set to the joined bytes, and those bytes.
  using Deliver =
      std::function<void(const pp_sample&, std::span<const std::uint8_t>, std::int64_t wall_ns)>;

  IpReassembly(IpReassemblyLimits limits, Deliver deliver)
      : limits_(limits), deliver_(std::move(deliver)) {}

  // One sample with PP_SAMPLE_F_FRAGMENT (first or later fragment).
  void add(const pp_sample& s, std::span<const std::uint8_t> payload, std::int64_t wall_ns);
  // Datagrams older than the timeout at now_ns: judged from the first fragment, or dropped.
  void expire(std::int64_t now_ns);
  // Every pending datagram, as at a timeout (at exit).
  void flush();

  const IpReassemblyStats& stats() const { return stats_; }
  std::size_t pending() const { return datagrams_.size(); }

 private:
  struct Key {
    std::uint8_t saddr[16];
    std::uint8_t daddr[16];
    std::uint32_t id;
    std::uint8_t proto;
    std::uint8_t family;
    bool operator==(const Key& o) const;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  struct Piece {
    std::uint32_t begin;        // offset in the IP payload
    std::uint32_t carried_end;  // begin + the fragment's length
    std::vector<std::uint8_t> data;  // the sampled prefix
  };
  struct Datagram {
    std::int64_t first_wall_ns = 0;
    std::int64_t first_fragment_wall_ns = 0;
    bool have_first = false;
    std::uint32_t end = 0;            // with have_end: where the last fragment ends
    bool have_end = false;
    std::vector<Piece> pieces;        // by begin; the first fragment's data is one of them
    std::size_t bytes = 0;
    pp_sample first{};  // the first fragment's header (last: pp_sample ends in data[])
  };

  // Overlap rule; false if the datagram must be discarded.
  bool insert(Datagram& d, Piece piece);
  void try_complete(const Key& key, Datagram& d);
  void give_up(Datagram& d);  // timeout or eviction

  IpReassemblyLimits limits_;
  Deliver deliver_;
  IpReassemblyStats stats_;
  std::unordered_map<Key, Datagram, KeyHash> datagrams_;
};

}  // namespace protoport
