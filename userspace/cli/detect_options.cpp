// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "cli/detect_options.h"

#include <unistd.h>
#include <CLI/CLI.hpp>

#include "cli/numeric_options.h"

namespace protoport::cli {

pipeline::Options DetectOptions::pipeline_options() const {
  pipeline::Options p = pipeline;
  p.sampling = kernel.sampling();
  return p;
}

namespace {
// Entries of any table a user sizes (kernel flow tables, userspace flows and rows): 16 Mi.
constexpr std::uint64_t kMaxTableEntries = 1u << 24;
}  // namespace

void add_detect_options(CLI::App& sub, DetectOptions& d) {
  pipeline::Options& o = d.pipeline;
  sub.add_option("--format", o.format,
                 "Output: table (aligned, for people), json (one object per "
                 "line) or csv (with a header)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "json", "csv"}));
  sub.add_option("--output", o.output_file,
                 "Also append every row as a JSON line to FILE, flushed per row");
  sub.add_option("--flows", o.flows_file,
                 "Append every flow's verdict (app, endpoints, evidence), mismatch or not, as "
                 "JSON lines to FILE: for triage and accuracy checks");
  sub.add_option("--pcap-out", o.pcap_out,
                 "Write the sampled packets of each mismatching flow (both directions, the bytes "
                 "its verdict was made on, rebuilt as Ethernet frames) to FILE, pcapng, one "
                 "comment per packet naming the rule and the flow; read it with Wireshark/tshark");
  sub.add_option("--pcap-max-bytes", o.pcap_max_bytes,
                 "Stop growing the --pcap-out file at this size; later packets are counted, not "
                 "written (e.g. 64M, 1G)")
      ->capture_default_str()
      ->transform(byte_size_option("pcap size", 4096, 1ull << 40));
  sub.add_flag("--risk", o.risk,
               "Also emit one risk event per mismatching (src_ip, dest_ip): risk_object src_ip "
               "(system, score 25), threat_object dest_ip");
  auto* config =
      sub.add_option("--config", o.config_file,
                     "YAML file with expected ports and filters (see examples/protoport.yaml)")
          ->check(CLI::ExistingFile);
  sub.add_option("--preset", o.preset,
                 "Port policy preset: default (Splunk's four rules, and port rules for 80, "
                 "443, 53, 25), escu-v10 (also ssl on 465/993, smtp on 587/2525) or extended "
                 "(both directions for ssh, rdp, smb, ...: see `protoport policy --preset "
                 "extended`); with --config, set 'preset:' in the file")
      ->check(CLI::IsMember({"default", "escu-v10", "extended"}))
      ->excludes(config);
  sub.add_option("--port-rules", o.port_rules,
                 "on (default): also report the wrong protocol on a well-known port (ssh or "
                 "unknown bytes on 443, anything but dns on 53); off: the search's direction "
                 "alone. Overrides 'port_rules:' in --config")
      ->check(CLI::IsMember({"on", "off"}));
  sub.add_flag("--dump", d.dump,
               "Print each kernel sample (5-tuple, direction, lengths, escaped first bytes) "
               "instead of detecting");
  exporters::add_cli_options(sub, o.exporters);
  auto* k = sub.add_option_group("Kernel sampling", "Set before load; no rebuild needed");
  k->add_option("--snap-len", d.kernel.snap_len, "Payload bytes sampled per packet (1-1024)")
      ->capture_default_str()
      ->check(count_option("snap length", 1, PP_SNAP_MAX));
  k->add_option("--samples-per-dir", d.kernel.samples_per_dir,
                "Payload packets sampled per flow direction (1-16)")
      ->capture_default_str()
      ->check(count_option("samples per direction", 1, PP_SAMPLES_PER_DIR_MAX));
  k->add_option("--opening-bytes", d.kernel.opening_bytes,
                "TCP: after --samples-per-dir, keep sampling a direction until its samples hold "
                "this many payload bytes (an opening cut into small segments; 0-1024, 0: off)")
      ->capture_default_str()
      ->check(count_option("opening bytes", 0, PP_OPENING_BYTES_MAX));
  k->add_option("--opening-packets", d.kernel.opening_packets,
                "TCP: at most this many samples per direction for --opening-bytes (the budget; "
                "hitting it is counted as opening_budget; 1-64, >= --samples-per-dir)")
      ->capture_default_str()
      ->check(count_option("opening packets", 1, PP_OPENING_PACKETS_MAX));
  k->add_option("--max-flows", d.kernel.max_flows, "Kernel flow-table size (LRU, 1-16777216)")
      ->capture_default_str()
      ->check(count_option("flow table size", 1, kMaxTableEntries));
  const long page = sysconf(_SC_PAGESIZE);
  k->add_option("--ringbuf-size", d.kernel.ringbuf_bytes,
                "Ring-buffer bytes, a power of two from a page to 1G (e.g. 4M, 16M)")
      ->capture_default_str()
      ->transform(power_of_two_size_option(
          "ring buffer size", static_cast<std::uint64_t>(page > 0 ? page : 4096), 1ull << 30));
  auto* u = sub.add_option_group("Userspace bounds", "Memory stays bounded; evictions are counted");
  u->add_option("--max-tracked-flows", o.max_tracked_flows,
                "Flows awaiting or holding a verdict in userspace (1-16777216)")
      ->capture_default_str()
      ->check(count_option("number of tracked flows", 1, kMaxTableEntries));
  u->add_option("--max-report-rows", o.max_report_rows, "Aggregated rows kept (1-16777216)")
      ->capture_default_str()
      ->check(count_option("number of report rows", 1, kMaxTableEntries));
}

}  // namespace protoport::cli
