// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Prototype and measurement of replay's fast path: how many frames per second reach the point
// where their samples are in userspace, for several ways of driving the XDP program, and proof
// that the fast ways give the same samples. Needs root (loads the protoport program).
//
//   replay_fastpath MODE FILE...
//     read      read and convert frames only (CaptureSequence), no kernel
//     parse     read + the userspace pre-parse, no kernel
//     naive     one bpf_prog_test_run_opts per frame, ring buffer drained after each call
//     skip      naive, minus the frames the program provably leaves untouched (see SkipFilter)
//     pipeline  skip, with reading/parsing on one thread and test runs on another
//     check     naive, and for each frame skip would leave out, checks that the kernel counters
//               moved exactly as predicted (a counter read per frame: slow, for verification)
// Prints frames/s, calls made, frames skipped by reason, kernel counters, peak RSS and a digest
// of every sample (all fields but the kernel clock values and ifindex, in order, plus payload):
// equal digests across modes = identical samples.
#include <sys/resource.h>

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "loader/loader.h"
#include "replay/capture_sequence.h"

namespace {

using protoport::loader::Counters;
using protoport::loader::Program;
using protoport::loader::RingReader;
using protoport::replay::CaptureSequence;
using protoport::replay::Frame;

// ---- Userspace pre-parse: a strict subset of bpf/protoport.bpf.c's parser ----------------------

// Canonical flow key, as the kernel builds it: lower (addr, port) endpoint first, IPv4 v4-mapped.
struct FlowKey {
  std::uint8_t addr[2][16];
  std::uint16_t port[2];  // network order
  std::uint8_t proto;
  std::uint8_t family;
  bool operator==(const FlowKey& o) const { return std::memcmp(this, &o, sizeof(*this)) == 0; }
};
static_assert(sizeof(FlowKey) == 38);

struct FlowKeyHash {
  std::size_t operator()(const FlowKey& k) const {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a
    const auto* p = reinterpret_cast<const std::uint8_t*>(&k);
    for (std::size_t i = 0; i < sizeof(k); ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
  }
};

// What the program will do with a frame, predicted by the userspace pre-parse. Every value but
// `send` names the program's outcome counter for a frame that touches no map but the counters.
enum class Verdict : std::uint8_t {
  send,            // the program may act on it (or we cannot tell): run it
  non_ip,          // not IPv4/IPv6 after <= 2 VLAN tags: PP_OUT_NON_IP
  fragment,        // IPv4 non-first fragment: PP_OUT_FRAGMENT
  other_l4,        // IP, neither TCP nor UDP: PP_OUT_OTHER_L4
  tcp_no_payload,  // TCP without SYN and without payload: PP_OUT_NO_PAYLOAD before any lookup
  flow,            // TCP/UDP the program looks up: skippable if the sender's samples are complete
};

struct Parsed {
  Verdict verdict = Verdict::send;
  bool syn_only = false;  // restarts a flow in the kernel: never skipped, clears our state
  bool has_payload = false;  // flow: PP_OUT_ALREADY_SAMPLED if skipped, else PP_OUT_NO_PAYLOAD
  std::uint8_t sender = 0;
  FlowKey key{};
};

std::uint16_t be16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] << 8 | p[1]); }

void canonicalize(Parsed& p) {
  int c = std::memcmp(p.key.addr[0], p.key.addr[1], 16);
  if (c == 0) c = ntohs(p.key.port[0]) > ntohs(p.key.port[1]) ? 1 : -1;
  p.sender = c > 0;
  if (p.sender) {
    std::uint8_t t[16];
    std::memcpy(t, p.key.addr[0], 16);
    std::memcpy(p.key.addr[0], p.key.addr[1], 16);
    std::memcpy(p.key.addr[1], t, 16);
    std::swap(p.key.port[0], p.key.port[1]);
  }
}

// Every check mirrors the program; whatever the program would handle differently, or whatever
// this subset does not parse (IPv6 extension headers, IPv4 fragments and options are fine),
// becomes Verdict::send.
// bpf_prog_test_run hands an XDP program at most this many bytes as linear data (a page minus
// XDP headroom and skb_shared_info); the rest of a larger frame goes into fragments the program
// does not read, so it judges such frames on a view we do not model: always run them.
constexpr std::size_t kTestRunLinearMax = 3520;

