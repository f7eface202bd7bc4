// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The parser below follows bpf/protoport.bpf.c and bpf/parse.h check for check, with the limits
// and offsets both take from include/protoport/parse_limits.h: a change of a check there must
// be mirrored here (`bpf.replay_fastpath_check` in ctest runs `replay_fastpath check` on the
// corpus and fails on any frame the two judge differently).
#include "replay/skip_filter.h"

#include <unistd.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "protoport/parse_limits.h"

namespace protoport::replay {
namespace {

// What the two-argument constructor assumes of the LRU flow tables (loader::KernelLimits has
// the reasoning): 128 free entries per configured CPU, plus one list of slack.
constexpr std::uint64_t kAssumedLruPerCpuFree = 128;

std::uint64_t assumed_lru_free_reserve() {
  const long cpus = sysconf(_SC_NPROCESSORS_CONF);
  return kAssumedLruPerCpuFree * (static_cast<std::uint64_t>(cpus > 0 ? cpus : 1) + 1);
}

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }
std::uint32_t be32(const std::uint8_t* p) {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

// The program's key order (pp_source_endpoint): the key starts in packet order, source first.
void canonicalize(FramePreview& p) {
  p.sender = static_cast<std::uint8_t>(pp_source_endpoint(
      p.key.addr[0], be16(reinterpret_cast<const std::uint8_t*>(&p.key.port[0])), p.key.addr[1],
      be16(reinterpret_cast<const std::uint8_t*>(&p.key.port[1]))));
  if (p.sender == 1) {
    std::swap_ranges(p.key.addr[0], p.key.addr[0] + 16, p.key.addr[1]);
    std::swap(p.key.port[0], p.key.port[1]);
  }
}

struct IpInfo {
  std::size_t l4_off = 0;  // a later fragment: where its payload starts
  std::size_t ip_end = 0;
  std::uint8_t l4proto = 0;  // a later fragment: the protocol its header names
  bool first_fragment = false;
  std::uint32_t id = 0;  // IPv4 identification, or that of the last IPv6 fragment header
};

enum class Step { ok, malformed, fragment };

Step parse_ipv4(std::span<const std::uint8_t> f, std::size_t off, FramePreview& p, IpInfo& ip) {
  if (off + PP_IPV4_HLEN_MIN > f.size()) return Step::malformed;
  const std::uint8_t* h = &f[off];
  if ((h[0] >> 4) != 4 || (h[0] & 15) < PP_IPV4_IHL_MIN) return Step::malformed;
  const std::size_t hlen = (h[0] & 15) * 4u, tot_len = be16(h + PP_IPV4_TOT_LEN_OFFSET);
  if (tot_len < hlen || off + tot_len > f.size()) return Step::malformed;
  ip.ip_end = off + tot_len;
  p.key.family = PP_FAMILY_V4;
  for (auto* a : {p.key.addr[0], p.key.addr[1]}) a[10] = a[11] = 0xff;
  std::memcpy(&p.key.addr[0][12], h + PP_IPV4_SADDR_OFFSET, 4);
  std::memcpy(&p.key.addr[1][12], h + PP_IPV4_DADDR_OFFSET, 4);
  ip.l4proto = h[PP_IPV4_PROTO_OFFSET];
  ip.l4_off = off + hlen;
  ip.id = be16(h + PP_IPV4_ID_OFFSET);
  const std::uint16_t frag = be16(h + PP_IPV4_FRAG_OFF_OFFSET);
  if (frag & PP_IP_OFFSET_MASK) return Step::fragment;
  ip.first_fragment = (frag & PP_IP_MF) != 0;
  return Step::ok;
}

Step parse_ipv6(std::span<const std::uint8_t> f, std::size_t off, FramePreview& p, IpInfo& ip) {
  if (off + PP_IPV6_HLEN > f.size()) return Step::malformed;
  const std::uint8_t* h = &f[off];
  if ((h[0] >> 4) != 6) return Step::malformed;
  ip.ip_end = off + PP_IPV6_HLEN + be16(h + PP_IPV6_PAYLOAD_LEN_OFFSET);
  if (ip.ip_end > f.size()) return Step::malformed;
  p.key.family = PP_FAMILY_V6;
  std::memcpy(p.key.addr[0], h + PP_IPV6_SADDR_OFFSET, 16);
  std::memcpy(p.key.addr[1], h + PP_IPV6_DADDR_OFFSET, 16);
  std::uint8_t next = h[PP_IPV6_NEXTHDR_OFFSET];
  std::size_t pos = off + PP_IPV6_HLEN;
  for (int i = 0; i < PP_IPV6_EXT_MAX; ++i) {
    switch (next) {
      case PP_NEXTHDR_HOP:
      case PP_NEXTHDR_ROUTING:
      case PP_NEXTHDR_DEST:
      case PP_NEXTHDR_AUTH:  // length in 4-byte words
        if (pos + PP_IPV6_OPT_HLEN > f.size()) return Step::malformed;
        {
          const std::size_t hdrlen = f[pos + PP_IPV6_OPT_LEN_OFFSET];
          const std::size_t len =
              next == PP_NEXTHDR_AUTH ? PP_IPV6_AH_BYTES(hdrlen) : PP_IPV6_OPT_BYTES(hdrlen);
          next = f[pos + PP_IPV6_OPT_NEXTHDR_OFFSET];
          pos += len;
        }
        break;
      case PP_NEXTHDR_FRAGMENT:
        if (pos + PP_IPV6_FRAG_HLEN > f.size()) return Step::malformed;
        {
          const std::uint16_t frag = be16(&f[pos + PP_IPV6_FRAG_OFF_OFFSET]);
          ip.id = be32(&f[pos + PP_IPV6_FRAG_ID_OFFSET]);
          if (frag & PP_IP6_OFFSET_MASK) {
            // A later fragment: its payload follows this header, which must end in the datagram.
            ip.l4proto = f[pos + PP_IPV6_OPT_NEXTHDR_OFFSET];
            ip.l4_off = pos + PP_IPV6_FRAG_HLEN;
            return ip.l4_off > ip.ip_end ? Step::malformed : Step::fragment;
          }
          ip.first_fragment = (frag & PP_IP6_MF) != 0;
        }
        next = f[pos + PP_IPV6_OPT_NEXTHDR_OFFSET];
        pos += PP_IPV6_FRAG_HLEN;
        break;
      default:
        ip.l4proto = next;
        ip.l4_off = pos;
        return Step::ok;
    }
  }
  return Step::malformed;  // the program gives up after PP_IPV6_EXT_MAX steps too
}

// Both keys (38 and 40 bytes) have no padding the compiler adds: hashed as five words.
template <class Key>
std::size_t hash_key(const Key& k) {
  static_assert(sizeof(Key) <= 40 && std::has_unique_object_representations_v<Key>);
  std::uint64_t w[5] = {};
  std::memcpy(w, &k, sizeof(k));
  std::uint64_t h = 0x9E3779B97F4A7C15ull;
  for (std::uint64_t x : w) {
    h ^= x;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  return static_cast<std::size_t>(h);
}

}  // namespace

std::size_t FlowKeyHash::operator()(const FlowKey& k) const { return hash_key(k); }
std::size_t DatagramKeyHash::operator()(const DatagramKey& k) const { return hash_key(k); }

FramePreview preview_frame(std::span<const std::uint8_t> f) {
  FramePreview p;
  if (f.size() < PP_ETH_HLEN) return p;
  std::uint16_t proto = be16(&f[PP_ETH_PROTO_OFFSET]);
  std::size_t off = PP_ETH_HLEN;
  for (int i = 0; i < PP_VLAN_MAX && (proto == PP_ETH_P_8021Q || proto == PP_ETH_P_8021AD); ++i) {
    if (off + PP_VLAN_HLEN > f.size()) return p;
    proto = be16(&f[off + PP_VLAN_PROTO_OFFSET]);
    off += PP_VLAN_HLEN;
  }
  // The kind is what the program does with the frame seen whole. A frame longer than a test
  // run's linear part reaches it as that part plus fragments: headers_end and ip_end tell
  // SkipFilter::decide() whether that changes anything.
  IpInfo ip;
  Step step;
  if (proto == PP_ETH_P_IP) {
    step = parse_ipv4(f, off, p, ip);
  } else if (proto == PP_ETH_P_IPV6) {
    step = parse_ipv6(f, off, p, ip);
  } else {
    p.kind = FrameKind::non_ip;
    p.headers_end = static_cast<std::uint32_t>(off);
    return p;
  }
  if (step == Step::malformed || ip.l4_off > ip.ip_end) return p;
  p.ip_end = static_cast<std::uint32_t>(ip.ip_end);
  p.headers_end = static_cast<std::uint32_t>(ip.l4_off);
  p.frag_id = ip.id;
  p.frag_proto = ip.l4proto;
  if (step == Step::fragment) {
    // A later fragment: a TCP/UDP one is sampled or not by what pp_frags holds of its datagram
    // (SkipFilter knows or runs it); any other is only counted.
    p.later_fragment = true;  // the key keeps the addresses, in packet order: has_key is false
    p.kind = ip.l4proto == PP_IPPROTO_TCP || ip.l4proto == PP_IPPROTO_UDP
                 ? FrameKind::later_fragment
                 : FrameKind::fragment;
    return p;
  }
  p.first_fragment = ip.first_fragment;
  bool syn = false;
  std::size_t payload_len = 0;
  const std::size_t l4 = ip.l4_off;
  if (ip.l4proto == PP_IPPROTO_TCP) {
    if (l4 + PP_TCP_HLEN_MIN > f.size()) return p;
    const std::size_t doff = f[l4 + PP_TCP_DOFF_OFFSET] >> 4;
    if (doff < PP_TCP_DOFF_MIN) return p;
    const std::size_t payload_off = l4 + doff * 4u;
    if (payload_off > ip.ip_end) return p;
    payload_len = ip.ip_end - payload_off;
    const std::uint8_t flags = f[l4 + PP_TCP_FLAGS_OFFSET];
    syn = (flags & PP_TCP_SYN) != 0;
    p.syn = syn;
    p.ack = syn && (flags & PP_TCP_ACK) != 0;
    p.tcp_seq = be32(&f[l4 + PP_TCP_SEQ_OFFSET]);
  } else if (ip.l4proto == PP_IPPROTO_UDP) {
    if (l4 + PP_UDP_HLEN > f.size()) return p;
    const std::size_t udp_len = be16(&f[l4 + PP_UDP_LEN_OFFSET]), l4_len = ip.ip_end - l4;
    if (udp_len < PP_UDP_HLEN || l4_len < PP_UDP_HLEN) return p;
    if (ip.first_fragment ? udp_len < l4_len : udp_len > l4_len) return p;
    payload_len = udp_len - PP_UDP_HLEN;
  } else {
    p.kind = FrameKind::other_l4;
    return p;
  }
  p.headers_end = static_cast<std::uint32_t>(
      l4 + (ip.l4proto == PP_IPPROTO_TCP ? PP_TCP_HLEN_MIN : PP_UDP_HLEN));
  std::memcpy(&p.key.port[0], &f[l4 + PP_L4_SPORT_OFFSET], 2);
  std::memcpy(&p.key.port[1], &f[l4 + PP_L4_DPORT_OFFSET], 2);
  p.key.proto = ip.l4proto;
  p.has_key = true;
  p.has_payload = payload_len > 0;
  canonicalize(p);
  if (ip.first_fragment) return p;  // run, key known: a first fragment writes pp_frags
  p.kind = ip.l4proto == PP_IPPROTO_TCP && !syn && payload_len == 0 ? FrameKind::tcp_no_payload
                                                                    : FrameKind::flow;
  return p;
}

std::optional<pp_counter> stateless_outcome(FrameKind kind) {
  switch (kind) {
    case FrameKind::non_ip: return PP_OUT_NON_IP;
    case FrameKind::fragment: return PP_OUT_FRAGMENT;
    case FrameKind::other_l4: return PP_OUT_OTHER_L4;
    case FrameKind::tcp_no_payload: return PP_OUT_NO_PAYLOAD;
    case FrameKind::run:
    case FrameKind::flow:
    case FrameKind::later_fragment: return std::nullopt;
  }
  return std::nullopt;
}

SkipFilter::SkipFilter(SamplingRule sampling, std::uint32_t max_flows,
                       std::size_t test_run_linear_max, std::uint64_t lru_free_reserve)
    : sampling_(sampling),
      linear_max_(test_run_linear_max == 0 ? kTestRunLinearFloor : test_run_linear_max) {
  // Below the floor, FrameFeed may have dropped the bytes of a frame this limit says to run.
  if (linear_max_ < kTestRunLinearFloor)
    throw std::invalid_argument(
        "skip filter: test_run linear data of " + std::to_string(linear_max_) +
        " bytes is below the least any kernel gives (" + std::to_string(kTestRunLinearFloor) + ")");
  entry_limit_ = max_flows > lru_free_reserve ? max_flows - lru_free_reserve : 0;
  flow_skipping_ = entry_limit_ > 0;
  frag_entry_limit_ = PP_FRAGS_DEFAULT > lru_free_reserve ? PP_FRAGS_DEFAULT - lru_free_reserve : 0;
  frag_skipping_ = frag_entry_limit_ > 0;
}

SkipFilter::SkipFilter(SamplingRule sampling, std::uint32_t max_flows)
    : SkipFilter(sampling, max_flows, kTestRunLinearMax, assumed_lru_free_reserve()) {}

std::optional<pp_counter> SkipFilter::skip(pp_counter outcome, std::size_t frame_len) {
  ++skipped_[PP_CNT_PACKETS];
  skipped_[PP_CNT_BYTES] += frame_len;
  ++skipped_[outcome];
  return outcome;
}

SkipFilter::DatagramState* SkipFilter::datagram(const DatagramKey& key) {
  if (!frag_skipping_) return nullptr;
  auto [it, inserted] = frags_.try_emplace(key);
  // Every datagram a run frame may have written counts: past the limit the LRU may evict.
  if (inserted && frags_.size() > frag_entry_limit_) {
    frag_skipping_ = false;
    frags_.clear();  // no longer needed: free it
    pending_first_.reset();
    return nullptr;
  }
  return &it->second;
}

std::optional<pp_counter> SkipFilter::decide_later_fragment(const FramePreview& p, FrameKind kind,
                                                            std::size_t frame_len) {
  DatagramState* d = datagram(p.datagram());  // a run one may create its entry: counted
  if (d == nullptr || kind != FrameKind::later_fragment) return std::nullopt;
  // The program looks the entry up and returns: "ignore", or its samples all taken.
  if (d->state == PP_FRAG_IGNORE ||
      (d->state == PP_FRAG_SAMPLE && d->sampled >= PP_FRAG_SAMPLES_MAX))
    return skip(PP_OUT_FRAGMENT, frame_len);
  return std::nullopt;  // absent or sampling: creates or bumps it, and gives a sample
}

std::optional<pp_counter> SkipFilter::decide(const FramePreview& p, std::size_t frame_len) {
  // Longer than this kernel's test runs give whole: the program reads the headers in the
  // linear part and the rest through the fragments, and counts every byte once the IP datagram
  // (or a non-IP frame) runs past that part. Judged as whole then; otherwise run, key kept.
  const bool as_whole = frame_len <= linear_max_ ||
                        (p.headers_end != 0 && p.headers_end <= linear_max_ &&
                         (p.ip_end == 0 || p.ip_end > linear_max_));
  const FrameKind kind = as_whole ? p.kind : FrameKind::run;
  if (const auto outcome = stateless_outcome(kind)) return skip(*outcome, frame_len);
  // A later fragment never makes a flow entry: the program parses it no further than its IP
  // header (or calls it malformed).
  if (p.later_fragment) return decide_later_fragment(p, kind, frame_len);
  if (p.first_fragment && p.has_key && p.has_payload && datagram(p.datagram()) != nullptr) {
    // Always run (kind run): the program samples it or not and writes that in pp_frags.
    pending_first_ = p.datagram();
    pending_sampled_ = false;
    pending_whole_ = frame_len <= linear_max_;
  }
  if (!flow_skipping_) return std::nullopt;
  if (!p.has_key) {
    // Unparsed here: the program may still create an entry for it. Count one, to be safe.
    if (++possible_entries_ > entry_limit_) flow_skipping_ = false;
    return std::nullopt;
  }
  auto [it, inserted] = flows_.try_emplace(p.key);
  if (inserted && ++possible_entries_ > entry_limit_) {
    flow_skipping_ = false;
    flows_.clear();  // no longer needed: free it
    queued_.clear();
    return std::nullopt;
  }
  FlowState* const flow = &it->second;
  const auto run = [&] {  // the frame will run: its flow is queued until runs_done()
    if (!std::exchange(flow->queued, true)) queued_.push_back(flow);
    return std::nullopt;
  };
  if (p.syn) {
    // The initiator the program takes from it: a SYN's sender, a SYN+ACK's receiver.
    const std::uint8_t syn_init = p.ack ? static_cast<std::uint8_t>(PP_INIT_HI - p.sender)
                                        : static_cast<std::uint8_t>(PP_INIT_LO + p.sender);
    const bool plain = kind == FrameKind::flow && !p.has_payload;
    FlowState& state = it->second;
    // An entry with this initiator and no sample, where this sender's stream already starts at
    // this SYN's number: the program keeps it as it is and counts no payload.
    if (plain && state.fresh_initiator == syn_init && state.start_known[p.sender] &&
        state.tcp_start[p.sender] == p.tcp_seq + 1)
      return skip(PP_OUT_NO_PAYLOAD, frame_len);
    // Otherwise it may start the flow over (once any direction has samples, or the initiator
    // differs) or note where the sender's stream starts: relearn from its samples. Run
    // payload-less, it leaves exactly that fresh entry, with the sender's start noted.
    if (!plain || state.fresh_initiator != syn_init) state = FlowState{};
    if (plain) {
      state.fresh_initiator = syn_init;
      state.start_known[p.sender] = true;
      state.tcp_start[p.sender] = p.tcp_seq + 1;
    }
    return run();
  }
  if (kind != FrameKind::flow || !it->second.complete[p.sender]) return run();
  return skip(p.has_payload ? PP_OUT_ALREADY_SAMPLED : PP_OUT_NO_PAYLOAD, frame_len);
}

bool SkipFilter::must_run_queue_first(const FramePreview& p) const {
  if (!p.syn || !p.has_key || !flow_skipping_) return false;
  const auto it = flows_.find(p.key);
  return it != flows_.end() && it->second.queued;
}

void SkipFilter::on_sample(const pp_sample& s) {
  if (s.flags & PP_SAMPLE_F_LATER_FRAGMENT) {
    // Its datagram's entry exists now (created by this fragment, or found sampling) and has
    // s.seq + 1 samples. Addresses in packet order, as in the key.
    DatagramKey key;
    std::memcpy(key.addr[0], s.saddr, 16);
    std::memcpy(key.addr[1], s.daddr, 16);
    key.id = s.ip_id;
    key.proto = s.proto;
    key.family = s.family;
    if (DatagramState* d = datagram(key)) {
      d->state = PP_FRAG_SAMPLE;
      d->sampled = std::max<std::uint32_t>(d->sampled, s.seq + 1u);
    }
    return;
  }
  if (s.flags & PP_SAMPLE_F_FRAGMENT) pending_sampled_ = true;  // the first fragment's sample
  if (!flow_skipping_) return;
  FramePreview p;
  std::memcpy(p.key.addr[0], s.saddr, 16);
  std::memcpy(p.key.addr[1], s.daddr, 16);
  const std::uint8_t ports[4] = {
      static_cast<std::uint8_t>(s.sport >> 8), static_cast<std::uint8_t>(s.sport),
      static_cast<std::uint8_t>(s.dport >> 8), static_cast<std::uint8_t>(s.dport)};
  std::memcpy(&p.key.port[0], &ports[0], 2);  // the sample has host order, keys network order
  std::memcpy(&p.key.port[1], &ports[2], 2);
  p.key.proto = s.proto;
  p.key.family = s.family;
  canonicalize(p);
  // Every slot the program counts in an entry's `sampled` becomes a sample here: replay drains
  // the ring buffer after each run and a run emits at most one, so the ring is never full
  // (ringbuf_full would count a slot without its sample, and the entry would not be fresh).
  FlowState& state = flows_[p.key];
  state.fresh_initiator = 0;  // the entry has a sample now
  const bool tcp = s.proto == PP_IPPROTO_TCP;
  if (tcp)  // as the program counts them
    state.sampled_bytes[p.sender] =
        pp_opening_advance(state.sampled_bytes[p.sender], s.flags & PP_SAMPLE_F_TCP_START,
                           s.tcp_seq - s.tcp_start, s.payload_len);
  if (!sampling_.wants(s.seq + 1u, state.sampled_bytes[p.sender], tcp))
    state.complete[p.sender] = true;
}

void SkipFilter::runs_done(bool ran) {
  for (FlowState* f : queued_) f->queued = false;
  queued_.clear();
  if (!pending_first_) return;
  const DatagramKey key = *std::exchange(pending_first_, std::nullopt);
  const auto it = frags_.find(key);
  if (it == frags_.end()) return;  // fragment skipping went off meanwhile
  // The program wrote a fresh entry: "sample" after sampling this first fragment, "ignore"
  // otherwise. (Its flow entry cannot fail to be made in a replay: one frame at a time, in a
  // table with free entries. Should a frame it does not see whole have ended earlier, e.g.
  // malformed in its view, nothing was written: not inferred.)
  if (ran && pending_sampled_)
    it->second = DatagramState{PP_FRAG_SAMPLE, 0};
  else if (ran && pending_whole_)
    it->second = DatagramState{PP_FRAG_IGNORE, 0};
  else
    it->second = DatagramState{};
}

void SkipFilter::clear() {
  flows_.clear();
  queued_.clear();
  possible_entries_ = 0;
  flow_skipping_ = entry_limit_ > 0;
  frags_.clear();
  pending_first_.reset();
  frag_skipping_ = frag_entry_limit_ > 0;
}

}  // namespace protoport::replay
