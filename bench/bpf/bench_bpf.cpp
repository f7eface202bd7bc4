// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Per-packet cost of the XDP sampler through bpf_prog_test_run_opts (average over `repeat`
// runs of one call), next to baselines in the same run: a program that only returns XDP_PASS,
// and minimal programs that parse Ethernet/IPv4/TCP (or Ethernet/IPv6 + extension headers/TCP
// for the IPv6 packet) and do one hash lookup. Each case runs
// `rounds` times, interleaved with the others; the fastest round and the median are printed.
//
// Flow creation cannot be repeated on one packet (the second run finds the flow), so it is
// measured with repeat=1 on `flows` distinct packets (distinct source ports/addresses), the
// ring buffer drained every 1,000 calls; with repeat=1 the kernel's figure includes its timer
// overhead, so the same method is applied to the XDP_PASS program for comparison.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "loader/loader.h"
#include "packet_builder.h"
#include "pp_bench_minimal.skel.h"
#include "pp_bench_pass.skel.h"

namespace {

using protoport::loader::Counters;
using protoport::loader::Program;

struct PassDeleter {
  void operator()(pp_bench_pass* s) const { pp_bench_pass__destroy(s); }
};
struct MinimalDeleter {
  void operator()(pp_bench_minimal* s) const { pp_bench_minimal__destroy(s); }
};

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_bpf: %s\n", message.c_str());
  std::exit(1);
}

// Average ns per run as the kernel measured it (opts.duration: whole ns; time spent rescheduled
// at the kernel's cond_resched points is excluded, unlike a wall clock's).
// expect: the return value every run must give (XDP_PASS = 2; TC programs: TC_ACT_UNSPEC).
double kernel_run(int prog_fd, const std::vector<std::uint8_t>& frame, int repeat,
                  std::uint32_t expect = 2) {
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<std::uint32_t>(frame.size());
  opts.repeat = repeat;
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
    die(std::string("test run failed: ") + std::strerror(errno));
  if (opts.retval != expect) die("program did not return " + std::to_string(expect));
  return opts.duration;
}

// The numbers printed above do not measure what their labels say.
[[noreturn]] void invalid(const std::string& why) { die("INVALID RUN: " + why); }