Parsed pre_parse(std::span<const std::uint8_t> f) {
  Parsed p;
  const std::size_t size = f.size();
  if (size < 14 || size > kTestRunLinearMax) return p;
  std::uint16_t proto = be16(&f[12]);
  std::size_t off = 14;
  for (int i = 0; i < 2 && (proto == 0x8100 || proto == 0x88A8); ++i) {
    if (off + 4 > size) return p;
    proto = be16(&f[off + 2]);
    off += 4;
  }
  std::size_t l4_off, ip_end;
  std::uint8_t l4proto;
  if (proto == 0x0800) {
    if (off + 20 > size || (f[off] >> 4) != 4 || (f[off] & 15) < 5) return p;
    const std::size_t hlen = (f[off] & 15) * 4u, tot = be16(&f[off + 2]);
    if (tot < hlen || off + tot > size) return p;
    const std::uint16_t frag = be16(&f[off + 6]);
    if (frag & 0x1FFF) {
      p.verdict = Verdict::fragment;
      return p;
    }
    if (frag & 0x2000) return p;  // first fragment: UDP length rules differ, leave to the kernel
    ip_end = off + tot;
    l4_off = off + hlen;
    l4proto = f[off + 9];
    p.key.family = 4;
    p.key.addr[0][10] = p.key.addr[0][11] = p.key.addr[1][10] = p.key.addr[1][11] = 0xff;
    std::memcpy(&p.key.addr[0][12], &f[off + 12], 4);
    std::memcpy(&p.key.addr[1][12], &f[off + 16], 4);
  } else if (proto == 0x86DD) {
    if (off + 40 > size || (f[off] >> 4) != 6) return p;
    ip_end = off + 40 + be16(&f[off + 4]);
    if (ip_end > size) return p;
    l4proto = f[off + 6];
    l4_off = off + 40;
    p.key.family = 6;
    std::memcpy(p.key.addr[0], &f[off + 8], 16);
    std::memcpy(p.key.addr[1], &f[off + 24], 16);
  } else {
    p.verdict = Verdict::non_ip;
    return p;
  }
  if (l4_off > ip_end) return p;
  if (l4proto == 6) {
    if (l4_off + 20 > size || (f[l4_off + 12] >> 4) < 5) return p;
    const std::size_t payload_off = l4_off + (f[l4_off + 12] >> 4) * 4u;
    if (payload_off > ip_end) return p;
    const std::uint8_t flags = f[l4_off + 13];
    const bool syn = flags & 0x02;
    if (!syn && payload_off == ip_end) {
      p.verdict = Verdict::tcp_no_payload;
      return p;
    }
    p.syn_only = syn && !(flags & 0x10);
    p.has_payload = payload_off < ip_end;
  } else if (l4proto == 17) {
    if (l4_off + 8 > size) return p;
    const std::size_t udp_len = be16(&f[l4_off + 4]);
    if (udp_len < 8 || ip_end - l4_off < 8 || udp_len > ip_end - l4_off) return p;
    p.has_payload = udp_len > 8;
  } else if (p.key.family == 6 && (l4proto == 0 || l4proto == 43 || l4proto == 44 || l4proto == 51 || l4proto == 60)) {
    return p;  // IPv6 extension headers: the kernel walks them
  } else {
    p.verdict = Verdict::other_l4;
    return p;
  }
  std::memcpy(&p.key.port[0], &f[l4_off], 2);
  std::memcpy(&p.key.port[1], &f[l4_off + 2], 2);
  p.key.proto = l4proto;
  canonicalize(p);
  p.verdict = Verdict::flow;
  return p;
}

// ---- Skip filter: per-flow state learned only from the samples the kernel emitted ---------------

class SkipFilter {
 public:
  SkipFilter(std::uint32_t samples_per_dir, std::uint32_t max_flows)
      : samples_per_dir_(samples_per_dir),
        // LRU eviction starts when the global free list runs short (~128 entries per CPU are
        // parked on per-CPU lists): stop skipping well before, since a skipped lookup changes
        // which entry the LRU would evict.
        key_limit_(max_flows > 128u * 8 ? max_flows - 128u * 8 : 0) {}

