// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Groups the kernel's samples into flows and gives each flow exactly one verdict, as soon as its
// samples allow: the app its opening payload speaks, who initiated it, and the responder's port.
// Memory is bounded: at most max_flows undecided flows are tracked, and at most max_flows
// decided ones are remembered, each by a 64-bit fingerprint of its key (~24 bytes), so that the
// late samples the kernel still sends for them are not taken for a new flow; what is evicted or
// forgotten is counted.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "common/lru_map.h"
#include "common/recent_set.h"
#include "common/sampling_rule.h"
#include "detect/flow_verdict.h"
#include "detect/ip_reassembly.h"
#include "detect/tcp_stream.h"
#include "protoport/sample.h"

namespace protoport {

struct FlowTrackerLimits {
  std::size_t max_flows = 65536;                  // flows remembered at once (LRU beyond that)
  std::size_t max_bytes_per_side = 2048;          // bytes kept per direction while undecided
  std::int64_t idle_timeout_ns = 30'000'000'000;  // an undecided flow this idle is decided as is
  // The kernel's sampling rule: once both directions have had every sample it gives, no more
  // come and the flow is decided at once.
  SamplingRule sampling;
  IpReassemblyLimits fragments;  // IP datagrams put together from fragment samples
  // Samples kept per flow until its verdict, handed over in FlowVerdict::samples (evidence
  // capture, --pcap-out); 0: none kept (the default: no memory spent on them).
  std::size_t keep_samples = 0;
};

struct FlowTrackerStats {
  std::uint64_t samples = 0;          // samples received
  std::uint64_t samples_invalid = 0;  // samples with impossible headers (not TCP/UDP, bad family)
  std::uint64_t samples_after_verdict = 0;  // samples of flows already decided (nothing to do)
  std::uint64_t flows = 0;                  // flows seen
  std::uint64_t verdicts = 0;               // flows decided
  std::uint64_t verdicts_on_timeout = 0;    // decided because idle or flushed, not by payload
  std::uint64_t evicted_undecided = 0;  // pushed out by max_flows before a verdict: decided early
  std::uint64_t evicted_decided = 0;    // decided flows forgotten to make room (oldest first)
  std::uint64_t unknown_undecided = 0;  // unknown verdicts whose opening was not seen whole
  TcpStreamStats tcp;  // TCP openings put in order: conflicting overlaps, duplicates, drops
};

class FlowTracker {
 public:
  using VerdictSink = std::function<void(const FlowVerdict&)>;

  // An unknown opening is evidence (FlowVerdict::opening_complete) with at least this many bytes
  // from the initiator, or kMinDecisive from each side and this many in all: fewer could be the
  // start of anything (a length prefix, a keep-alive).
  static constexpr std::size_t kMinUnknownOpening = 16;
  static constexpr std::size_t kMinDecisive = 4;
  // Out-of-order segments kept per TCP direction: the kernel's largest sample budget.
  static constexpr std::size_t kMaxPendingSegments = PP_OPENING_PACKETS_MAX;

  FlowTracker(FlowTrackerLimits limits, VerdictSink sink);

  // One ring-buffer record. wall_ns is the wall-clock time of the packet (live: converted from
  // the kernel's monotonic clock; replay: the capture's timestamp).
  void on_sample(const pp_sample& s, std::span<const std::uint8_t> payload, std::int64_t wall_ns);

  // Decides flows idle for longer than the timeout, relative to now_ns (wall clock).
  void expire(std::int64_t now_ns);

  // Decides every undecided flow (at exit).
  void flush();

  const FlowTrackerStats& stats() const { return stats_; }
  const IpReassemblyStats& fragment_stats() const { return reassembly_.stats(); }
  std::size_t tracked() const { return flows_.size(); }  // undecided flows
  std::size_t remembered_decided() const { return decided_.size(); }

