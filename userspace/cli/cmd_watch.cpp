// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `protoport watch`: load the XDP sampler, attach it to interfaces, and turn the samples from its
// ring buffer into mismatch rows (or, with --dump, print each sample) until a signal, the
// duration, or the loss of every interface ends it. Detaches cleanly on every path (RAII).
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/counters_print.h"
#include "cli/detect_options.h"
#include "cli/exit_codes.h"
#include "cli/numeric_options.h"
#include "common/escape.h"
#include "loader/loader.h"
#include "loader/socket_owners.h"
#include "pipeline/sample_sink.h"

namespace protoport::cli {

namespace {

struct WatchOptions {
  std::vector<std::string> interfaces;
  std::string xdp_mode = "auto";
  double duration_s = 0;   // 0: until SIGINT/SIGTERM
  double interval_s = 60;  // aggregated report period
  bool verbose = false;
  bool no_ingress = false;     // no XDP program: what the interfaces send only
  bool no_egress = false;      // no TC egress program: what they receive only
  bool egress_legacy = false;  // hidden, for tests: a cls_bpf filter even where tcx exists
  bool no_process = false;     // no process attribution (no socket hooks)
  DetectOptions detect;
};

volatile std::sig_atomic_t g_stop_signal = 0;
volatile std::sig_atomic_t g_reload = 0;

extern "C" void on_stop_signal(int sig) { g_stop_signal = sig; }
extern "C" void on_hup(int) { g_reload = 1; }

// Installs handlers for the watch's lifetime and restores the previous ones after it.
class SignalScope {
 public:
  SignalScope() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, &old_hup_);
    // `watch | head -1`: a closed stdout must not kill the watch (rows still go to --output and
    // the exporters); the write fails with EPIPE instead, and the pipeline says so once.
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, &old_pipe_);
  }
  ~SignalScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGHUP, &old_hup_, nullptr);
    sigaction(SIGPIPE, &old_pipe_, nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  struct sigaction old_int_ {
  }, old_term_{}, old_hup_{}, old_pipe_{};
};