  // True if the frame can be left out; counts why.
  bool skip(const Parsed& p) {
    if (p.verdict == Verdict::send) return false;
    if (p.verdict != Verdict::flow) {
      ++skipped[static_cast<int>(p.verdict)];
      return true;
    }
    if (disabled_) return false;
    auto [it, inserted] = flows_.try_emplace(p.key);
    if (inserted && flows_.size() > key_limit_) disabled_ = true;  // table may evict from now on
    if (p.syn_only) {
      it->second = {};  // the kernel may start the flow over: learn it again from its samples
      return false;
    }
    if (!it->second.complete[p.sender]) return false;
    ++skipped[static_cast<int>(Verdict::flow)];
    return true;
  }

  void on_sample(const pp_sample& s) {
    if (s.seq + 1u < samples_per_dir_) return;
    Parsed p;
    std::memcpy(p.key.addr[0], s.saddr, 16);
    std::memcpy(p.key.addr[1], s.daddr, 16);
    p.key.port[0] = htons(s.sport);
    p.key.port[1] = htons(s.dport);
    p.key.proto = s.proto;
    p.key.family = s.family;
    canonicalize(p);
    flows_[p.key].complete[p.sender] = true;
  }

  std::uint64_t skipped[6] = {};  // by Verdict
  std::size_t flows() const { return flows_.size(); }

 private:
  struct State {
    bool complete[2] = {false, false};
  };
  std::uint32_t samples_per_dir_;
  std::size_t key_limit_;
  bool disabled_ = false;
  std::unordered_map<FlowKey, State, FlowKeyHash> flows_;
};

// ---- Sample digest --------------------------------------------------------------------------------

struct Digest {
  std::uint64_t h = 1469598103934665603ull;
  std::uint64_t samples = 0;
  void add(const void* data, std::size_t n) {
    const auto* p = static_cast<const std::uint8_t*>(data);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  }
  void add(const pp_sample& s, std::span<const std::uint8_t> payload) {
    pp_sample copy = s;
    copy.ts_ns = copy.flow_ns = 0;  // kernel clock: differs run to run by nature
    copy.ifindex = 0;
    add(&copy, offsetof(pp_sample, data));
    add(payload.data(), payload.size());
    ++samples;
  }
};

// ---- Single-producer single-consumer queue of frames for the pipeline ------------------------------

struct Slot {
  std::vector<std::uint8_t> bytes;
  std::size_t len = 0;
  Parsed parsed;
};

class FrameQueue {
 public:
  explicit FrameQueue(std::size_t slots) : slots_(slots) {
    for (auto& s : slots_) s.bytes.resize(2048);
  }
  // Producer side.
  Slot& claim() {
    const auto h = head_.load(std::memory_order_relaxed);
    wait_until([&] { return h - tail_.load(std::memory_order_acquire) < slots_.size(); });
    return slots_[h % slots_.size()];
  }
  void publish() { head_.fetch_add(1, std::memory_order_release); }
  void close() { closed_.store(true, std::memory_order_release); }
  // Consumer side: nullptr when closed and empty.
  Slot* front() {
    const auto t = tail_.load(std::memory_order_relaxed);
    wait_until([&] { return head_.load(std::memory_order_acquire) != t || closed_.load(std::memory_order_acquire); });
    if (head_.load(std::memory_order_acquire) == t) return nullptr;
    return &slots_[t % slots_.size()];
  }
  void pop() { tail_.fetch_add(1, std::memory_order_release); }

