// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Replay's fast path: leaves out the frames the XDP program would provably not act on, so that
// only those that can create, restart or sample a flow cost a bpf_prog_test_run_opts call
// (about 1 us each here). The samples, and the counters once skipped_counters() is added, are
// exactly those of running every frame; `replay_fastpath check` verifies that frame by frame.
//
// A frame is left out only when it is one of:
//  - stateless: not IP, IP but neither TCP nor UDP (a later fragment of such a datagram too),
//    or TCP without SYN and without payload. The program counts these and touches no map.
//  - a later IP fragment of a TCP/UDP datagram whose entry in the program's fragment table
//    (pp_frags) is known to want no more samples: its first fragment was run and gave no sample
//    (the entry says "ignore"), or PP_FRAG_SAMPLES_MAX later fragments were sampled. Known from
//    the runs alone: an entry is only written by a run frame (a later fragment creates or bumps
//    it and gives a sample; a first fragment with payload overwrites it, with a sample or not,
//    which runs_done() learns). Every first fragment is run.
//  - of a flow endpoint whose samples are complete, learnt only from the samples the program
//    emitted (the sample after which SamplingRule::wants() says no more), never guessed. The
//    program would look the flow up and
//    count it as already sampled (or no payload). A SYN, with or without ACK, restarts a flow
//    that already carried data in the program, so it is run and forgets what we knew of that
//    flow; except:
//  - a SYN or SYN+ACK without payload from the same sender, with the same sequence number and
//    naming the same initiator as a payload-less SYN or SYN+ACK run on that flow, with no sample
//    of the flow since (a retransmitted SYN): the run one left the program's entry with that
//    initiator, that sender's stream start and no samples, and for such an entry the program
//    only looks it up and counts no payload. (A SYN+ACK after its SYN is run: the program notes
//    where the responder's stream starts.)
// The parser mirrors bpf/protoport.bpf.c (VLAN tags, IPv6 extension headers, fragments, length
// rules), with the limits and header offsets of include/protoport/parse_limits.h, which the
// program uses too; whatever it rejects as malformed is run. A frame longer than test_run's
// linear data (GRO/TSO captures) is judged as a whole one when the program would see it so:
// its headers in the linear part and its IP datagram running past it (every byte counted);
// otherwise it is run. `bpf.replay_fastpath_check` (ctest, root) runs the program on the
// corpus and fails on any frame whose outcome the filter mispredicts.
// The flow part is turned off for good once the flow table could start evicting (LRU): a
// skipped lookup would change which entry the kernel evicts. The fragment part likewise, once
// the datagrams seen could fill the fragment table. Both count distinct keys (a flow restarted
// by a SYN replaces its entry): a capture whose tuples recur stays skippable however long.
// What the filter assumes about the kernel (test_run's linear data, the LRU's free lists)
// differs between kernels: replay measures it at start (loader::kernel_limits()) and passes it
// to the constructor.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/sampling_rule.h"
#include "protoport/sample.h"

namespace protoport::replay {

// bpf_prog_test_run gives an XDP program at most a page minus XDP headroom and skb_shared_info
// of linear data; the rest of a longer frame goes into fragments, where the program reads no
// header (SkipFilter::decide() judges such a frame by where its headers end). How much that is
// depends on the kernel (page size, CONFIG_MAX_SKB_FRAGS): replay measures it at start
// (loader::kernel_limits()) and gives it to SkipFilter. kTestRunLinearMax is the value on
// x86_64 with 4 KiB pages and 17 fragments, and what the two-argument SkipFilter constructor
// assumes (unit tests).
inline constexpr std::size_t kTestRunLinearMax = 3520;
// The least linear data any kernel gives (4 KiB page, 256 bytes of headroom, skb_shared_info
// with the largest CONFIG_MAX_SKB_FRAGS, 45: 768 bytes). FrameFeed keeps the bytes of every
// frame longer than this, stateless or not, so that SkipFilter can still run one that the
// measured limit says the program would not see whole.
inline constexpr std::size_t kTestRunLinearFloor = 4096 - 256 - 768;

// Canonical flow key as the program builds it: lower (address, port) endpoint first, IPv4
// addresses v4-mapped, ports in network byte order.
struct FlowKey {
  std::uint8_t addr[2][16] = {};
  std::uint16_t port[2] = {};
  std::uint8_t proto = 0;
  std::uint8_t family = 0;  // PP_FAMILY_V4 / PP_FAMILY_V6
  bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof(*this)) == 0; }
};

struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const;
};