 private:
  // A flow, in canonical endpoint order (endpoint 0 < endpoint 1), plus the kernel's flow_ns so
  // that a reused 5-tuple is a new flow.
  struct Key {
    std::uint8_t addr[2][16];
    std::uint16_t port[2];
    std::uint8_t proto;
    std::uint8_t family;
    std::uint64_t flow_ns;
    bool operator==(const Key& o) const;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const;
  };
  // TCP opening bytes per direction, in stream order, until a verdict: allocated only for the
  // flows whose first segment did not decide, so a flood of new flows costs a small record each.
  struct Opening {
    Opening(std::size_t max_bytes, std::size_t max_pending)
        : stream{TcpStream(max_bytes, max_pending), TcpStream(max_bytes, max_pending)} {}
    TcpStream stream[2];
  };
  // One flow, in an LruMap slot (which holds its key and its place in order of activity).
  struct Flow {
    std::unique_ptr<Opening> opening;
    std::vector<SampledPacket> kept;  // with keep_samples: this flow's samples so far
    std::int64_t first_wall_ns = 0;
    std::int64_t last_wall_ns = 0;
    std::uint64_t sock_cookie = 0;          // of the first sample a local socket sent (egress)
    std::uint64_t plausible = 0;            // plausible_apps() of the unrecognised openings
    std::uint16_t opening_len[2] = {0, 0};  // bytes of each side's opening classified so far
    std::uint32_t tcp_base[2] = {0, 0};     // TCP: sequence number of the side's stream offset 0
    std::uint32_t sampled_bytes[2] = {0, 0};  // TCP: opening bytes covered, per side
    std::uint32_t conflicts = 0;            // TCP: opening bytes sent twice, differently
    std::uint8_t samples[2] = {0, 0};       // samples seen from endpoint 0 / 1
    std::uint8_t sampled[2] = {0, 0};       // the kernel's count: highest sample index + 1
    bool from_start[2] = {false, false};    // the side's stream offset 0 is its first byte
    bool continuation = false;              // a sample was a form that only follows an opening
    bool server_noted = false;              // the responder of a handshake went into known_servers_
    std::int8_t kernel_initiator = -1;      // endpoint index per the kernel's dir, -1 if unknown
  };
  struct Direction {
    int initiator;
    DirectionBy by;
  };
  using Flows = LruMap<Key, Flow, KeyHash>;
  using Slot = Flows::Slot;

  // A whole datagram or TCP segment (a fragmented one once put together).
  void on_whole_sample(const pp_sample& s, std::span<const std::uint8_t> payload,
                       std::int64_t wall_ns);
  // The flow's slot, made if new; nullptr if it was decided already (a late sample).
  Slot* find_or_add(const Key& key, std::int64_t wall_ns);
  std::span<const std::uint8_t> opening_bytes(const Slot& f, int side) const;
  Direction initiator_of(const Slot& f, int sender, fingerprint::Role role) const;
  void note_unrecognised(Slot& f, int sender, std::span<const std::uint8_t> bytes);
  // TCP: the sample's offset in its direction's stream (learning where the stream starts).
  static std::uint32_t stream_offset(Flow& f, int sender, const pp_sample& s);
  // Puts a TCP sample in its direction's stream; false if the bytes in order did not grow.
  bool add_to_stream(Slot& f, int sender, std::uint32_t offset, const pp_sample& s,
                     std::span<const std::uint8_t> payload);
  // Every sample the kernel gives has come from both sides.
  bool all_sampled(const Slot& f) const;
  bool opening_complete(const Slot& f, int init) const;
  void decide_with(Slot& f, int sender, std::span<const std::uint8_t> sender_bytes,
                   fingerprint::Result r);
  void decide(Slot& f, bool on_timeout);
  void emit(Slot& f, Direction dir, fingerprint::Result fp);
  static std::uint64_t endpoint_hash(const Key& k, int side);
  // The key's fingerprint in decided_: KeyHash mixed with a per-tracker random seed, so that no
  // sender can choose a flow whose fingerprint equals a decided one's (and go unseen).
  std::uint64_t fingerprint_of(const Key& k) const;
  void evict_oldest();
  static fingerprint::Delivery delivery_of(const Slot& f, int resp);
  static fingerprint::Transport transport_of(const Slot& f) {
    return f.key().proto == PP_IPPROTO_TCP ? fingerprint::Transport::tcp
                                           : fingerprint::Transport::udp;
  }

  FlowTrackerLimits limits_;
  VerdictSink sink_;
  FlowTrackerStats stats_;
  Flows flows_;  // undecided; oldest(): least recently active, evicted and expired first
  // Decided flows, by fingerprint_of(): the oldest decision is forgotten first when full.
  RecentSet decided_;
  std::uint64_t seed_;
  // Endpoints (address, port, protocol) seen accepting a TCP connection: a server, which tells
  // the direction of a flow of theirs seen mid-stream. Bounded like the flow table.
  RecentSet known_servers_;
  IpReassembly reassembly_;
};

}  // namespace protoport
