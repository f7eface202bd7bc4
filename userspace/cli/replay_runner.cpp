// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "cli/replay_runner.h"

#include <pthread.h>
#include <sched.h>

#include <stdexcept>

namespace protoport::cli {

namespace {

// Every test run on one CPU: the kernel's LRU tables keep free entries in per-CPU lists, so once
// a flow table is full, which entry an insert evicts depends on the CPU each run happened on;
// on one CPU a capture gives the same report every time (and --exact the same as the fast
// paths). Only this thread is pinned: the capture reader goes on using the other CPUs.
void pin_to_current_cpu() {
  const int cpu = sched_getcpu();
  if (cpu < 0) return;  // not known: runs stay where the scheduler puts them
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(pthread_self(), sizeof(set), &set);  // best effort, as above
}

}  // namespace

ReplayRunner::ReplayRunner(const loader::Program& program, replay::SkipFilter* filter,
                           pipeline::SampleSink& sink)
    : program_(program),
      filter_(filter),
      sink_(sink),
      reader_(program, [this](const pp_sample& s, std::span<const std::uint8_t> payload) {
        on_sample(s, payload);
      }) {
  pin_to_current_cpu();
  if (program.settings().replay_batch > 0) {
    batch_.emplace(program);
    batch_ts_.reserve(batch_->capacity());
  }
}

void ReplayRunner::on_sample(const pp_sample& s, std::span<const std::uint8_t> payload) {
  std::int64_t ts = alone_ts_;
  if (draining_batch_) {
    // Samples come in frame order, one from each frame whose outcome says it gave one.
    while (cursor_ < batch_->size() && !loader::FrameBatch::gives_sample(batch_->outcome(cursor_)))
      ++cursor_;
    if (cursor_ == batch_->size())
      throw std::logic_error("replay: a batch gave more samples than its outcomes say");
    ts = batch_ts_[cursor_++];
  }
  if (filter_) filter_->on_sample(s);  // learns which flow directions are complete
  sink_.on_sample(s, payload, ts);
}

void ReplayRunner::frame(const replay::FeedFrame& f, std::span<const std::uint8_t> bytes) {
  const auto ts = static_cast<std::int64_t>(f.ts_ns);
  if (filter_) {
    if (filter_->must_run_queue_first(f.preview)) flush();
    if (filter_->decide(f.preview, f.len)) return;  // left out, counted as the program would
  }
  // Frames without bytes are stateless ones, which decide() always leaves out.
  if (bytes.size() != f.len) throw std::logic_error("replay: a frame to run came without its bytes");
  if (batch_ && batch_->fits(bytes.size())) {
    batch_->add(bytes);
    batch_ts_.push_back(ts);
    if (batch_->full() || (filter_ && filter_->must_run_queue_now())) flush();
    return;
  }
  flush();  // the queue first: frames run in capture order
  run_alone(bytes, ts);
}

void ReplayRunner::run_alone(std::span<const std::uint8_t> bytes, std::int64_t ts_ns) {
  ++calls_;
  try {
    if (batch_)
      batch_->run_alone(bytes);  // the batch program, with the frame as its packet
    else
      program_.test_run(bytes);
  } catch (const loader::Error&) {
    ++refused_;  // e.g. shorter than an Ethernet header: the kernel will not run it
    if (filter_) filter_->runs_done(false);
    return;
  }
  alone_ts_ = ts_ns;
  reader_.consume();
  if (filter_) filter_->runs_done();  // its samples are in: what it left in the tables is known
}

void ReplayRunner::flush() {
  if (!batch_ || batch_->empty()) return;
  ++calls_;
  batch_->run();
  cursor_ = 0;
  draining_batch_ = true;
  try {
    reader_.consume();
  } catch (...) {
    draining_batch_ = false;
    throw;
  }
  draining_batch_ = false;
  for (std::size_t i = 0; i < batch_->size(); ++i)
    if (batch_->outcome(i) == PP_BATCH_NOT_RUN) ++refused_;  // its packet could not be made
  if (filter_) filter_->runs_done(batch_->outcome(batch_->size() - 1) != PP_BATCH_NOT_RUN);
  batch_->clear();
  batch_ts_.clear();
}

}  // namespace protoport::cli
