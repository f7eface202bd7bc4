// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "detect/flow_tracker.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace protoport {

namespace {

// A multicast group (IPv4 224.0.0.0/4, IPv6 ff00::/8) or the IPv4 limited broadcast; IPv4
// addresses are v4-mapped.
bool group_address(const std::uint8_t (&addr)[16], bool v4) {
  if (!v4) return addr[0] == 0xff;
  return (addr[12] & 0xf0) == 0xe0 ||
         (addr[12] == 0xff && addr[13] == 0xff && addr[14] == 0xff && addr[15] == 0xff);
}

}  // namespace

fingerprint::Delivery FlowTracker::delivery_of(const Slot& f, int resp) {
  const Key& k = f.key();
  const bool v4 = k.family == PP_FAMILY_V4;
  return {k.port[resp], group_address(k.addr[0], v4) || group_address(k.addr[1], v4)};
}

bool FlowTracker::Key::operator==(const Key& o) const {
  return std::memcmp(addr, o.addr, sizeof addr) == 0 && port[0] == o.port[0] &&
         port[1] == o.port[1] && proto == o.proto && family == o.family && flow_ns == o.flow_ns;
}

std::size_t FlowTracker::KeyHash::operator()(const Key& k) const {
  // Eight bytes at a time with a multiply-xorshift mix: keys come from the network, but each
  // holds the kernel's flow_ns, which no sender chooses, and the table is bounded regardless.
  std::uint64_t words[5];
  std::memcpy(words, k.addr, sizeof k.addr);
  std::uint64_t h = (std::uint64_t{k.port[0]} << 32) ^ (std::uint64_t{k.port[1]} << 16) ^
                    (std::uint64_t{k.proto} << 8) ^ k.family;
  words[4] = k.flow_ns;
  for (const std::uint64_t w : words) {
    h ^= w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return static_cast<std::size_t>(h);
}

std::uint64_t FlowTracker::fingerprint_of(const Key& k) const {
  std::uint64_t h = KeyHash{}(k) ^ seed_;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 31;
  h ^= seed_ >> 7;
  h *= 0x94d049bb133111ebull;
  return h ^ (h >> 29);
}

std::uint64_t FlowTracker::endpoint_hash(const Key& k, int side) {
  std::uint64_t words[2];
  std::memcpy(words, k.addr[side], sizeof words);
  std::uint64_t h = (std::uint64_t{k.port[side]} << 8 | k.proto) + 0x9e3779b97f4a7c15ull;
  for (const std::uint64_t w : words) {
    h ^= w + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
  }
  return h;
}

FlowTracker::FlowTracker(FlowTrackerLimits limits, VerdictSink sink)
    : limits_(limits),
      sink_(std::move(sink)),
      flows_(limits.max_flows),
      decided_(std::max<std::size_t>(limits.max_flows, 1)),
      seed_(std::uint64_t{std::random_device{}()} << 32 | std::random_device{}()),
      known_servers_(std::max<std::size_t>(limits.max_flows, 1)),
      reassembly_(limits.fragments,
                  [this](const pp_sample& s, std::span<const std::uint8_t> p, std::int64_t w) {
                    on_whole_sample(s, p, w);
                  }) {
  limits_.max_flows = flows_.capacity();  // 0 is taken as 1
  flows_.reserve(std::min<std::size_t>(limits_.max_flows, 1 << 16));
}

FlowTracker::Slot* FlowTracker::find_or_add(const Key& key, std::int64_t wall_ns) {
  if (Slot* f = flows_.find(key)) {
    flows_.touch(*f);  // most recently active to the front
    return f;
  }
  // Decided already: a late sample. (Its key holds the kernel's flow_ns, and the kernel's
  // direction of every sample of one entry is the same: the first one noted its server.)
  if (decided_.contains(fingerprint_of(key))) return nullptr;
  while (flows_.full()) evict_oldest();
  Slot& f = flows_.insert(key);
  f.value.first_wall_ns = wall_ns;
  f.value.last_wall_ns = wall_ns;
  ++stats_.flows;
  return &f;
}

void FlowTracker::evict_oldest() {
  ++stats_.evicted_undecided;
  decide(*flows_.oldest(), true);  // which forgets it
}

std::span<const std::uint8_t> FlowTracker::opening_bytes(const Slot& f, int side) const {
  if (!f.value.opening) return {};
  return f.value.opening->stream[side].bytes();
}

std::uint32_t FlowTracker::stream_offset(Flow& f, int sender, const pp_sample& s) {
  const bool first = f.samples[sender] == 1;
  if (s.flags & PP_SAMPLE_F_TCP_START) {
    // The kernel saw this side's SYN or SYN+ACK: offset 0 is the side's first byte.
    f.tcp_base[sender] = s.tcp_start;
    if (first) f.from_start[sender] = true;
  } else if (first) {
    // Seen mid-stream (or its SYN was not): the first sample sampled is offset 0, and it is the
    // opening only if it was the kernel's first sample of the side.
    f.tcp_base[sender] = s.tcp_seq;
    f.from_start[sender] = s.seq == 0;
  }
  return s.tcp_seq - f.tcp_base[sender];  // modulo 2^32, as sequence numbers are
}

bool FlowTracker::add_to_stream(Slot& slot, int sender, std::uint32_t offset, const pp_sample& s,
                                std::span<const std::uint8_t> payload) {
  Flow& f = slot.value;
  if (!f.opening)
    f.opening = std::make_unique<Opening>(limits_.max_bytes_per_side, kMaxPendingSegments);
  const std::uint64_t conflicts_before = stats_.tcp.conflicts;
  const bool grew = f.opening->stream[sender].add(offset, payload, s.payload_len, stats_.tcp);
  const std::uint64_t conflicts = f.conflicts + (stats_.tcp.conflicts - conflicts_before);
  f.conflicts = static_cast<std::uint32_t>(std::min<std::uint64_t>(conflicts, 0xffffffffu));
  return grew;
}

bool FlowTracker::all_sampled(const Slot& slot) const {
  const Flow& f = slot.value;
  const bool tcp = slot.key().proto == PP_IPPROTO_TCP;
  return !limits_.sampling.wants(f.sampled[0], f.sampled_bytes[0], tcp) &&
         !limits_.sampling.wants(f.sampled[1], f.sampled_bytes[1], tcp);
}

void FlowTracker::on_sample(const pp_sample& s, std::span<const std::uint8_t> payload,
                            std::int64_t wall_ns) {
  ++stats_.samples;
  if ((s.proto != PP_IPPROTO_TCP && s.proto != PP_IPPROTO_UDP) ||
      (s.family != PP_FAMILY_V4 && s.family != PP_FAMILY_V6) || payload.size() != s.cap_len) {
    ++stats_.samples_invalid;
    return;
  }
  if (s.flags & PP_SAMPLE_F_FRAGMENT) {
    reassembly_.add(s, payload, wall_ns);  // delivered here (on_whole_sample) once whole
    return;
  }
  on_whole_sample(s, payload, wall_ns);
}

void FlowTracker::on_whole_sample(const pp_sample& s, std::span<const std::uint8_t> payload,
                                  std::int64_t wall_ns) {
  Key key{};
  const int sender = pp_source_endpoint(s.saddr, s.sport, s.daddr, s.dport);
  std::memcpy(key.addr[sender], s.saddr, 16);
  std::memcpy(key.addr[1 - sender], s.daddr, 16);
  key.port[sender] = s.sport;
  key.port[1 - sender] = s.dport;
  key.proto = s.proto;
  key.family = s.family;
  key.flow_ns = s.flow_ns;

  Slot* const found = find_or_add(key, wall_ns);
  if (found == nullptr) {
    ++stats_.samples_after_verdict;
    return;
  }
  Slot& slot = *found;
  Flow& f = slot.value;
  f.last_wall_ns = std::max(f.last_wall_ns, wall_ns);
  if (f.sock_cookie == 0) f.sock_cookie = s.sock_cookie;
  if (s.dir == PP_DIR_TO_RESP) f.kernel_initiator = static_cast<std::int8_t>(sender);
  if (s.dir == PP_DIR_TO_INIT) f.kernel_initiator = static_cast<std::int8_t>(1 - sender);
  if (s.proto == PP_IPPROTO_TCP && f.kernel_initiator >= 0 && !f.server_noted) {
    known_servers_.insert(endpoint_hash(key, 1 - f.kernel_initiator));
    f.server_noted = true;
  }
  if (f.kept.size() < limits_.keep_samples) {
    SampledPacket& k = f.kept.emplace_back();
    k.wall_ns = wall_ns;
    k.v6 = s.family == PP_FAMILY_V6;
    std::memcpy(k.saddr, s.saddr, 16);
    std::memcpy(k.daddr, s.daddr, 16);
    k.sport = s.sport;
    k.dport = s.dport;
    k.tcp = s.proto == PP_IPPROTO_TCP;
    k.tcp_flags = s.tcp_flags;
    k.tcp_seq = s.tcp_seq;
    k.payload_len = s.payload_len;
    k.payload.assign(payload.begin(), payload.end());
  }

  if (f.samples[sender] == 0 && s.proto == PP_IPPROTO_UDP) f.from_start[sender] = s.seq == 0;
  if (f.samples[sender] < 255) ++f.samples[sender];
  // The kernel's count for the side: its sample index says so even when a sample was lost.
  f.sampled[sender] = std::max({f.sampled[sender], f.samples[sender],
                                static_cast<std::uint8_t>(std::min(s.seq + 1, 255))});
  const auto transport = transport_of(slot);
  // UDP: each datagram stands alone. TCP: the opening of one direction may span segments (cut
  // anywhere, reordered, retransmitted): they are put in stream order, as the receiving stack
  // delivers them, and the bytes in order are classified each time they grow.
  std::span<const std::uint8_t> bytes = payload;
  const bool tcp = transport == fingerprint::Transport::tcp;
  std::uint32_t offset = 0;
  if (tcp) {
    // As the kernel counts them (pp_opening_advance), to know when no more samples come.
    f.sampled_bytes[sender] =
        pp_opening_advance(f.sampled_bytes[sender], s.flags & PP_SAMPLE_F_TCP_START,
                           s.tcp_seq - s.tcp_start, s.payload_len);
    offset = stream_offset(f, sender, s);
    // The common case, the side's first segment at offset 0, is classified as it is and copied
    // only if it does not decide.
    if (f.opening || offset != 0) {
      if (!add_to_stream(slot, sender, offset, s, payload)) {
        if (all_sampled(slot)) decide(slot, false);
        return;
      }
      bytes = f.opening->stream[sender].bytes();
    }
  }

  fingerprint::Result r = fingerprint::classify_payload(bytes, transport);
  if (r.app != fingerprint::App::unknown) {
    decide_with(slot, sender, bytes, std::move(r));
    return;
  }
  note_unrecognised(slot, sender, bytes);
  // Every sample the kernel will send has come and none spoke: decide now, not at the timeout.
  if (all_sampled(slot)) {
    decide(slot, false);
    return;
  }
  // Keep the first segment for the next ones. UDP keeps no bytes: each datagram was judged
  // alone, and nothing later can change that.
  if (tcp && !f.opening) add_to_stream(slot, sender, offset, s, payload);
}

void FlowTracker::note_unrecognised(Slot& slot, int sender, std::span<const std::uint8_t> bytes) {
  Flow& f = slot.value;
  const auto transport = transport_of(slot);
  f.opening_len[sender] = static_cast<std::uint16_t>(
      std::max<std::size_t>(f.opening_len[sender], std::min<std::size_t>(bytes.size(), 0xffff)));
  if (fingerprint::continuation_form(bytes, transport)) f.continuation = true;
  // The loose shapes depend on the side (a reply code from the server, a request line from the
  // client): only meaningful once the initiator is known, which it is whenever the opening can
  // be complete (TCP from its handshake, UDP always).
  if (f.kernel_initiator < 0) return;
  const std::span<const std::uint8_t> none;
  f.plausible |= sender == f.kernel_initiator ? fingerprint::plausible_apps(bytes, none, transport)
                                              : fingerprint::plausible_apps(none, bytes, transport);
}

bool FlowTracker::opening_complete(const Slot& slot, int init) const {
  const Flow& f = slot.value;
  const int resp = 1 - init;
  // TCP first seen mid-stream, or a side whose first sample was not its direction's first:
  // the bytes classified are not the opening.
  if (f.continuation || f.kernel_initiator < 0 || !f.from_start[init]) return false;
  if (f.samples[resp] > 0 && !f.from_start[resp]) return false;
  const std::size_t a = f.opening_len[init], b = f.opening_len[resp];
  return a >= kMinUnknownOpening ||
         (a >= kMinDecisive && b >= kMinDecisive && a + b >= kMinUnknownOpening);
}

FlowTracker::Direction FlowTracker::initiator_of(const Slot& slot, int sender,
                                                 fingerprint::Role role) const {
  const Flow& f = slot.value;
  const Key& k = slot.key();
  // A TCP SYN is the best witness. Next, the payload: a query or a request is sent by the
  // client, whatever packet the kernel saw first (on a host that sees only replies, the first
  // UDP packet is the reply). Then an endpoint seen accepting another connection is the server.
  // Last, UDP's first datagram, and for TCP seen mid-stream the lower port as the server's.
  if (k.proto == PP_IPPROTO_TCP && f.kernel_initiator >= 0)
    return {f.kernel_initiator, DirectionBy::syn};
  if (role == fingerprint::Role::client) return {sender, DirectionBy::payload};
  if (role == fingerprint::Role::server) return {1 - sender, DirectionBy::payload};
  if (k.proto == PP_IPPROTO_TCP) {
    const bool server0 = known_servers_.contains(endpoint_hash(k, 0));
    const bool server1 = known_servers_.contains(endpoint_hash(k, 1));
    if (server0 != server1) return {server0 ? 1 : 0, DirectionBy::known_server};
  }
  if (f.kernel_initiator >= 0) return {f.kernel_initiator, DirectionBy::first_packet};
  return {k.port[0] <= k.port[1] ? 1 : 0, DirectionBy::port};
}

void FlowTracker::decide_with(Slot& f, int sender, std::span<const std::uint8_t> sender_bytes,
                              fingerprint::Result r) {
  const Direction dir = initiator_of(f, sender, r.role);
  const int init = dir.initiator;
  const int resp = 1 - init;
  const int other = 1 - sender;
  if (opening_bytes(f, other).empty()) {
    // Only the sender has spoken: the flow's verdict is this classification (common case; no
    // second pass over the same bytes).
    r.app = fingerprint::name_for_delivery(r, delivery_of(f, resp));
    emit(f, dir, std::move(r));
    return;
  }
  const auto from_init = init == sender ? sender_bytes : opening_bytes(f, init);
  const auto from_resp = resp == sender ? sender_bytes : opening_bytes(f, resp);
  emit(f, dir,
       fingerprint::classify_flow(from_init, from_resp, transport_of(f), delivery_of(f, resp)));
}

void FlowTracker::decide(Slot& f, bool on_timeout) {
  if (on_timeout) ++stats_.verdicts_on_timeout;
  // Every byte this flow sent was classified as it came (joined per TCP direction) and none was
  // recognised: the flow-level rule only chooses between per-direction results, so the verdict
  // is unknown without another pass.
  emit(f, initiator_of(f, 0, fingerprint::Role::unknown), fingerprint::Result{});
}

void FlowTracker::emit(Slot& slot, Direction dir, fingerprint::Result fp) {
  const int init = dir.initiator;
  const int resp = 1 - init;
  Flow& f = slot.value;
  FlowVerdict v;
  v.direction_by = dir.by;
  if (fp.app == fingerprint::App::unknown) {
    v.opening_complete = opening_complete(slot, init);
    v.plausible = f.plausible;
    if (!v.opening_complete) ++stats_.unknown_undecided;
  }
  const Key& k = slot.key();
  const bool v4 = k.family == PP_FAMILY_V4;
  v.src_ip = IpAddr::from_v4_mapped(k.addr[init], v4);
  v.dest_ip = IpAddr::from_v4_mapped(k.addr[resp], v4);
  v.src_port = k.port[init];
  v.dest_port = k.port[resp];
  v.transport = transport_of(slot);
  v.fp = std::move(fp);
  v.time_ns = f.first_wall_ns;
  v.sock_cookie = f.sock_cookie;
  if (f.conflicts > 0) {
    // The sender offered two versions of the same opening bytes: say so, whatever the app.
    fingerprint::Evidence& e = v.fp.evidence.emplace_back();
    e.key = to_string(fingerprint::EvidenceKey::tcp_overlap_conflict);
    e.value = std::to_string(f.conflicts);
    e.printable = true;
  }
  v.samples = std::move(f.kept);
  ++stats_.verdicts;
  // Remembered by its fingerprint alone from now on (the slot and its bytes are freed).
  const std::uint64_t forgotten_before = decided_.forgotten();
  decided_.insert(fingerprint_of(k));
  stats_.evicted_decided += decided_.forgotten() - forgotten_before;
  flows_.erase(slot);
  sink_(v);
}

void FlowTracker::expire(std::int64_t now_ns) {
  reassembly_.expire(now_ns);
  // The list is in order of last activity, oldest first: stop at the first fresh flow. Each
  // decision removes its flow from the list.
  while (Slot* f = flows_.oldest()) {
    if (now_ns - f->value.last_wall_ns <= limits_.idle_timeout_ns) break;
    decide(*f, true);
  }
}

void FlowTracker::flush() {
  reassembly_.flush();
  while (Slot* f = flows_.oldest()) decide(*f, true);
}

}  // namespace protoport
