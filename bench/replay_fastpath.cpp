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
//               moved exactly as predicted (a counter read per frame: slow, for verification);
//               exits 3 if any frame was mispredicted (ctest: bpf.replay_fastpath_check)
//     limit     the kernel limits the skip filter is given (loader::probe_kernel_limits), and
//               what measuring them costs (FILE... is not read)
// Prints frames/s, calls made, frames skipped by reason, kernel counters, peak RSS and a digest
// of every sample (all fields but the kernel clock values and ifindex, in order, plus payload):
// equal digests across modes = identical samples.
#include <bpf/bpf.h>
#include <sys/resource.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "loader/loader.h"
#include "replay/capture_sequence.h"
#include "replay/skip_filter.h"

namespace {

using protoport::loader::Counters;
using protoport::loader::Program;
using protoport::loader::RingReader;
using protoport::replay::CaptureSequence;
using protoport::replay::Frame;
using protoport::replay::FrameKind;
using protoport::replay::FramePreview;
using protoport::replay::preview_frame;
using protoport::replay::SkipFilter;

// ---- Sample digest
// --------------------------------------------------------------------------------

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

// ---- Single-producer single-consumer queue of frames for the pipeline
// ------------------------------

struct Slot {
  std::vector<std::uint8_t> bytes;
  std::size_t len = 0;
  FramePreview preview;
  std::size_t file_index = 0;
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
    wait_until([&] {
      return head_.load(std::memory_order_acquire) != t || closed_.load(std::memory_order_acquire);
    });
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
    std::fprintf(stderr,
                 "usage: replay_fastpath read|parse|naive|skip|pipeline|check|limit FILE...\n");
    return 2;
  }
  const std::string mode = argv[1];
  bool check_failed = false;  // check: a frame was mispredicted
  std::vector<std::string> files(argv + 2, argv + argc);
  try {
    CaptureSequence seq(files);
    Frame frame;
    std::uint64_t frames = 0, calls = 0, checksum = 0;
    const auto t_start = std::chrono::steady_clock::now();
    std::unique_ptr<Program> program;
    std::unique_ptr<RingReader> ring;
    Digest digest;
    std::array<std::uint64_t, PP_CNT_MAX> reader_skipped{};
    std::unique_ptr<SkipFilter> filter;
    if (mode != "read" && mode != "parse") {
      protoport::loader::Settings settings;
      // PP_RINGBUF_BYTES: replay drains after every call, so a small ring buffer is enough (and
      // all of a ring buffer ends up resident once samples have gone round it).
      if (const char* rb = std::getenv("PP_RINGBUF_BYTES"))
        settings.ringbuf_bytes = static_cast<std::uint32_t>(std::strtoul(rb, nullptr, 10));
      program = std::make_unique<Program>(settings);
      // As `protoport replay` does: the limits of the running kernel, measured once.
      const auto& limits = protoport::loader::kernel_limits();
      filter = std::make_unique<SkipFilter>(program->settings().sampling(),
                                            program->settings().max_flows,
                                            limits.test_run_linear_max, limits.lru_free_reserve());
      ring = std::make_unique<RingReader>(
          *program, [&](const pp_sample& s, std::span<const std::uint8_t> payload) {
            digest.add(s, payload);
            filter->on_sample(s);
          });
    }
    const auto t0 = std::chrono::steady_clock::now();  // after loading: setup is timed apart
    const double setup_s = std::chrono::duration<double>(t0 - t_start).count();
    // PP_DRAIN_EVERY=N drains the ring buffer after every N-th call instead of after each: the
    // kernel raises a wakeup (an IPI) for a sample submitted into an empty ring buffer.
    const char* drain_env = std::getenv("PP_DRAIN_EVERY");
    const std::uint64_t drain_every =
        drain_env ? std::max(1ull, std::strtoull(drain_env, nullptr, 10)) : 1;
    std::size_t file_index = 0;
    auto next_file = [&](std::size_t index) {
      if (index == file_index) return;
      file_index = index;
      ring->consume();
      program->clear_flows();  // as `protoport replay` does between files
      filter->clear();
    };
    // The filter learns from each run's samples before the next decision (runs_done): modes
    // that use it drain after every call, whatever PP_DRAIN_EVERY says.
    const bool filtering = mode != "naive";
    auto run = [&](std::span<const std::uint8_t> bytes) {
      program->test_run(bytes);
      if (++calls % drain_every == 0 || filtering) ring->consume();
      if (filtering) filter->runs_done();
    };
    if (mode == "read") {
      while (seq.next(frame)) {
        ++frames;
        checksum += frame.bytes.size() + frame.bytes[frame.bytes.size() - 1];
      }
    } else if (mode == "parse") {
      while (seq.next(frame)) {
        ++frames;
        checksum += static_cast<std::uint64_t>(preview_frame(frame.bytes).kind);
      }
    } else if (mode == "naive" || mode == "skip") {
      const bool skip = mode == "skip";
      while (seq.next(frame)) {
        ++frames;
        next_file(seq.file_index());
        if (skip && filter->decide(frame.bytes)) continue;
        run(frame.bytes);
      }
    } else if (mode == "limit") {
      // The limits SkipFilter gets, and the cost of measuring them (replay does it once at
      // start): the probe again and again, fresh each time (probe_kernel_limits, not cached).
      const auto& k = protoport::loader::kernel_limits();
      std::printf(
          "  test_run linear data: %u bytes (%s)\n", k.test_run_linear_max,
          k.test_run_linear_max ? "measured" : "probe failed: the filter assumes the floor");
      std::printf(
          "  possible CPUs %u, LRU free entries per CPU <= %u: reserve %llu flow-table entries\n",
          k.possible_cpus, k.lru_free_per_cpu,
          static_cast<unsigned long long>(k.lru_free_reserve()));
      std::vector<std::uint64_t> ns;
      for (int i = 0; i < 200; ++i) {
        const auto again = protoport::loader::probe_kernel_limits();
        if (again.test_run_linear_max != k.test_run_linear_max)
          throw std::runtime_error("probe: unstable result");
        ns.push_back(again.probe_ns);
      }
      std::sort(ns.begin(), ns.end());
      std::printf(
          "  probe cost: first %.1f us; of 200 more: min %.1f us, median %.1f us, p90 %.1f us, max "
          "%.1f us\n",
          k.probe_ns / 1e3, ns.front() / 1e3, ns[ns.size() / 2] / 1e3, ns[ns.size() * 9 / 10] / 1e3,
          ns.back() / 1e3);
    } else if (mode == "check") {
      // Runs every frame, and for each frame the filter would skip, checks that the program's
      // counters moved exactly as predicted: one packet, the predicted outcome, no flow created.
      std::uint64_t predicted = 0, wrong = 0;
      // Frames run, by the outcome the program gave them (what the filter could not leave out).
      std::array<std::uint64_t, PP_CNT_MAX> run_by_outcome{};
      std::uint64_t run_syn = 0;
      Counters before = program->read_counters();
      while (seq.next(frame)) {
        ++frames;
        next_file(seq.file_index());
        const auto predicted_outcome = filter->decide(frame.bytes);
        run(frame.bytes);
        const Counters after = program->read_counters();
        if (!predicted_outcome) {
          for (int i = PP_OUT_NON_IP; i < PP_CNT_MAX; ++i)
            run_by_outcome[i] += after.values[i] - before.values[i];
          const FramePreview p = preview_frame(frame.bytes);
          run_syn += p.syn ? 1 : 0;
        }
        if (predicted_outcome) {
          ++predicted;
          const pp_counter want = *predicted_outcome;
          bool ok = after[PP_CNT_FLOWS_CREATED] == before[PP_CNT_FLOWS_CREATED] &&
                    after[PP_CNT_PACKETS] == before[PP_CNT_PACKETS] + 1 &&
                    after[PP_CNT_BYTES] == before[PP_CNT_BYTES] + frame.bytes.size();
          for (int i = PP_OUT_NON_IP; i < PP_CNT_MAX; ++i)
            ok = ok && after.values[i] == before.values[i] + (i == want ? 1 : 0);
          if (!ok) {
            ++wrong;
            if (wrong <= 20)
              std::printf("  MISPREDICTED %s frame %llu: predicted %s\n",
                          seq.current()->path().c_str(),
                          static_cast<unsigned long long>(frame.number),
                          std::string(protoport::loader::counter_name(want)).c_str());
          }
        }
        before = after;
      }
      std::printf("  check: %llu frames predicted skippable, %llu mispredicted\n",
                  static_cast<unsigned long long>(predicted),
                  static_cast<unsigned long long>(wrong));
      std::printf("  frames run, by outcome:");
      for (int i = PP_OUT_NON_IP; i < PP_CNT_MAX; ++i)
        if (run_by_outcome[i] != 0)
          std::printf(" %s=%llu",
                      std::string(protoport::loader::counter_name(static_cast<pp_counter>(i))).c_str(),
                      static_cast<unsigned long long>(run_by_outcome[i]));
      std::printf(" (SYN or SYN+ACK: %llu)\n", static_cast<unsigned long long>(run_syn));
      check_failed = wrong != 0;
    } else if (mode == "pipeline") {
      FrameQueue queue(256);
      reader_skipped.fill(0);
      const std::size_t linear_max = protoport::loader::kernel_limits().test_run_linear_max;
      std::exception_ptr reader_error;
      std::thread reader([&] {
        try {
          Frame f;
          while (seq.next(f)) {
            ++frames;
            const FramePreview p = preview_frame(f.bytes);
            const auto outcome = protoport::replay::stateless_outcome(p.kind);
            if (outcome && f.bytes.size() <= linear_max) {  // else the filter decides (may run it)
              ++reader_skipped[PP_CNT_PACKETS];  // counted here: the filter belongs to the other
                                                 // thread
              reader_skipped[PP_CNT_BYTES] += f.bytes.size();
              ++reader_skipped[*outcome];
              continue;
            }
            Slot& slot = queue.claim();
            if (slot.bytes.size() < f.bytes.size()) slot.bytes.resize(f.bytes.size());
            std::memcpy(slot.bytes.data(), f.bytes.data(), f.bytes.size());
            slot.len = f.bytes.size();
            slot.preview = p;
            slot.file_index = seq.file_index();
            queue.publish();
          }
        } catch (...) {
          reader_error = std::current_exception();
        }
        queue.close();
      });
      while (Slot* slot = queue.front()) {
        next_file(slot->file_index);
        if (!filter->decide(slot->preview, slot->len)) run({slot->bytes.data(), slot->len});
        queue.pop();
      }
      reader.join();
      if (reader_error) std::rethrow_exception(reader_error);
    } else {
      std::fprintf(stderr, "replay_fastpath: unknown mode %s\n", mode.c_str());
      return 2;
    }
    if (ring) ring->consume();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf(
        "mode %-8s frames %9llu  %7.3f s  %10.0f frames/s  calls %9llu  setup %.3f s  peak RSS "
        "%6.1f MiB\n",
        mode.c_str(), static_cast<unsigned long long>(frames), secs, frames / secs,
        static_cast<unsigned long long>(calls), setup_s, peak_rss_mib());
    if (checksum == 1) std::printf(" ");  // keeps the read loop from being optimised away
    std::array<std::uint64_t, PP_CNT_MAX> skipped = reader_skipped;
    if (filter) {
      for (int i = 0; i < PP_CNT_MAX; ++i) skipped[i] += filter->skipped_counters()[i];
      std::printf(
          "  skipped %llu frames (flow skipping %s, %zu flows tracked; fragment skipping %s, %zu "
          "datagrams tracked)\n",
          static_cast<unsigned long long>(skipped[PP_CNT_PACKETS]),
          filter->flow_skipping() ? "on" : "off", filter->flows_tracked(),
          filter->fragment_skipping() ? "on" : "off", filter->datagrams_tracked());
    }
    if (program) {
      Counters c = program->read_counters();
      if (mode != "check")
        for (int i = 0; i < PP_CNT_MAX; ++i)
          c.values[i] += skipped[i];  // as if every frame had run
      std::printf("  samples %llu digest %016llx | kernel + skipped:",
                  static_cast<unsigned long long>(digest.samples),
                  static_cast<unsigned long long>(digest.h));
      for (int i = 0; i < PP_CNT_MAX; ++i) {
        if (c.values[i] != 0)
          std::printf(
              " %s=%llu",
              std::string(protoport::loader::counter_name(static_cast<pp_counter>(i))).c_str(),
              static_cast<unsigned long long>(c.values[i]));
      }
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "replay_fastpath: %s\n", e.what());
    return 1;
  }
  return check_failed ? 3 : 0;
}
