// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `protoport replay FILE...`: every frame of the captures goes through the same XDP program as
// live traffic (bpf_prog_test_run_opts), and its samples through the same pipeline as `watch`,
// with every time taken from the capture, so that a file always gives the same report.
// Frames the program provably leaves untouched are not run (replay::SkipFilter): the samples
// are the same, and the kernel counters printed include what the skipped frames would have
// added, so the output equals that of --exact, which runs every frame.
//
// A damaged file (cut or corrupt record) is named with its frame number and skipped; the files
// after it are still read, and the exit code is then 3. SIGINT or SIGTERM stops reading at once
// (even a pipe nobody closes); the report of what was read is printed and written, and the exit
// code is 128 + the signal (130 for SIGINT), as Suricata and Zeek do with -r.
#include <signal.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/counters_print.h"
#include "cli/detect_options.h"
#include "cli/exit_codes.h"
#include "cli/replay_runner.h"
#include "loader/loader.h"
#include "pipeline/sample_sink.h"
#include "replay/capture_sequence.h"
#include "replay/frame_feed.h"
#include "replay/interrupt.h"
#include "replay/progress.h"
#include "replay/skip_filter.h"

namespace protoport::cli {

namespace {

// Frames per test-run call, the most the batch program takes (PP_BATCH_SLOTS_MAX). A call costs
// ~1.7 us on a 2-vCPU VM whatever it runs, a frame in it ~0.1-0.2 us: at 64 the call is a few
// percent, and the skip filter, which learns from a batch's samples only once it ran, leaves
// out fewer frames the larger the batch.
constexpr std::uint32_t kDefaultBatch = PP_BATCH_SLOTS_MAX;

struct ReplayOptions {
  std::vector<std::string> files;
  bool verbose = false;
  bool progress = true;
  bool exact = false;  // run every frame through the kernel, one call each, no skip filter
  std::uint32_t batch = kDefaultBatch;  // frames per test-run call (1: one call per frame)
  DetectOptions detect;
};

// How often (in frames) idle flows are expired by capture time; any fixed value keeps a file's
// report the same from run to run.
constexpr std::uint64_t kExpireEveryFrames = 4096;

// Replay drains the ring buffer after every test-run call, and the program emits at most one
// sample per frame, so the ring never holds more than a batch of records. Unless --ringbuf-size says
// otherwise, it gets the smallest size the loader accepts instead of watch's 4 MiB, which
// would be mapped twice (data pages are double-mapped) into replay's peak RSS for nothing.
std::uint32_t replay_ringbuf_bytes(const loader::Settings& s) {
  if (s.ringbuf_bytes != loader::Settings{}.ringbuf_bytes) return s.ringbuf_bytes;  // user's
  return std::min(loader::smallest_ringbuf_bytes(s.snap_len, s.replay_batch), s.ringbuf_bytes);
}

// The handler reaches the Interrupt of the running replay through this pointer.
std::atomic<replay::Interrupt*> g_interrupt{nullptr};

extern "C" void on_replay_signal(int sig) {
  if (replay::Interrupt* i = g_interrupt.load()) i->raise(sig);
}

// SIGINT and SIGTERM raise `interrupt` while it exists. SA_RESETHAND: a second Ctrl-C kills at
// once, should stopping ever hang. SA_RESTART: the main thread's writes and bpf calls are not cut
// short by EINTR; the reads that must stop are woken through interrupt.fd() instead.
class ReplaySignals {
 public:
  explicit ReplaySignals(replay::Interrupt& interrupt) {
    g_interrupt.store(&interrupt);
    struct sigaction sa {};
    sa.sa_handler = on_replay_signal;
    sa.sa_flags = SA_RESTART | SA_RESETHAND;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~ReplaySignals() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    g_interrupt.store(nullptr);
  }
  ReplaySignals(const ReplaySignals&) = delete;
  ReplaySignals& operator=(const ReplaySignals&) = delete;

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

int run_replay(const ReplayOptions& o) {
  loader::Settings settings = o.detect.kernel;
  settings.verbose = o.verbose;
  settings.ring_wakeup = false;  // drained with consume() after every test run: no wakeups
  settings.replay_batch = o.exact || o.batch <= 1 ? 0 : o.batch;
  settings.ringbuf_bytes = replay_ringbuf_bytes(settings);
  loader::validate(settings);
  // Standard input can be read once: a second '-' would see the rest of the first.
  if (std::count(o.files.begin(), o.files.end(), std::string(replay::kStdinName)) > 1)
    throw UsageError("'-' (standard input) can be given only once");
  replay::Interrupt interrupt;
  ReplaySignals signals(interrupt);
  const auto sink = pipeline::make_sink(o.detect.pipeline_options(), o.detect.dump, stdout);

  // The captures are checked (each opened once: pipes and `-` can be read only once), then read
  // on a second thread from now on: while this one loads the program (verifier, flow tables)
  // and later while it runs frames through it. A file that cannot be opened or is not a capture
  // stops everything here (CaptureError: exit 3, naming the file and the reason).
  std::optional<replay::CaptureSequence> captures;
  try {
    captures.emplace(o.files, interrupt.fd());
  } catch (const replay::CaptureError&) {
    if (interrupt.requested()) return 128 + interrupt.signal_number();  // nothing was read
    throw;
  }
  replay::FrameFeed feed(std::move(*captures), {.all_bytes = o.exact,
                                                .file_offsets = o.progress && isatty(STDERR_FILENO),
                                                .continue_after_damage = true,
                                                .interrupt = &interrupt});
  loader::Program program(settings);
  replay::SkipFilter filter(program.settings().sampling(), program.settings().max_flows,
                            loader::kernel_limits().test_run_linear_max,
                            loader::kernel_limits().lru_free_reserve());
  ReplayRunner runner(program, o.exact ? nullptr : &filter, *sink);

  replay::Progress progress =
      o.progress ? replay::Progress::for_stderr() : replay::Progress(stderr, false);
  std::uint64_t frames = 0, damaged = 0;
  std::size_t file_index = 0;
  int exit_code = kExitOk;
  try {
    while (const replay::FeedBatch* batch = feed.next()) {
      if (batch->file_index != file_index) {  // a new file: its flows are its own
        file_index = batch->file_index;
        runner.flush();
        sink->end_of_input();
        // A 5-tuple in this capture is not the continuation of one in the previous capture.
        program.clear_flows();
        filter.clear();
      }
      for (const replay::FeedFrame& f : batch->frames) {
        ++frames;
        // A skipped frame counts as run (it is at least an Ethernet header long, so the kernel
        // would not refuse it): idle expiry below happens at the same frames with or without skip.
        runner.frame(f, f.has_bytes ? batch->bytes_of(f) : std::span<const std::uint8_t>{});
        if (frames % kExpireEveryFrames == 0) {
          runner.flush();  // the samples of the frames before the tick reach the sink before it
          sink->tick(static_cast<std::int64_t>(f.ts_ns));
        }
        progress.on_frame(frames, [&] {
          return replay::ProgressPoint{feed.path(batch->file_index), batch->file_index,
                                       feed.file_count(), batch->file_offset, batch->file_size};
        });
      }
      if (!batch->damage.empty()) {  // this file ends here; the next one follows
        progress.finish();
        std::fprintf(stderr, "protoport: %s; the rest of this file is skipped\n",
                     batch->damage.c_str());
        ++damaged;
        exit_code = kExitCapture;  // the report of every file is still printed below
      }
    }
  } catch (const replay::CaptureError& e) {
    progress.finish();
    std::fprintf(stderr, "protoport: %s\n", e.what());
    exit_code = kExitCapture;  // the report of what was read is still printed below
  }
  runner.flush();  // frames queued when reading ended (or failed) are part of the report
  progress.finish();
  if (interrupt.requested()) {
    const int sig = interrupt.signal_number();
    std::fprintf(stderr,
                 "protoport: interrupted by %s: reading stopped; the report covers the %llu "
                 "frames read before it\n",
                 sig == SIGINT    ? "SIGINT"
                 : sig == SIGTERM ? "SIGTERM"
                                  : "a signal",
                 static_cast<unsigned long long>(frames));
    exit_code = 128 + sig;  // the shell's convention for a command ended by a signal
  }
  sink->finish();
  const auto rs = feed.stats();
  if (o.verbose || !o.detect.dump) {
    // The kernel's counters plus what it would have counted for the frames left out: equal to
    // the counters of an --exact run.
    loader::Counters counters = program.read_counters();
    for (int i = 0; i < PP_CNT_MAX; ++i) counters.values[i] += filter.skipped_counters()[i];
    print_counters(stderr, counters, "replay", o.detect.json_counters());
    std::fprintf(
        stderr,
        "replay: %llu files (%llu damaged), %llu records, %llu frames run (%llu of them "
        "predicted, not test-run), %llu refused by the kernel, %llu truncated, %llu unknown "
        "link family\n",
        static_cast<unsigned long long>(feed.file_count()),
        static_cast<unsigned long long>(damaged), static_cast<unsigned long long>(rs.records),
        static_cast<unsigned long long>(frames - runner.refused()),
        static_cast<unsigned long long>(filter.skipped_frames()),
        static_cast<unsigned long long>(runner.refused()),
        static_cast<unsigned long long>(rs.truncated),
        static_cast<unsigned long long>(rs.unknown_family));
    sink->print_stats(stderr);
  }
  return exit_code;
}

}  // namespace

void register_replay(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<ReplayOptions>();
  CLI::App* sub = app.add_subcommand(
      "replay",
      "Run captures (pcap or pcapng; Ethernet, Linux cooked SLL/SLL2, raw IP, BSD loopback)\n"
      "through the same XDP program and detection as 'watch' (needs root to load BPF).\n"
      "Times come from the capture, so a file always gives the same report.");
  sub->add_option("files", o->files,
                  "Capture files, replayed in order; '-' is standard input (pipes and FIFOs\n"
                  "work too)")
      ->required();
  sub->add_flag("-v,--verbose", o->verbose, "Show libbpf's messages and replay statistics");
  sub->add_flag("!--no-progress", o->progress,
                "No progress line (it is shown only when stderr is a terminal anyway)");
  sub->add_flag("--exact,--no-skip", o->exact,
                "Run every frame through the kernel, one test run each: by default frames the\n"
                "program provably does not act on are left out and counted as it would, and\n"
                "the rest run many per call (same report, faster)");
  // Frames per test-run call, for measurements and tests (1: one call per frame).
  sub->add_option("--batch", o->batch)
      ->check(CLI::Range(1u, loader::kBatchSlotsMax))
      ->group("");
  add_detect_options(*sub, o->detect);
  sub->callback([&commands, o] { commands.selected = [o] { return run_replay(*o); }; });
}

}  // namespace protoport::cli
