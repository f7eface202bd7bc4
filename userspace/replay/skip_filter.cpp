// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The parser below follows bpf/protoport.bpf.c and bpf/parse.h check for check: a change there
// must be mirrored here (`replay_fastpath check FILES` proves the two agree on real captures).
#include "replay/skip_filter.h"

#include <unistd.h>

#include <algorithm>

namespace protoport::replay {
namespace {

constexpr std::size_t kEthHeader = 14;
constexpr int kVlanMax = 2;
constexpr int kIpv6ExtMax = 8;
constexpr std::uint8_t kTcp = 6, kUdp = 17;
constexpr std::uint8_t kTcpSyn = 0x02, kTcpAck = 0x10;
// LRU hash: each possible CPU parks up to 128 free entries on its own list, and eviction starts
// when the shared free list runs short; stay below by that much (plus one list of slack).
constexpr std::uint64_t kLruPerCpuFree = 128;

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

void canonicalize(FramePreview& p) {
  int order = std::memcmp(p.key.addr[0], p.key.addr[1], 16);
  if (order == 0) order = be16(reinterpret_cast<const std::uint8_t*>(&p.key.port[0])) >
                                  be16(reinterpret_cast<const std::uint8_t*>(&p.key.port[1]))
                              ? 1
                              : -1;
  p.sender = order > 0 ? 1 : 0;
  if (p.sender == 1) {
    std::swap_ranges(p.key.addr[0], p.key.addr[0] + 16, p.key.addr[1]);
    std::swap(p.key.port[0], p.key.port[1]);
  }
}

struct IpInfo {
  std::size_t l4_off = 0;
  std::size_t ip_end = 0;
  std::uint8_t l4proto = 0;
  bool first_fragment = false;
};

enum class Step { ok, malformed, fragment };

Step parse_ipv4(std::span<const std::uint8_t> f, std::size_t off, FramePreview& p, IpInfo& ip) {
  if (off + 20 > f.size()) return Step::malformed;
  const std::uint8_t* h = &f[off];
  if ((h[0] >> 4) != 4 || (h[0] & 15) < 5) return Step::malformed;
  const std::size_t hlen = (h[0] & 15) * 4u, tot_len = be16(h + 2);
  if (tot_len < hlen || off + tot_len > f.size()) return Step::malformed;
  ip.ip_end = off + tot_len;
  const std::uint16_t frag = be16(h + 6);
  if (frag & 0x1FFF) return Step::fragment;
  ip.first_fragment = (frag & 0x2000) != 0;
  ip.l4proto = h[9];
  p.key.family = PP_FAMILY_V4;
  for (auto* a : {p.key.addr[0], p.key.addr[1]}) a[10] = a[11] = 0xff;
  std::memcpy(&p.key.addr[0][12], h + 12, 4);
  std::memcpy(&p.key.addr[1][12], h + 16, 4);
  ip.l4_off = off + hlen;
  return Step::ok;
}

Step parse_ipv6(std::span<const std::uint8_t> f, std::size_t off, FramePreview& p, IpInfo& ip) {
  if (off + 40 > f.size()) return Step::malformed;
  const std::uint8_t* h = &f[off];
  if ((h[0] >> 4) != 6) return Step::malformed;
  ip.ip_end = off + 40 + be16(h + 4);
  if (ip.ip_end > f.size()) return Step::malformed;
  p.key.family = PP_FAMILY_V6;
  std::memcpy(p.key.addr[0], h + 8, 16);
  std::memcpy(p.key.addr[1], h + 24, 16);
  std::uint8_t next = h[6];
  std::size_t pos = off + 40;
  for (int i = 0; i < kIpv6ExtMax; ++i) {
    switch (next) {
      case 0:    // hop-by-hop
      case 43:   // routing
      case 60:   // destination options
      case 51:   // authentication header: length in 4-byte words
        if (pos + 2 > f.size()) return Step::malformed;
        {
          const std::size_t len = next == 51 ? (f[pos + 1] + 2u) * 4u : (f[pos + 1] + 1u) * 8u;
          next = f[pos];
          pos += len;
        }
        break;
      case 44:  // fragment
        if (pos + 8 > f.size()) return Step::malformed;
        if (be16(&f[pos + 2]) & 0xFFF8) return Step::fragment;
        ip.first_fragment = (f[pos + 3] & 1) != 0;
        next = f[pos];
        pos += 8;
        break;
      default:
        ip.l4proto = next;
        ip.l4_off = pos;
        return Step::ok;
    }
  }
  return Step::malformed;  // the program gives up after kIpv6ExtMax headers too
}

}  // namespace

std::size_t FlowKeyHash::operator()(const FlowKey& k) const {
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

FramePreview preview_frame(std::span<const std::uint8_t> f) {
  FramePreview p;
  if (f.size() < kEthHeader) return p;
  std::uint16_t proto = be16(&f[12]);
  std::size_t off = kEthHeader;
  for (int i = 0; i < kVlanMax && (proto == 0x8100 || proto == 0x88A8); ++i) {
    if (off + 4 > f.size()) return p;
    proto = be16(&f[off + 2]);
    off += 4;
  }
  // Only the first kTestRunLinearMax bytes reach the program: it judges a longer frame on a view
  // we do not model, so such a frame is run, though its key is still worth knowing.
  const bool whole = f.size() <= kTestRunLinearMax;
  IpInfo ip;
  Step step;
  if (proto == 0x0800) {
    step = parse_ipv4(f, off, p, ip);
  } else if (proto == 0x86DD) {
    step = parse_ipv6(f, off, p, ip);
  } else {
    if (whole) p.kind = FrameKind::non_ip;
    return p;
  }
  if (step == Step::malformed || ip.l4_off > ip.ip_end) return p;
  if (step == Step::fragment) {
    if (whole) p.kind = FrameKind::fragment;
    return p;
  }
  bool syn = false;
  std::size_t payload_len = 0;
  const std::size_t l4 = ip.l4_off;
  if (ip.l4proto == kTcp) {
    if (l4 + 20 > f.size() || (f[l4 + 12] >> 4) < 5) return p;
    const std::size_t payload_off = l4 + (f[l4 + 12] >> 4) * 4u;
    if (payload_off > ip.ip_end) return p;
    payload_len = ip.ip_end - payload_off;
    const std::uint8_t flags = f[l4 + 13];
    syn = (flags & kTcpSyn) != 0;
    p.syn = syn;
    p.ack = syn && (flags & kTcpAck) != 0;
  } else if (ip.l4proto == kUdp) {
    if (l4 + 8 > f.size()) return p;
    const std::size_t udp_len = be16(&f[l4 + 4]), l4_len = ip.ip_end - l4;
    if (udp_len < 8 || l4_len < 8) return p;
    if (ip.first_fragment ? udp_len < l4_len : udp_len > l4_len) return p;
    payload_len = udp_len - 8;
  } else {
    if (whole) p.kind = FrameKind::other_l4;
    return p;
  }
  std::memcpy(&p.key.port[0], &f[l4], 2);
  std::memcpy(&p.key.port[1], &f[l4 + 2], 2);
  p.key.proto = ip.l4proto;
  p.has_key = true;
  p.has_payload = payload_len > 0;
  canonicalize(p);
  if (!whole) return p;  // run, key known
  p.kind = ip.l4proto == kTcp && !syn && payload_len == 0 ? FrameKind::tcp_no_payload : FrameKind::flow;
  return p;
}

std::optional<pp_counter> stateless_outcome(FrameKind kind) {
  switch (kind) {
    case FrameKind::non_ip: return PP_OUT_NON_IP;
    case FrameKind::fragment: return PP_OUT_FRAGMENT;
    case FrameKind::other_l4: return PP_OUT_OTHER_L4;
    case FrameKind::tcp_no_payload: return PP_OUT_NO_PAYLOAD;
    case FrameKind::run:
    case FrameKind::flow: return std::nullopt;
  }
  return std::nullopt;
}

SkipFilter::SkipFilter(std::uint32_t samples_per_dir, std::uint32_t max_flows) : samples_per_dir_(samples_per_dir) {
  const long cpus = sysconf(_SC_NPROCESSORS_CONF);
  const std::uint64_t reserve = kLruPerCpuFree * (static_cast<std::uint64_t>(cpus > 0 ? cpus : 1) + 1);
  entry_limit_ = max_flows > reserve ? max_flows - reserve : 0;
  flow_skipping_ = entry_limit_ > 0;
}

std::optional<pp_counter> SkipFilter::skip(pp_counter outcome, std::size_t frame_len) {
  ++skipped_[PP_CNT_PACKETS];
  skipped_[PP_CNT_BYTES] += frame_len;
  ++skipped_[outcome];
  return outcome;
}

std::optional<pp_counter> SkipFilter::decide(const FramePreview& p, std::size_t frame_len) {
  if (const auto outcome = stateless_outcome(p.kind)) return skip(*outcome, frame_len);
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
    return std::nullopt;
  }
  if (p.syn) {
    // The initiator the program takes from it: a SYN's sender, a SYN+ACK's receiver.
    const std::uint8_t syn_init = p.ack ? static_cast<std::uint8_t>(PP_INIT_HI - p.sender)
                                        : static_cast<std::uint8_t>(PP_INIT_LO + p.sender);
    const bool plain = p.kind == FrameKind::flow && !p.has_payload;
    // An entry with this initiator and no sample: the program keeps it and counts no payload.
    if (plain && it->second.fresh_initiator == syn_init) return skip(PP_OUT_NO_PAYLOAD, frame_len);
    // Otherwise it may start the flow over (once any direction has samples, or the initiator
    // differs): relearn from its samples. Run payload-less, it leaves exactly that fresh entry.
    it->second = FlowState{};
    if (plain) it->second.fresh_initiator = syn_init;
    return std::nullopt;
  }
  if (p.kind != FrameKind::flow || !it->second.complete[p.sender]) return std::nullopt;
  return skip(p.has_payload ? PP_OUT_ALREADY_SAMPLED : PP_OUT_NO_PAYLOAD, frame_len);
}

void SkipFilter::on_sample(const pp_sample& s) {
  if (!flow_skipping_) return;
  FramePreview p;
  std::memcpy(p.key.addr[0], s.saddr, 16);
  std::memcpy(p.key.addr[1], s.daddr, 16);
  const std::uint8_t ports[4] = {static_cast<std::uint8_t>(s.sport >> 8), static_cast<std::uint8_t>(s.sport),
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
  if (s.seq + 1u >= samples_per_dir_) state.complete[p.sender] = true;
}

void SkipFilter::clear() {
  flows_.clear();
  possible_entries_ = 0;
  flow_skipping_ = entry_limit_ > 0;
}

}  // namespace protoport::replay