// What the program will do with a frame, as far as the userspace parser can tell.
enum class FrameKind : std::uint8_t {
  run,             // the program may act on it, or we cannot tell
  non_ip,          // PP_OUT_NON_IP
  fragment,        // PP_OUT_FRAGMENT: a later fragment of a datagram neither TCP nor UDP
  other_l4,        // PP_OUT_OTHER_L4
  tcp_no_payload,  // PP_OUT_NO_PAYLOAD, decided before any flow lookup
  flow,            // TCP/UDP the program looks up in its flow table
  later_fragment,  // a later fragment of a TCP/UDP datagram: looked up in pp_frags
};

// A fragmented datagram as the program keys it (struct pp_frag_key): packet-order addresses
// (v4-mapped), identification, the protocol its header names, family.
struct DatagramKey {
  std::uint8_t addr[2][16] = {};  // source, destination
  std::uint32_t id = 0;
  std::uint8_t proto = 0;
  std::uint8_t family = 0;
  std::uint8_t pad[2] = {};  // no padding of the compiler's: memcmp and hashing see every byte
  bool operator==(const DatagramKey& o) const { return std::memcmp(this, &o, sizeof(*this)) == 0; }
};

struct DatagramKeyHash {
  std::size_t operator()(const DatagramKey& k) const;
};

struct FramePreview {
  FrameKind kind = FrameKind::run;
  bool syn = false;          // flow: SYN, with or without ACK (may restart the flow in the program)
  bool ack = false;          // with syn: a SYN+ACK
  bool has_payload = false;  // flow: L4 payload length > 0
  bool has_key = false;      // TCP/UDP header parsed: key and sender are valid (flow, or a run
                             // first fragment)
  std::uint8_t sender = 0;   // key endpoint (0 or 1) that sent the frame
  std::uint32_t tcp_seq = 0; // with syn: the SYN's sequence number (host order)
  // An IP fragment: a later one (no L4 header: `key` holds only the addresses, in packet order,
  // and the family) or the first one (`key` complete). frag_id and frag_proto complete its
  // datagram's key (datagram()).
  bool later_fragment = false;
  bool first_fragment = false;
  std::uint8_t frag_proto = 0;
  std::uint32_t frag_id = 0;
  // Where the program's header reads end (0: not parsed that far) and where the IP datagram ends
  // (0: not IP), from the frame's start: for a frame longer than a test run's linear part.
  std::uint32_t headers_end = 0;
  std::uint32_t ip_end = 0;
  FlowKey key;

  // The fragment's datagram as the program keys it: addresses in packet order.
  DatagramKey datagram() const {
    DatagramKey d;
    const int src = later_fragment ? 0 : sender;
    std::memcpy(d.addr[0], key.addr[src], 16);
    std::memcpy(d.addr[1], key.addr[1 - src], 16);
    d.id = frag_id;
    d.proto = frag_proto;
    d.family = key.family;
    return d;
  }
};

// Stateless and thread-safe: can run on a reader thread ahead of the test runs.
FramePreview preview_frame(std::span<const std::uint8_t> frame);

// The outcome counter of a frame the program handles without any map but its counters
// (non_ip, fragment, other_l4, tcp_no_payload), whatever the flow state; nullopt otherwise.
std::optional<pp_counter> stateless_outcome(FrameKind kind);

class SkipFilter {
 public:
  // The program's settings, its sampling rule and flow-table size, and what the running
  // kernel does (loader::KernelLimits, measured at start):
  //  - test_run_linear_max: the largest frame a test run gives the program whole; longer
  //    frames are run. 0 (not measured): kTestRunLinearFloor is assumed. Otherwise at least
  //    kTestRunLinearFloor (std::invalid_argument if less).
  //  - lru_free_reserve: flow-table entries the LRU may keep on free lists; flow skipping stops
  //    before the frames run could have created more than max_flows minus that many entries.
  SkipFilter(SamplingRule sampling, std::uint32_t max_flows, std::size_t test_run_linear_max,
             std::uint64_t lru_free_reserve);
  // The same with kTestRunLinearMax and 128 free entries per configured CPU plus one list
  // (x86_64, 4 KiB pages, 17 fragments, LRU lists of kernels 4.10-6.15): for unit tests.
  SkipFilter(SamplingRule sampling, std::uint32_t max_flows);

  // nullopt: run the frame. Otherwise the frame is left out and the value is the outcome
  // counter the program would have bumped (already added to skipped_counters()). A frame longer
  // than test_run_linear_max is run unless its headers end within that and its IP datagram
  // runs past it (FramePreview::headers_end, ip_end).
  std::optional<pp_counter> decide(const FramePreview& preview, std::size_t frame_len);
  std::optional<pp_counter> decide(std::span<const std::uint8_t> frame) {
    return decide(preview_frame(frame), frame.size());
  }