 private:
  template <class Ready>
  static void wait_until(Ready ready) {
    for (int spins = 0; !ready(); ++spins) {
      if (spins > 200) std::this_thread::yield();  // shared machine: do not burn a core idle
    }
  }
  std::vector<Slot> slots_;
  alignas(64) std::atomic<std::uint64_t> head_{0};
  alignas(64) std::atomic<std::uint64_t> tail_{0};
  std::atomic<bool> closed_{false};
};

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: replay_fastpath read|parse|naive|skip|pipeline FILE...\n");
    return 2;
  }
  const std::string mode = argv[1];
  std::vector<std::string> files(argv + 2, argv + argc);
  try {
    CaptureSequence seq(files);
    Frame frame;
    std::uint64_t frames = 0, calls = 0, checksum = 0;
    const auto t_start = std::chrono::steady_clock::now();
    std::unique_ptr<Program> program;
    std::unique_ptr<RingReader> ring;
    Digest digest;
    std::unique_ptr<SkipFilter> filter;
    if (mode != "read" && mode != "parse") {
      program = std::make_unique<Program>();
      filter = std::make_unique<SkipFilter>(program->settings().samples_per_dir, program->settings().max_flows);
      ring = std::make_unique<RingReader>(*program, [&](const pp_sample& s, std::span<const std::uint8_t> payload) {
        digest.add(s, payload);
        filter->on_sample(s);
      });
    }
    const auto t0 = std::chrono::steady_clock::now();  // after loading: setup is timed apart
    const double setup_s = std::chrono::duration<double>(t0 - t_start).count();
    // PP_DRAIN_EVERY=N drains the ring buffer after every N-th call instead of after each: the
    // kernel raises a wakeup (an IPI) for a sample submitted into an empty ring buffer.
    const char* drain_env = std::getenv("PP_DRAIN_EVERY");
    const std::uint64_t drain_every = drain_env ? std::max(1ull, std::strtoull(drain_env, nullptr, 10)) : 1;
    auto run = [&](std::span<const std::uint8_t> bytes) {
      program->test_run(bytes);
      if (++calls % drain_every == 0) ring->consume();
    };
    if (mode == "read") {
      while (seq.next(frame)) {
        ++frames;
        checksum += frame.bytes.size() + frame.bytes[frame.bytes.size() - 1];
      }
    } else if (mode == "parse") {
      while (seq.next(frame)) {
        ++frames;
        checksum += static_cast<std::uint64_t>(pre_parse(frame.bytes).verdict);
      }
    } else if (mode == "naive" || mode == "skip") {
      const bool skip = mode == "skip";
      while (seq.next(frame)) {
        ++frames;
        if (skip && filter->skip(pre_parse(frame.bytes))) continue;
        run(frame.bytes);
      }
    } else if (mode == "limit") {
      // Largest frame the program sees whole: IPv4/TCP frames of growing size, each a new flow,
      // until one is counted malformed (the program sees only the linear part of a test-run frame).
      std::vector<std::uint8_t> f(14 + 20 + 20, 0);
      for (std::size_t len = 1000; len <= 70000; ++len) {
        f.assign(len, 0);
        f[12] = 0x08;
        f[14] = 0x45;
        f[16] = static_cast<std::uint8_t>((len - 14) >> 8);
        f[17] = static_cast<std::uint8_t>(len - 14);
        f[23] = 6;
        f[26] = 10, f[29] = 1, f[30] = 10, f[33] = 2;
        f[34] = static_cast<std::uint8_t>(len >> 8), f[35] = static_cast<std::uint8_t>(len);  // new port each time
        f[37] = 80;
        f[46] = 0x50;
        f[47] = 0x18;
        const auto before = program->read_counters()[PP_OUT_MALFORMED];
        run(f);
        if (program->read_counters()[PP_OUT_MALFORMED] != before) {
          std::printf("  largest frame seen whole by the program: %zu bytes\n", len - 1);
          break;
        }
      }
    } else if (mode == "check") {
      // Runs every frame, and for each frame the filter would skip, checks that the program's
      // counters moved exactly as predicted: one packet, the predicted outcome, no flow created.
      std::uint64_t predicted = 0, wrong = 0;
      Counters before = program->read_counters();
      while (seq.next(frame)) {
        ++frames;
        const Parsed p = pre_parse(frame.bytes);
        const bool would_skip = filter->skip(p);
        run(frame.bytes);
        const Counters after = program->read_counters();
        if (would_skip) {
          ++predicted;
          pp_counter want = PP_OUT_NO_PAYLOAD;
          switch (p.verdict) {
            case Verdict::non_ip: want = PP_OUT_NON_IP; break;
            case Verdict::fragment: want = PP_OUT_FRAGMENT; break;
            case Verdict::other_l4: want = PP_OUT_OTHER_L4; break;
            case Verdict::tcp_no_payload: want = PP_OUT_NO_PAYLOAD; break;
            case Verdict::flow: want = p.has_payload ? PP_OUT_ALREADY_SAMPLED : PP_OUT_NO_PAYLOAD; break;
            case Verdict::send: break;
          }
          bool ok = after[PP_CNT_FLOWS_CREATED] == before[PP_CNT_FLOWS_CREATED] &&
                    after[PP_CNT_PACKETS] == before[PP_CNT_PACKETS] + 1;
          for (int i = PP_OUT_NON_IP; i < PP_CNT_MAX; ++i)
            ok = ok && after.values[i] == before.values[i] + (i == want ? 1 : 0);
          if (!ok) {
            ++wrong;
            if (wrong <= 20)
              std::printf("  MISPREDICTED %s frame %llu: verdict %d\n", seq.current()->path().c_str(),
                          static_cast<unsigned long long>(frame.number), static_cast<int>(p.verdict));
          }
        }
        before = after;
      }
      std::printf("  check: %llu frames predicted skippable, %llu mispredicted\n",
                  static_cast<unsigned long long>(predicted), static_cast<unsigned long long>(wrong));
    } else if (mode == "pipeline") {
      FrameQueue queue(256);
      std::exception_ptr reader_error;
      std::thread reader([&] {
        try {
          Frame f;
          while (seq.next(f)) {
            ++frames;
            Parsed p = pre_parse(f.bytes);
            if (p.verdict != Verdict::send && p.verdict != Verdict::flow) {
              filter->skip(p);  // stateless verdicts: counted here, the filter state is untouched
              continue;
            }
            Slot& slot = queue.claim();
            if (slot.bytes.size() < f.bytes.size()) slot.bytes.resize(f.bytes.size());
            std::memcpy(slot.bytes.data(), f.bytes.data(), f.bytes.size());
            slot.len = f.bytes.size();
            slot.parsed = p;
            queue.publish();
          }
        } catch (...) {
          reader_error = std::current_exception();
        }
        queue.close();
      });
      while (Slot* slot = queue.front()) {
        if (!filter->skip(slot->parsed)) run({slot->bytes.data(), slot->len});
        queue.pop();
      }
      reader.join();
      if (reader_error) std::rethrow_exception(reader_error);
    } else {
      std::fprintf(stderr, "replay_fastpath: unknown mode %s\n", mode.c_str());
      return 2;
    }
    if (ring) ring->consume();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("mode %-8s frames %9llu  %7.3f s  %10.0f frames/s  calls %9llu  setup %.3f s  peak RSS %6.1f MiB\n",
                mode.c_str(), static_cast<unsigned long long>(frames), secs, frames / secs,
                static_cast<unsigned long long>(calls), setup_s, peak_rss_mib());
    if (checksum == 1) std::printf(" ");  // keeps the read loop from being optimised away
    if (filter) {
      const auto* k = filter->skipped;
      std::printf("  skipped: non-IP %llu, fragment %llu, other L4 %llu, TCP without payload %llu, flow already sampled %llu; flows tracked %zu\n",
                  static_cast<unsigned long long>(k[1]), static_cast<unsigned long long>(k[2]),
                  static_cast<unsigned long long>(k[3]), static_cast<unsigned long long>(k[4]),
                  static_cast<unsigned long long>(k[5]), filter->flows());
    }
    if (program) {
      const Counters c = program->read_counters();
      std::printf("  samples %llu digest %016llx | kernel:", static_cast<unsigned long long>(digest.samples),
                  static_cast<unsigned long long>(digest.h));
      for (int i = 0; i < PP_CNT_MAX; ++i) {
        if (c.values[i] != 0)
          std::printf(" %s=%llu", std::string(protoport::loader::counter_name(static_cast<pp_counter>(i))).c_str(),
                      static_cast<unsigned long long>(c.values[i]));
      }
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replay_fastpath: %s\n", e.what());
    return 1;
  }
  return 0;
}
