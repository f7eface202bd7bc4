// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `protoport replay FILE...`: every frame of the captures goes through the same XDP program as
// live traffic (bpf_prog_test_run_opts), and its samples through the same pipeline as `watch`,
// with every time taken from the capture, so that a file always gives the same report.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/counters_print.h"
#include "cli/detect_options.h"
#include "cli/exit_codes.h"
#include "cli/pipeline.h"
#include "cli/sample_dump.h"
#include "loader/loader.h"
#include "replay/capture_sequence.h"
#include "replay/progress.h"

namespace protoport::cli {

namespace {

struct ReplayOptions {
  std::vector<std::string> files;
  bool verbose = false;
  bool progress = true;
  DetectOptions detect;
};

// How often (in frames) idle flows are expired by capture time; any fixed value keeps a file's
// report the same from run to run.
constexpr std::uint64_t kExpireEveryFrames = 4096;

int run_replay(const ReplayOptions& o) {
  loader::Settings settings = o.detect.kernel;
  settings.verbose = o.verbose;
  settings.ring_wakeup = false;  // drained with consume() after every test run: no wakeups
  loader::validate(settings);
  for (const auto& f : o.files) {
    if (std::FILE* probe = std::fopen(f.c_str(), "rb"))
      std::fclose(probe);
    else
      throw UsageError(f + ": cannot open capture");
  }
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<SampleDump> dump;
  if (o.detect.dump)
    dump = std::make_unique<SampleDump>(stdout);
  else
    pipeline = std::make_unique<Pipeline>(o.detect, stdout);

  loader::Program program(settings);
  std::int64_t frame_ns = 0;  // the capture time of the frame being run
  loader::RingReader reader(program, [&](const pp_sample& s, std::span<const std::uint8_t> payload) {
    if (dump)
      dump->print(s, payload, frame_ns);
    else
      pipeline->on_sample(s, payload, frame_ns);
  });

  replay::CaptureSequence captures(o.files);
  replay::Progress progress =
      o.progress ? replay::Progress::for_stderr() : replay::Progress(stderr, false);
  replay::Frame frame;
  std::uint64_t frames = 0, refused = 0;
  std::size_t file_index = 0;
  int exit_code = kExitOk;
  try {
    while (captures.next(frame)) {
      if (captures.file_index() != file_index) {  // a new file: its flows are its own
        file_index = captures.file_index();
        if (pipeline) pipeline->finish_flows();
        // A 5-tuple in this capture is not the continuation of one in the previous capture.
        program.clear_flows();
      }
      ++frames;
      frame_ns = static_cast<std::int64_t>(frame.ts_ns);
      try {
        program.test_run(frame.bytes);
      } catch (const loader::Error&) {
        ++refused;  // e.g. shorter than an Ethernet header: the kernel will not run it
        continue;
      }
      reader.consume();
      if (pipeline && frames % kExpireEveryFrames == 0) pipeline->tick(frame_ns);
      progress.on_frame(frames, [&] {
        const auto* cur = captures.current();
        return replay::ProgressPoint{cur ? std::string_view(cur->path()) : std::string_view(),
                                     captures.file_index(), captures.file_count(),
                                     cur ? cur->file_offset() : 0, cur ? cur->file_size() : 0};
      });
    }
  } catch (const replay::CaptureError& e) {
    progress.finish();
    std::fprintf(stderr, "protoport: %s\n", e.what());
    exit_code = kExitCapture;  // the report of what was read is still printed below
  }
  progress.finish();
  if (pipeline) pipeline->finish();
  const auto rs = captures.stats();
  if (o.verbose || !o.detect.dump) {
    print_counters(stderr, program.read_counters(), "replay",
                   !o.detect.dump && o.detect.format == "json");
    std::fprintf(stderr,
                 "replay: %llu files, %llu records, %llu frames run, %llu refused by the kernel, "
                 "%llu truncated, %llu unknown link family\n",
                 static_cast<unsigned long long>(captures.file_count()),
                 static_cast<unsigned long long>(rs.records), static_cast<unsigned long long>(frames - refused),
                 static_cast<unsigned long long>(refused),
                 static_cast<unsigned long long>(rs.truncated),
                 static_cast<unsigned long long>(rs.unknown_family));
    if (pipeline) pipeline->print_stats(stderr);
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
  sub->add_option("files", o->files, "Capture files, replayed in order")->required();
  sub->add_flag("-v,--verbose", o->verbose, "Show libbpf's messages and replay statistics");
  sub->add_flag("!--no-progress", o->progress,
                "No progress line (it is shown only when stderr is a terminal anyway)");
  add_detect_options(*sub, o->detect);
  sub->callback([&commands, o] { commands.selected = [o] { return run_replay(*o); }; });
}

}  // namespace protoport::cli
