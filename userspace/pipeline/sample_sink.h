// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Where the kernel's samples go, for `watch` and `replay` alike: the detection pipeline
// (pipeline.h) or, with --dump, one printed line per sample (sample_dump.h). The commands drive a
// sink without knowing which one it is.
#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <span>

#include "common/kernel_counters.h"
#include "pipeline/options.h"
#include "protoport/sample.h"
#include "protoport/sockets.h"

namespace protoport::pipeline {

// The kernel's side of the Prometheus metrics, read when they are published (on the caller's
// thread).
struct KernelView {
  Counters counters;
  std::uint64_t ringbuf_malformed = 0;
};

class SampleSink {
 public:
  virtual ~SampleSink() = default;

  // One ring-buffer record; wall_ns is the packet's wall-clock time (live: converted from the
  // kernel's monotonic clock; replay: the capture's timestamp).
  virtual void on_sample(const pp_sample& s, std::span<const std::uint8_t> payload,
                         std::int64_t wall_ns) = 0;
  // A socket-owner event (process attribution, watch only): who owns a socket or a port. Given
  // before the samples that socket sends.
  virtual void on_socket_event(const pp_sock_event& /*event*/) {}
  // Time has passed (live: after every poll; replay: every few thousand frames, capture time).
  virtual void tick(std::int64_t /*now_ns*/) {}
  // The periodic report (watch --interval).
  virtual void report() {}
  // An input ended (replay: a capture file): its flows are decided now.
  virtual void end_of_input() {}
  // SIGHUP: read the configuration again. False when it was not (the reason is on stderr).
  virtual bool reload() { return false; }
  virtual void set_kernel_source(std::function<KernelView()> /*source*/) {}
  // The end: decide what is left, print the final report, deliver what is queued.
  virtual void finish() {}
  virtual void print_stats(std::FILE* /*err*/) const {}
};

// The pipeline (which loads the policy and opens the output files: a bad configuration throws
// config::ConfigError, a bad option UsageError), or with `dump` the sample printer.
std::unique_ptr<SampleSink> make_sink(const Options& options, bool dump, std::FILE* out);

}  // namespace protoport::pipeline