std::int64_t clock_ns(clockid_t id) {
  timespec ts{};
  clock_gettime(id, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// An interface that vanished took our program with it; one whose program was replaced or
// removed is not ours to touch. Either way, stop watching it there.
template <typename Attachment>
void drop_lost(std::vector<Attachment>& attached, const char* replaced, const char* hook) {
  for (auto it = attached.begin(); it != attached.end();) {
    const auto state = it->state();
    if (state == loader::AttachState::attached) {
      ++it;
      continue;
    }
    std::fprintf(stderr, "protoport: %s%s: %s; no longer watching it\n",
                 for_terminal(it->ifname()).c_str(), hook,
                 state == loader::AttachState::interface_gone ? "interface disappeared" : replaced);
    it = attached.erase(it);
  }
}

int run_watch(const WatchOptions& o) {
  const auto mode = loader::xdp_mode_from_name(o.xdp_mode);
  if (!mode)
    throw UsageError("--xdp-mode must be native, generic or auto, not '" + o.xdp_mode + "'");
  if (o.no_ingress && o.no_egress)
    throw UsageError("--no-ingress and --no-egress together leave nothing to watch");
  loader::Settings settings = o.detect.kernel;
  settings.verbose = o.verbose;
  settings.egress = !o.no_egress;
  loader::validate(settings);  // bad values are the user's: reported before anything is loaded

  std::vector<int> ifindexes;
  for (const auto& name : o.interfaces) ifindexes.push_back(loader::interface_index(name));

  // Everything that can fail on the user's input (config, output file) fails before attaching.
  const auto sink = pipeline::make_sink(o.detect.pipeline_options(), o.detect.dump, stdout);

  loader::Program program(settings);
  // Process attribution first: sockets created from now on are named (the hooks see sockets of
  // this network namespace, the interfaces'). It is an addition to detection: if this kernel
  // or system cannot give it, the watch says so and goes on without it.
  std::unique_ptr<loader::SocketOwners> owners;
  if (!o.no_process) {
    try {
      owners = std::make_unique<loader::SocketOwners>(
          loader::SocketOwners::current_netns(),
          [&sink](const pp_sock_event& e) { sink->on_socket_event(e); }, o.verbose);
    } catch (const loader::Error& e) {
      std::fprintf(stderr, "protoport: process attribution off: %s\n", e.what());
    }
  }
  std::vector<loader::XdpAttachment> attachments;
  std::vector<loader::EgressAttachment> egress;
  attachments.reserve(ifindexes.size());
  egress.reserve(ifindexes.size());
  for (const int ifindex : ifindexes) {
    // Egress first: once XDP is on too, both hooks sample (what tests wait for).
    if (!o.no_egress) {
      egress.emplace_back(program, ifindex, o.egress_legacy);
      const auto& e = egress.back();
      if (o.verbose)
        std::fprintf(
            stderr, "protoport: attached to %s egress (%s)\n", for_terminal(e.ifname()).c_str(),
            e.method() == loader::EgressAttachment::Method::tcx ? "tcx link" : "cls_bpf filter");
    }
    if (!o.no_ingress) {
      attachments.emplace_back(program, ifindex, *mode);
      const auto& a = attachments.back();
      if (a.fell_back())
        std::fprintf(stderr, "protoport: %s\n", a.fallback_reason().c_str());
      else if (o.verbose)
        std::fprintf(stderr, "protoport: attached to %s (%s XDP)\n",
                     for_terminal(a.ifname()).c_str(),
                     std::string(loader::xdp_mode_name(a.mode())).c_str());
    }
  }

  // bpf_ktime_get_ns() is CLOCK_MONOTONIC: shift it to wall-clock time for firstTime/lastTime.
  std::int64_t mono_to_wall = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
  std::uint64_t samples_read = 0;  // handed to the sink; with bad_records(), every record read
  loader::RingReader reader(
      program, [&](const pp_sample& s, std::span<const std::uint8_t> payload) {
        // The socket events queued before this sample first: a connect() comes before the
        // packets it sends, and its process must be known when their flow is decided.
        if (owners) owners->consume();
        ++samples_read;
        sink->on_sample(s, payload, static_cast<std::int64_t>(s.ts_ns) + mono_to_wall);
      });
  sink->set_kernel_source([&program, &reader] {
    return pipeline::KernelView{program.read_counters(), reader.bad_records()};
  });
  SignalScope signals;
  g_stop_signal = 0;
  g_reload = 0;
  const std::int64_t start = clock_ns(CLOCK_MONOTONIC);
  // Both are finite and at most kMaxSeconds (seconds_option): the casts cannot overflow.
  const std::int64_t duration_ns = static_cast<std::int64_t>(o.duration_s * 1e9);
  const std::int64_t interval_ns = static_cast<std::int64_t>(o.interval_s * 1e9);
  std::int64_t next_report = start + interval_ns;
  int exit_code = kExitOk;
  while (g_stop_signal == 0) {
    reader.poll(100);
    if (owners) owners->consume();  // the ports bound meanwhile, before their first flow
    const std::int64_t now = clock_ns(CLOCK_MONOTONIC);
    if (duration_ns > 0 && now - start >= duration_ns) break;
    // Stop when no interface is left.
    drop_lost(attachments, "our XDP program was replaced", "");
    drop_lost(egress, "our egress program was removed", " egress");
    if (attachments.empty() && egress.empty()) {
      std::fprintf(stderr, "protoport: no interface left to watch\n");
      exit_code = kExitFailure;
      break;
    }
    if (g_reload) {
      g_reload = 0;
      sink->reload();  // attached and aggregating throughout
    }
    mono_to_wall = clock_ns(CLOCK_REALTIME) - now;  // follow clock adjustments
    sink->tick(now + mono_to_wall);
    if (interval_ns > 0 && now >= next_report) {
      sink->report();
      next_report = now + interval_ns;
    }
  }
  // Detach first, then drain: a sample the kernel submits after the last read would otherwise
  // be counted as sampled and never read.
  attachments.clear();
  egress.clear();
  loader::wait_for_running_programs();  // a run that began before the detach has ended now
  if (owners) owners->consume();
  while (reader.consume() > 0) {}
  sink->finish();
  const loader::Counters counters = program.read_counters();
  if (!o.no_ingress && !o.no_egress) {
    // What each hook saw; the total after them ("this watch") is these two added up.
    print_counters(stderr, program.read_counters(PP_HOOK_INGRESS), "this watch: ingress (XDP)",
                   o.detect.json_counters());
    print_counters(stderr, program.read_counters(PP_HOOK_EGRESS), "this watch: egress (TC)",
                   o.detect.json_counters());
  }
  print_counters(stderr, counters, "this watch", o.detect.json_counters());
  sink->print_stats(stderr);
  if (owners && owners->lost() > 0)
    std::fprintf(stderr,
                 "protoport: %llu socket events lost (ring buffer full): their flows are reported "
                 "without a process\n",
                 static_cast<unsigned long long>(owners->lost()));
  if (reader.bad_records() > 0)
    std::fprintf(stderr, "protoport: %llu malformed ring-buffer records ignored\n",
                 static_cast<unsigned long long>(reader.bad_records()));
  // Every sample the kernel counted is read or counted here: what is left is a loss.
  const std::uint64_t sampled = counters[PP_OUT_SAMPLED];
  const std::uint64_t read = samples_read + reader.bad_records();
  if (sampled != read)
    std::fprintf(stderr,
                 "protoport: samples lost at exit: %llu (the kernel sampled %llu, userspace read "
                 "%llu)\n",
                 static_cast<unsigned long long>(sampled > read ? sampled - read : 0),
                 static_cast<unsigned long long>(sampled), static_cast<unsigned long long>(read));
  return exit_code;
}

}  // namespace

void register_watch(CLI::App& app, Commands& commands) {
  auto o = std::make_shared<WatchOptions>();
  CLI::App* sub = app.add_subcommand(
      "watch",
      "Attach the samplers to interfaces and report protocol/port mismatches live (needs "
      "root).\n"
      "Each new mismatch is printed when found; the aggregated report every --interval and at "
      "exit.\n"
      "Both directions are watched: XDP samples what an interface receives, a TC egress program\n"
      "what it sends, so a flow that never gets an answer (an upload to a silent sink, a DNS\n"
      "tunnel whose replies are dropped) is still named. One flow, one verdict, whichever side\n"
      "spoke first. --no-egress or --no-ingress keeps one side.");
  sub->add_option("-i,--interface", o->interfaces, "Interface to watch (repeat for several)")
      ->required();
  sub->add_option("--xdp-mode", o->xdp_mode,
                  "native, generic, or auto (try native, fall back to generic and say so)")
      ->capture_default_str()
      ->check(CLI::IsMember({"native", "generic", "auto"}));
  sub->add_option("--duration", o->duration_s,
                  "Stop after this many seconds, 0.001 to 31536000 (default 0: until Ctrl-C)")
      ->check(seconds_option("duration", "until Ctrl-C"));
  sub->add_option("--interval", o->interval_s,
                  "Seconds between aggregated reports, 0.001 to 31536000 (0: only at exit)")
      ->capture_default_str()
      ->check(seconds_option("interval", "report only at exit"));
  sub->add_flag("--no-egress", o->no_egress,
                "Do not sample what the interfaces send (XDP on receive only)");
  sub->add_flag("--no-ingress", o->no_ingress,
                "Do not sample what the interfaces receive (TC egress only)");
  sub->add_flag("--egress-legacy", o->egress_legacy,
                "Attach egress as a cls_bpf filter even where tcx links exist (for tests)")
      ->group("");  // hidden: the fallback path of kernels before 6.6, exercised by the tests
  sub->add_flag("--no-process", o->no_process,
                "Do not name the local process behind a flow (no socket hooks on the cgroup v2 "
                "root)");
  sub->add_flag("-v,--verbose", o->verbose, "Say what is attached where; show libbpf's messages");
  add_detect_options(*sub, o->detect);
  sub->callback([&commands, o] { commands.selected = [o] { return run_watch(*o); }; });
}

}  // namespace protoport::cli