  // Every sample the program emits, in ring-buffer order, after the frames before it were run.
  void on_sample(const pp_sample& sample);

  // Frames decide() said to run may be queued and run later, many per call (replay batches), as
  // long as the caller keeps to these three:
  //  - runs_done(): call once the queued frames ran and their samples went through on_sample();
  //    `last_ran` false if the kernel refused the last one. With no queue, after every run.
  //  - must_run_queue_first(p): before decide(p); if true, run the queue (and runs_done()) first.
  //    A SYN of a flow with frames queued restarts or keeps its entry depending on whether they
  //    gave samples, which only their run tells.
  //  - must_run_queue_now(): after queueing a frame decide() said to run; if true, run the queue
  //    before deciding another frame. A first fragment writes pp_frags "sample" or "ignore"
  //    depending on whether it gave a sample.
  void runs_done(bool last_ran = true);
  bool must_run_queue_first(const FramePreview& p) const;
  bool must_run_queue_now() const { return pending_first_.has_value(); }

  // Forget every flow, e.g. when the caller empties the kernel flow table between files.
  void clear();

  // What the program would have counted for the frames left out: PP_CNT_PACKETS,
  // PP_CNT_BYTES and the outcome slots. Add it to the kernel's counters.
  const std::array<std::uint64_t, PP_CNT_MAX>& skipped_counters() const { return skipped_; }
  std::uint64_t skipped_frames() const { return skipped_[PP_CNT_PACKETS]; }
  // False once the flow table may have evicted: from then on only stateless frames are left out.
  bool flow_skipping() const { return flow_skipping_; }
  std::size_t flows_tracked() const { return flows_.size(); }
  // The same for the fragment table and later fragments.
  bool fragment_skipping() const { return frag_skipping_; }
  std::size_t datagrams_tracked() const { return frags_.size(); }

 private:
  struct FlowState {
    bool complete[2] = {false, false};  // per key endpoint: all its samples were emitted
    // PP_INIT_LO/HI when the program's entry is known to hold this initiator and no sample
    // (a payload-less SYN or SYN+ACK was run and no sample of the flow came since); 0: unknown.
    std::uint8_t fresh_initiator = 0;
    // What the program noted in that fresh entry: where each endpoint's stream starts (its
    // SYN's or SYN+ACK's number + 1), so a retransmitted SYN is left out and a new one is run.
    bool start_known[2] = {false, false};
    std::uint32_t tcp_start[2] = {0, 0};
    std::uint32_t sampled_bytes[2] = {0, 0};  // TCP: opening bytes covered (pp_opening_advance)
    bool queued = false;  // a frame of this flow is queued to run (until runs_done())
  };
  // What a datagram's pp_frags entry holds, as far as the runs tell.
  struct DatagramState {
    std::uint8_t state = 0;     // PP_FRAG_SAMPLE, PP_FRAG_IGNORE, or 0: unknown (run)
    std::uint32_t sampled = 0;  // PP_FRAG_SAMPLE: later fragments sampled since it was written
  };
  std::optional<pp_counter> skip(pp_counter outcome, std::size_t frame_len);
  std::optional<pp_counter> decide_later_fragment(const FramePreview& p, FrameKind kind,
                                                  std::size_t frame_len);
  DatagramState* datagram(const DatagramKey& key);  // nullptr once fragment skipping is off

  SamplingRule sampling_;
  std::size_t linear_max_;  // longer frames are seen in two parts
  std::uint64_t entry_limit_;
  std::uint64_t possible_entries_ = 0;  // upper bound of the kernel table entries we caused
  bool flow_skipping_ = true;
  std::unordered_map<FlowKey, FlowState, FlowKeyHash> flows_;
  std::vector<FlowState*> queued_;  // flows with `queued` set (map nodes do not move)
  std::uint64_t frag_entry_limit_;
  bool frag_skipping_ = true;
  std::unordered_map<DatagramKey, DatagramState, DatagramKeyHash> frags_;
  // The first fragment being run: its datagram, whether it gave a sample, whether the program
  // sees it whole (if not, what it wrote is not inferred from a missing sample).
  std::optional<DatagramKey> pending_first_;
  bool pending_sampled_ = false;
  bool pending_whole_ = false;
  std::array<std::uint64_t, PP_CNT_MAX> skipped_{};
};

}  // namespace protoport::replay
