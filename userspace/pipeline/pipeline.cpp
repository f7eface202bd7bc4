// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "pipeline/pipeline.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "common/usage_error.h"
#include "pipeline/config_load.h"
#include "pipeline/sample_dump.h"
#include "policy/names.h"
#include "report/record.h"
#include "report/time_format.h"

namespace protoport::pipeline {

namespace {

std::size_t terminal_width(std::FILE* out) {
  winsize ws{};
  if (isatty(fileno(out)) && ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
    return ws.ws_col;
  return 80;
}

// Every verdict, mismatch or not, for --flows: what the detector thought of each flow.
report::Record flow_record(const FlowVerdict& v, const ProcessInfo* process) {
  auto text = [](std::string name, std::string value) {
    return report::Field{std::move(name), std::move(value), {}, false};
  };
  auto number = [](std::string name, std::uint64_t value) {
    return report::Field{std::move(name), std::to_string(value), value, false};
  };
  report::Record r{text("event", "flow"),
                   text("src_ip", v.src_ip.to_string()),
                   number("src_port", v.src_port),
                   text("dest_ip", v.dest_ip.to_string()),
                   number("dest_port", v.dest_port),
                   text("transport", std::string(fingerprint::to_string(v.transport))),
                   text("app", std::string(fingerprint::to_string(v.fp.app))),
                   text("time", report::format_utc(v.time_ns)),
                   text("direction_by", std::string(to_string(v.direction_by)))};
  if (v.fp.app == fingerprint::App::unknown)
    r.push_back(text("opening", v.opening_complete ? "complete" : "undecided"));
  if (process) report::add_process(r, *process, std::nullopt);
  for (auto& [key, value] : report::evidence_fields(v.fp.evidence))
    r.push_back(report::Field{std::move(key), std::move(value), {}, true});
  return r;
}

report::RowOutput open_output(const std::string& option, const std::string& path) {
  try {
    return report::RowOutput(option, report::AppendFile(path));
  } catch (const report::OutputError& e) {
    throw UsageError(e.what());
  }
}

std::unique_ptr<exporters::Hub> make_hub(const exporters::ExportConfig& from_file,
                                         const exporters::ExportOptions& flags) {
  try {
    const exporters::ExportConfig config = exporters::merge(from_file, flags);
    if (!config.any()) return nullptr;
    return std::make_unique<exporters::Hub>(config);
  } catch (const exporters::TemporarySetupError&) {
    throw;  // may pass by itself (address in use): a runtime failure, exit 1, retried by systemd
  } catch (const exporters::SetupError& e) {
    throw UsageError(e.what());
  }
}

}  // namespace

Pipeline::Pipeline(const Options& opts, std::FILE* out) : Pipeline(opts, out, load_config(opts)) {}

Pipeline::Pipeline(const Options& opts, std::FILE* out, LoadedConfig config)
    : opts_(opts),
      stdout_("standard output", out),
      export_config_(std::move(config.exporters)),
      policy_(std::move(config.policy)),
      format_(report::parse_format(opts.format).value_or(report::Format::table)),
      formatter_(report::make_formatter(format_, {terminal_width(out)})),
      aggregator_(opts.max_report_rows),
      risk_(opts.max_report_rows),
      tracker_({.max_flows = opts.max_tracked_flows,
                .sampling = opts.sampling,
                .keep_samples = opts.pcap_out.empty() ? 0 : kEvidenceSamplesPerFlow},
               [this](const FlowVerdict& v) { on_verdict(v); }) {
  if (!opts.output_file.empty()) output_file_.emplace(open_output("--output", opts.output_file));
  if (!opts.flows_file.empty()) flows_file_.emplace(open_output("--flows", opts.flows_file));
  if (!opts.pcap_out.empty()) {
    try {
      pcap_ = std::make_unique<report::PcapEvidence>(opts.pcap_out, opts.pcap_max_bytes);
    } catch (const report::OutputError& e) {
      throw UsageError(std::string("--pcap-out: ") + e.what());
    }
  }
  hub_ = make_hub(export_config_, opts.exporters);
  stdout_.write(formatter_->header());
}

// Every sink gets its copy whatever happened to the others: a failed write is counted and said
// by its RowOutput, and detection goes on.
void Pipeline::emit(const std::string& text, const std::string& json_line) {
  stdout_.write(text);
  if (output_file_) output_file_->write(json_line);
}

void Pipeline::on_verdict(const FlowVerdict& v) {
  last_now_ns_ = std::max(last_now_ns_, v.time_ns);
  const auto app_index = static_cast<std::size_t>(v.fp.app);
  if (app_index < verdicts_by_app_.size()) ++verdicts_by_app_[app_index];
  const auto process = processes_.find(v);
  if (flows_file_) flows_file_->write(report::json_line(flow_record(v, process.get())));
  const auto mismatch = policy_.check(v, process);  // filters may name the process
  if (!mismatch) return;
  ++mismatches_;
  if (pcap_) write_evidence(v, *mismatch);
  if (hub_) hub_->count_mismatch(*mismatch);
  const auto added = aggregator_.add(*mismatch);
  if (added.evicted && !said_table_full_) {
    std::fprintf(stderr,
                 "protoport: report table full (--max-report-rows %zu): the least recently "
                 "updated rows are evicted and counted; a key seen again after its eviction is "
                 "not announced again\n",
                 aggregator_.max_rows());
    said_table_full_ = true;
  }
  if (added.is_new && added.seen_before) ++announcements_held_;
  if (added.is_new && !added.seen_before) {
    auto record = report::record_new_mismatch(*mismatch);
    const std::string line = report::json_line(record);
    if (hub_)
      hub_->publish({exporters::EventKind::new_mismatch, mismatch->time_ns, std::move(record)});
    // JSON on stdout is the --output line: formatted once.
    emit(format_ == report::Format::json ? line : formatter_->new_mismatch(*mismatch), line);
  }
  if (opts_.risk) {
    if (const auto event = risk_.observe(*mismatch)) {
      auto record = report::record_risk(*event);
      const std::string line = report::json_line(record);
      if (hub_) hub_->publish({exporters::EventKind::risk, event->first_ns, std::move(record)});
      emit(format_ == report::Format::json ? line : formatter_->risk(*event), line);
    }
  }
}

void Pipeline::write_evidence(const FlowVerdict& v, const policy::Mismatch& m) {
  // Names only: no payload-derived text goes into the comment.
  const std::string comment =
      "protoport " + m.rule + " app=" + std::string(fingerprint::to_string(m.app)) + " " +
      m.src_ip.to_string() + ":" + std::to_string(m.src_port) + " -> " + m.dest_ip.to_string() +
      ":" + std::to_string(m.dest_port) + "/" + std::string(fingerprint::to_string(m.transport));
  pcap_->write_flow(v.samples, comment);
}

report::ReportSnapshot Pipeline::snapshot() const {
  auto snap = aggregator_.snapshot();
  snap.filtered = filtered_total();
  return snap;
}

void Pipeline::report() {
  const auto snap = snapshot();
  std::string file_lines;
  const bool export_rows = hub_ && hub_->wants(exporters::EventKind::report_row);
  for (const auto& row : snap.rows) {
    auto record = report::record_row(row);
    file_lines += report::json_line(record);
    if (export_rows)
      hub_->publish({exporters::EventKind::report_row, row.last_ns, std::move(record)});
  }
  file_lines += report::json_line(report::record_summary(snap, last_now_ns_));
  emit(formatter_->report(snap, last_now_ns_), file_lines);
}

void Pipeline::finish() {
  tracker_.flush();
  report();
  if (hub_) {
    publish_metrics();
    hub_->close();  // gives the exporters their exit grace to deliver what is queued
  }
}

bool Pipeline::reload() {
  if (opts_.config_file.empty()) {
    std::fprintf(stderr, "protoport: SIGHUP: no --config file to reload; policy unchanged\n");
    return false;
  }
  try {
    LoadedConfig fresh = load_config(opts_);
    filtered_before_reload_ += policy_.filtered_total();
    policy_ = std::move(fresh.policy);
    ++reloads_ok_;
    std::fprintf(stderr, "protoport: reloaded %s: %zu rules, %zu filters; aggregates kept\n",
                 opts_.config_file.c_str(), policy_.rules().size(), policy_.filters().size());
    if (!(fresh.exporters == export_config_))
      std::fprintf(stderr,
                   "protoport: note: exporter settings in %s changed; they take effect at "
                   "the next start\n",
                   opts_.config_file.c_str());
    return true;
  } catch (const std::exception& e) {  // config::ConfigError: "file:line: message"
    ++reloads_failed_;
    std::fprintf(stderr, "protoport: reload failed, policy unchanged: %s\n", e.what());
    return false;
  }
}

void Pipeline::publish_metrics() {
  exporters::MetricsSnapshot s;
  if (kernel_source_) {
    const KernelView k = kernel_source_();
    s.has_kernel = true;
    s.kernel = k.counters;
    s.ringbuf_malformed = k.ringbuf_malformed;
  }
  const auto& t = tracker_.stats();
  s.samples = t.samples;
  s.samples_invalid = t.samples_invalid;
  s.flows = t.flows;
  s.evicted_undecided = t.evicted_undecided;
  for (const auto app : policy::all_apps()) {
    const auto i = static_cast<std::size_t>(app);
    if (i < verdicts_by_app_.size())
      s.verdicts_by_app.emplace_back(std::string(fingerprint::to_string(app)), verdicts_by_app_[i]);
  }
  s.filtered = filtered_total();
  s.report_rows = aggregator_.size();
  s.report_rows_evicted = aggregator_.evicted_rows();
  s.reloads_ok = reloads_ok_;
  s.reloads_failed = reloads_failed_;
  hub_->publish_metrics(std::move(s));
}

std::uint64_t Pipeline::writes_lost() const {
  return stdout_.writes_lost() + (output_file_ ? output_file_->writes_lost() : 0) +
         (flows_file_ ? flows_file_->writes_lost() : 0);
}

void Pipeline::print_stats(std::FILE* err) const {
  for (const auto* output :
       {&stdout_, output_file_ ? &*output_file_ : nullptr, flows_file_ ? &*flows_file_ : nullptr})
    if (output && output->writes_lost() > 0)
      std::fprintf(err, "output: %s\n", output->summary().c_str());
  const auto& t = tracker_.stats();
  std::fprintf(
      err,
      "userspace: samples %llu (invalid %llu, after verdict %llu), flows %llu, "
      "verdicts %llu (on timeout %llu), evicted undecided %llu, mismatching flows %llu, "
      "filtered %llu, report rows evicted %llu (seen again and not announced again %llu)\n",
      static_cast<unsigned long long>(t.samples),
      static_cast<unsigned long long>(t.samples_invalid),
      static_cast<unsigned long long>(t.samples_after_verdict),
      static_cast<unsigned long long>(t.flows), static_cast<unsigned long long>(t.verdicts),
      static_cast<unsigned long long>(t.verdicts_on_timeout),
      static_cast<unsigned long long>(t.evicted_undecided),
      static_cast<unsigned long long>(mismatches_),
      static_cast<unsigned long long>(filtered_total()),
      static_cast<unsigned long long>(aggregator_.evicted_rows()),
      static_cast<unsigned long long>(announcements_held_));
  std::string by_app;
  for (const auto app : policy::all_apps()) {
    const auto i = static_cast<std::size_t>(app);
    if (i < verdicts_by_app_.size() && verdicts_by_app_[i] > 0)
      by_app += " " + std::string(fingerprint::to_string(app)) + "=" +
                std::to_string(verdicts_by_app_[i]);
  }
  // Unknown flows whose opening was not seen whole are no evidence for a port rule.
  if (t.unknown_undecided > 0)
    by_app += " (unknown undecided: " + std::to_string(t.unknown_undecided) + ")";
  std::fprintf(err, "verdicts by app:%s\n", by_app.empty() ? " none" : by_app.c_str());
  if (pcap_)
    std::fprintf(err,
                 "pcap evidence: %llu packets written to %s, %llu not (past --pcap-max-bytes "
                 "or after a failed write)\n",
                 static_cast<unsigned long long>(pcap_->packets_written()), pcap_->path().c_str(),
                 static_cast<unsigned long long>(pcap_->packets_dropped()));
  const auto& ip = tracker_.fragment_stats();
  if (ip.fragments > 0)
    std::fprintf(err,
                 "ip fragments: %llu sampled, datagrams whole %llu, from the first fragment only "
                 "%llu, dropped %llu, overlapping (discarded, as Linux) %llu, duplicates %llu, "
                 "beyond the bounds %llu\n",
                 static_cast<unsigned long long>(ip.fragments),
                 static_cast<unsigned long long>(ip.completed),
                 static_cast<unsigned long long>(ip.first_only),
                 static_cast<unsigned long long>(ip.dropped),
                 static_cast<unsigned long long>(ip.overlapping),
                 static_cast<unsigned long long>(ip.duplicates),
                 static_cast<unsigned long long>(ip.pieces_dropped));
  // TCP openings put in stream order: what did not fit, and what was sent twice.
  if (t.tcp.conflicts + t.tcp.duplicate_bytes + t.tcp.dropped_bytes + t.tcp.before_start > 0)
    std::fprintf(err,
                 "tcp openings: conflicting bytes %llu, duplicate bytes %llu, dropped bytes %llu "
                 "(beyond the bounds), segments before the start %llu\n",
                 static_cast<unsigned long long>(t.tcp.conflicts),
                 static_cast<unsigned long long>(t.tcp.duplicate_bytes),
                 static_cast<unsigned long long>(t.tcp.dropped_bytes),
                 static_cast<unsigned long long>(t.tcp.before_start));
  if (reloads_ok_ + reloads_failed_ > 0)
    std::fprintf(err, "configuration reloads: %llu ok, %llu failed\n",
                 static_cast<unsigned long long>(reloads_ok_),
                 static_cast<unsigned long long>(reloads_failed_));
  if (hub_) hub_->print_stats(err);
}

std::unique_ptr<SampleSink> make_sink(const Options& options, bool dump, std::FILE* out) {
  if (dump) return std::make_unique<SampleDump>(out);
  return std::make_unique<Pipeline>(options, out);
}

}  // namespace protoport::pipeline