double best(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Case {
  std::string name;
  std::function<double()> run;  // one measurement: ns per packet
  std::vector<double> results;
};

std::vector<std::uint8_t> tcp4_frame(std::uint16_t sport) {
  pp_test::PacketSpec s;
  s.sport = sport;
  s.payload = pp_test::pattern(100);
  return pp_test::build(s).bytes;
}

std::vector<std::uint8_t> tcp6_ext_frame() {
  pp_test::PacketSpec s;
  s.family = 6;
  s.src = "2001:db8::1";
  s.dst = "2001:db8::2";
  s.ipv6_ext = {{pp_test::kHopByHop, 8}, {pp_test::kDestOpts, 16}};
  s.payload = pp_test::pattern(100);
  return pp_test::build(s).bytes;
}

std::vector<std::uint8_t> udp4_frame(std::uint32_t n) {
  pp_test::PacketSpec s;
  s.l4 = pp_test::kUdp;
  s.src = "10." + std::to_string((n >> 16) & 0xff) + "." + std::to_string((n >> 8) & 0xff) + "." +
          std::to_string(n & 0xff);
  s.sport = static_cast<std::uint16_t>(1024 + n % 60000);
  s.payload = pp_test::pattern(100);
  return pp_test::build(s).bytes;
}

int arg_value(int argc, char** argv, const char* name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) {
      char* end = nullptr;
      const long v = std::strtol(argv[i + 1], &end, 10);
      if (*end != '\0' || v <= 0 || v > 100000000) die(std::string("bad value for ") + name);
      return static_cast<int>(v);
    }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) {
  const int repeat = arg_value(argc, argv, "--repeat", 1000000);
  const int rounds = arg_value(argc, argv, "--rounds", 7);
  const int flows = arg_value(argc, argv, "--flows", 20000);
  if (repeat < 1000000)
    std::fprintf(stderr, "bench_bpf: note: repeat %d is below the 1,000,000 the report asks for\n",
                 repeat);

  std::unique_ptr<pp_bench_pass, PassDeleter> pass(pp_bench_pass__open_and_load());
  std::unique_ptr<pp_bench_minimal, MinimalDeleter> minimal(pp_bench_minimal__open_and_load());
  if (!pass || !minimal) die("cannot load the baseline programs (root needed)");
  const int pass_fd = bpf_program__fd(pass->progs.pp_bench_pass);
  const int minimal_fd = bpf_program__fd(minimal->progs.pp_bench_minimal);
  const int minimal6_fd = bpf_program__fd(minimal->progs.pp_bench_minimal6);
  const int minimal_tc_fd = bpf_program__fd(minimal->progs.pp_bench_minimal_tc);
  constexpr std::uint32_t kTcUnspec = static_cast<std::uint32_t>(-1);

  try {
    protoport::loader::Settings settings;  // default settings: snap 256, 2 samples per direction
    settings.egress = true;                // and the TC egress program, on the same tables
    Program pp(settings);
    int sampled_seen = 0;
    protoport::loader::RingReader reader(
        pp, [&](const pp_sample&, std::span<const std::uint8_t>) { ++sampled_seen; });

    const auto tcp4 = tcp4_frame(40000);
    const auto tcp6 = tcp6_ext_frame();
    const auto arp = pp_test::arp_frame();

    // The minimal program's map holds the packet's flow, so its lookup hits.
    struct {
      std::uint32_t saddr, daddr;
      std::uint16_t sport, dport;
      std::uint8_t proto, pad[3];
    } min_key{};
    std::memcpy(&min_key.saddr, &tcp4[14 + 12], 4);
    std::memcpy(&min_key.daddr, &tcp4[14 + 16], 4);
    std::memcpy(&min_key.sport, &tcp4[34], 2);
    std::memcpy(&min_key.dport, &tcp4[36], 2);
    min_key.proto = 6;
    const std::uint64_t one = 1;
    if (bpf_map_update_elem(bpf_map__fd(minimal->maps.pp_min_flows), &min_key, &one, BPF_ANY) != 0)
      die("cannot fill the minimal program's map");
    struct {
      std::uint8_t saddr[16], daddr[16];
      std::uint16_t sport, dport;
      std::uint8_t proto, pad[3];
    } min_key6{};
    const std::size_t l4_6 = 14 + 40 + 8 + 16;  // IPv6 header, hop-by-hop 8, dest options 16
    std::memcpy(min_key6.saddr, &tcp6[14 + 8], 16);
    std::memcpy(min_key6.daddr, &tcp6[14 + 24], 16);
    std::memcpy(&min_key6.sport, &tcp6[l4_6], 2);
    std::memcpy(&min_key6.dport, &tcp6[l4_6 + 2], 2);
    min_key6.proto = 6;
    if (bpf_map_update_elem(bpf_map__fd(minimal->maps.pp_min_flows6), &min_key6, &one, BPF_ANY) !=
        0)
      die("cannot fill the minimal IPv6 program's map");

    // Sample both protoport flows to their limit first: every measured run is then the
    // already-sampled path (checked with the counters below).
    for (int i = 0; i < PP_SAMPLES_PER_DIR_DEFAULT; ++i) {
      pp.test_run(tcp4);
      pp.test_run(tcp6);
    }
    reader.consume();
    const Counters before = pp.read_counters(PP_HOOK_INGRESS);
    const Counters before_egress = pp.read_counters(PP_HOOK_EGRESS);

    std::uint32_t next_flow = 0;
    std::vector<Case> cases = {
        {"pass: return XDP_PASS", [&] { return kernel_run(pass_fd, tcp4, repeat); }, {}},
        {"minimal: eth/ipv4/tcp + 1 hash lookup",
         [&] { return kernel_run(minimal_fd, tcp4, repeat); },
         {}},
        {"minimal6: eth/ipv6+2 ext/tcp + 1 hash lookup",
         [&] { return kernel_run(minimal6_fd, tcp6, repeat); },
         {}},
        {"protoport: IPv4 TCP, already sampled",
         [&] { return kernel_run(pp.prog_fd(), tcp4, repeat); },
         {}},
        {"protoport: IPv6+2 ext TCP, already sampled",
         [&] { return kernel_run(pp.prog_fd(), tcp6, repeat); },
         {}},
        {"protoport: non-IP (ARP)", [&] { return kernel_run(pp.prog_fd(), arp, repeat); }, {}},
        {"pass, repeat=1 per call",
         [&] {
           double total = 0;
           for (int i = 0; i < flows; ++i) total += kernel_run(pass_fd, udp4_frame(i), 1);
           return total / flows;
         },
         {}},
        {"protoport: new UDP flow + sample, repeat=1",
         [&] {
           double total = 0;
           for (int i = 0; i < flows; ++i) {
             total += kernel_run(pp.prog_fd(), udp4_frame(next_flow++), 1);
             if (i % 1000 == 999) reader.consume();
           }
           reader.consume();
           return total / flows;
         },
         {}},
    };
    // The egress hook: the same flow (sampled above, from the same side), the same packet, as
    // an skb test run, against the minimal parse + lookup written as a TC program.
    std::vector<Case> egress_cases = {
        {"minimal tc: eth/ipv4/tcp + 1 hash lookup",
         [&] { return kernel_run(minimal_tc_fd, tcp4, repeat, kTcUnspec); },
         {}},
        {"protoport egress: IPv4 TCP, already sampled",
         [&] { return kernel_run(pp.egress_prog_fd(), tcp4, repeat, kTcUnspec); },
         {}},
    };
    for (int r = 0; r < rounds; ++r) {
      for (auto& c : cases) c.results.push_back(c.run());
      for (auto& c : egress_cases) c.results.push_back(c.run());
    }

    // Ratios use the fastest round of each case: on a shared machine the minimum is the
    // measurement least disturbed by other work; the median shows the spread.
    const double base_pass = best(cases[0].results);
    const double base_pass1 = best(cases[6].results);
    // "x minimal": against the minimal program of the same packet (IPv6 rows: minimal6).
    const double base_min[] = {best(cases[1].results), best(cases[1].results),
                               best(cases[2].results), best(cases[1].results),
                               best(cases[2].results), best(cases[1].results)};
    std::printf(
        "bpf_prog_test_run_opts: repeat %d; per-call rows: %d calls of repeat 1; %d rounds\n",
        repeat, flows, rounds);
    std::printf("%-46s %8s %8s %8s %10s\n", "case", "min ns", "median", "x pass", "x minimal");
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const double ns = best(cases[i].results);
      const double med = median(cases[i].results);
      if (i >= 6)
        std::printf("%-46s %8.1f %8.1f %8.2f %10s\n", cases[i].name.c_str(), ns, med,
                    ns / base_pass1, "-");
      else
        std::printf("%-46s %8.1f %8.1f %8.2f %10.2f\n", cases[i].name.c_str(), ns, med,
                    ns / base_pass, ns / base_min[i]);
    }
    std::printf(
        "(per-call rows compare with 'pass, repeat=1 per call': the kernel timer's own cost "
        "is in both)\n");
    const double base_tc = best(egress_cases[0].results);
    std::printf("%-46s %8s %8s %8s %10s\n", "egress case (skb test run)", "min ns", "median", "",
                "x min tc");
    for (const auto& c : egress_cases)
      std::printf("%-46s %8.1f %8.1f %8s %10.2f\n", c.name.c_str(), best(c.results),
                  median(c.results), "", best(c.results) / base_tc);
    // Checked after printing so that an experiment still shows its numbers, but exits 1.
    const Counters after = pp.read_counters(PP_HOOK_INGRESS);
    const Counters after_egress = pp.read_counters(PP_HOOK_EGRESS);
    if (after_egress[PP_OUT_ALREADY_SAMPLED] - before_egress[PP_OUT_ALREADY_SAMPLED] !=
        static_cast<std::uint64_t>(repeat) * rounds)
      invalid("the egress case did not take the already-sampled path");
    const std::uint64_t fast_runs = 2ull * repeat * rounds;
    const std::uint64_t created = static_cast<std::uint64_t>(flows) * rounds;
    if (after[PP_OUT_ALREADY_SAMPLED] - before[PP_OUT_ALREADY_SAMPLED] != fast_runs)
      invalid("the already-sampled cases did not all take the already-sampled path");
    if (after[PP_OUT_NON_IP] - before[PP_OUT_NON_IP] != static_cast<std::uint64_t>(repeat) * rounds)
      invalid("the non-IP case did not count non_ip");
    if (after[PP_OUT_SAMPLED] - before[PP_OUT_SAMPLED] != created ||
        after[PP_CNT_FLOWS_CREATED] - before[PP_CNT_FLOWS_CREATED] != created ||
        static_cast<std::uint64_t>(sampled_seen) != created + 2 * PP_SAMPLES_PER_DIR_DEFAULT)
      invalid("the flow-creation case did not create and sample every flow (ring buffer full?)");

  } catch (const protoport::loader::Error& e) {
    die(e.what());
  }
  return 0;
}
