// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Userspace throughput on one core: ring-buffer records through the real detection path,
// pipeline::Pipeline (FlowTracker -> Policy::check -> Aggregator -> JSON rows), next to a
// baseline measured in the same run on the same records: copy each record out (memcpy of header
// and payload, as a consumer of the ring buffer must) and one std::unordered_map insert/lookup
// keyed by the flow's 5-tuple + flow_ns. Rounds alternate baseline and pipeline; each figure is
// its fastest round: on a shared machine the least disturbed one (as bench_bpf does).
//
// The records are built in memory before timing, laid out like the ring buffer (pp_sample header
// then cap_len payload bytes): DNS (UDP), HTTP, TLS, SMTP (TCP) and unknown payloads, 2 samples
// per flow per direction, flows interleaved in groups, and every --mismatch-every'th flow on a
// port its app is not expected on, so that the aggregator works too.
//
//   bench_pipeline [--flows N] [--rounds R] [--cpu N (1-based)] [--mismatch-every K] [--once]
//   [--csv]
// --once / --once-baseline: a single pipeline / baseline pass (for `valgrind --tool=callgrind
//   --toggle-collect=pp_bench_pipeline_pass` / `pp_bench_baseline_pass`: instructions per
//   sample = collected Ir / samples).
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "fingerprint/fingerprint.h"
#include "pipeline/pipeline.h"
#include "protoport/sample.h"

namespace {

namespace fp = protoport::fingerprint;
using Bytes = std::vector<std::uint8_t>;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "bench_pipeline: %s\n", message.c_str());
  std::exit(1);
}

void put(Bytes& b, std::string_view s) { b.insert(b.end(), s.begin(), s.end()); }
void put16(Bytes& b, std::size_t v) {
  b.push_back(std::uint8_t(v >> 8));
  b.push_back(std::uint8_t(v));
}
void put24(Bytes& b, std::size_t v) {
  b.push_back(std::uint8_t(v >> 16));
  put16(b, v & 0xffff);
}
void fill(Bytes& b, std::size_t n, std::uint8_t seed) {
  for (std::size_t i = 0; i < n; ++i) b.push_back(std::uint8_t(seed * 31 + i * 7));
}

Bytes dns_name(std::string_view name) {
  Bytes b;
  while (!name.empty()) {
    const auto dot = name.find('.');
    const auto label = name.substr(0, dot);
    b.push_back(std::uint8_t(label.size()));
    put(b, label);
    name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  }
  b.push_back(0);
  return b;
}

Bytes dns_message(bool response, std::uint16_t id) {
  Bytes b;
  put16(b, id);
  put16(b, response ? 0x8180 : 0x0100);
  put16(b, 1);                 // questions
  put16(b, response ? 1 : 0);  // answers
  put16(b, 0);
  put16(b, 0);
  const Bytes q = dns_name("www.example.com");
  b.insert(b.end(), q.begin(), q.end());
  put16(b, 1);  // A
  put16(b, 1);  // IN
  if (response) {
    put16(b, 0xc00c);
    put16(b, 1);
    put16(b, 1);
    put16(b, 0);
    put16(b, 300);  // TTL
    put16(b, 4);
    put(b, std::string_view("\xc0\x00\x02\x63", 4));
  }
  return b;
}

Bytes tls_hello(bool client) {
  Bytes body;
  put16(body, 0x0303);
  fill(body, 32, client ? 1 : 2);  // random
  body.push_back(32);
  fill(body, 32, 3);  // session id
  Bytes ext;
  if (client) {
    put16(body, 4);
    put16(body, 0x1301);
    put16(body, 0xc02f);
    body.push_back(1);
    body.push_back(0);
    const std::string_view host = "www.example.com";
    put16(ext, 0x0000);  // server_name
    put16(ext, host.size() + 5);
    put16(ext, host.size() + 3);
    ext.push_back(0);
    put16(ext, host.size());
    put(ext, host);
    put16(ext, 0x002b);  // supported_versions
    put16(ext, 3);
    ext.push_back(2);
    put16(ext, 0x0304);
  } else {
    put16(body, 0x1301);
    body.push_back(0);
    put16(ext, 0x002b);
    put16(ext, 2);
    put16(ext, 0x0304);
  }
  put16(body, ext.size());
  body.insert(body.end(), ext.begin(), ext.end());
  Bytes hs;
  hs.push_back(client ? 1 : 2);
  put24(hs, body.size());
  hs.insert(hs.end(), body.begin(), body.end());
  Bytes rec{0x16, 0x03, std::uint8_t(client ? 0x01 : 0x03)};
  put16(rec, hs.size());
  rec.insert(rec.end(), hs.begin(), hs.end());
  return rec;
}

Bytes text(std::string_view s) { return Bytes(s.begin(), s.end()); }

// One kind of flow: its transport, expected port, and the two samples of each direction.
struct FlowKind {
  std::string_view name;
  fp::App app;
  std::uint8_t proto;
  std::uint16_t port;      // where the app is expected
  std::uint16_t odd_port;  // a port where it is a mismatch
  Bytes to_resp[2];
  Bytes to_init[2];
};

std::vector<FlowKind> flow_kinds() {
  std::vector<FlowKind> k;
  k.push_back({"dns",
               fp::App::dns,
               17,
               53,
               5353 + 1000,
               {dns_message(false, 1), dns_message(false, 2)},
               {dns_message(true, 1), dns_message(true, 2)}});
  k.push_back(
      {"http",
       fp::App::http,
       6,
       80,
       8081,
       {text("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: curl/7.88.1\r\n"
             "Accept: */*\r\n\r\n"),
        text("GET /style.css HTTP/1.1\r\nHost: www.example.com\r\n\r\n")},
       {text("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5120\r\n"
             "Server: nginx\r\n\r\n<!doctype html><html><head><title>x</title></head>"),
        text("<body><p>more of the page, a second segment of the response body</p>")}});
  k.push_back({"tls",
               fp::App::ssl,
               6,
               443,
               4433,
               {tls_hello(true), text("\x17\x03\x03\x00\x20"
                                      "0123456789abcdef0123456789abcdef")},
               {tls_hello(false), text("\x14\x03\x03\x00\x01\x01")}});
  k.push_back(
      {"smtp",
       fp::App::smtp,
       6,
       25,
       2525,
       {text("EHLO client.example.org\r\n"), text("MAIL FROM:<a@example.org>\r\n")},
       {text("220 mail.example.com ESMTP Postfix\r\n"),
        text("250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
             "250 8BITMIME\r\n")}});
  Bytes r1, r2, r3, r4;
  fill(r1, 200, 11);
  fill(r2, 120, 12);
  fill(r3, 180, 13);
  fill(r4, 90, 14);
  k.push_back({"unknown", fp::App::unknown, 6, 9000, 9001, {r1, r2}, {r3, r4}});
  // The real samples are cut at the default snap length.
  for (auto& f : k)
    for (auto* side : {f.to_resp, f.to_init})
      for (int i = 0; i < 2; ++i)
        if (side[i].size() > PP_SNAP_DEFAULT) side[i].resize(PP_SNAP_DEFAULT);
  return k;
}

// Every template must classify as its app, or the benchmark would measure the wrong path.
void check_templates(const std::vector<FlowKind>& kinds) {
  for (const auto& k : kinds) {
    const auto t = k.proto == 17 ? fp::Transport::udp : fp::Transport::tcp;
    const auto r = fp::classify_payload(k.to_init[0], t);
    const auto q = fp::classify_payload(k.to_resp[0], t);
    if (k.app != fp::App::unknown && r.app != k.app && q.app != k.app)
      die("payload template '" + std::string(k.name) + "' does not classify as its app");
  }
}

struct Records {
  Bytes buf;                         // like the ring buffer: header, payload, header, ...
  std::vector<std::size_t> offsets;  // start of each record
  std::size_t samples() const { return offsets.size(); }
};

void add_record(Records& r, const pp_sample& h, const Bytes& payload) {
  r.offsets.push_back(r.buf.size());
  const auto* p = reinterpret_cast<const std::uint8_t*>(&h);
  r.buf.insert(r.buf.end(), p, p + sizeof h);
  r.buf.insert(r.buf.end(), payload.begin(), payload.end());
  r.buf.resize((r.buf.size() + 7) & ~std::size_t(7));  // ring-buffer records are 8-byte aligned
}

void v4_mapped(std::uint8_t out[16], std::uint32_t host_order) {
  std::memset(out, 0, 16);
  out[10] = out[11] = 0xff;
  out[12] = std::uint8_t(host_order >> 24);
  out[13] = std::uint8_t(host_order >> 16);
  out[14] = std::uint8_t(host_order >> 8);
  out[15] = std::uint8_t(host_order);
}

// Flows in groups of 256 opened together; within a group, sample k of every flow, then k + 1:
// the tracker sees many flows in flight, as it does live.
Records build_records(const std::vector<FlowKind>& kinds, std::size_t flows,
                      std::size_t mismatch_every) {
  Records r;
  constexpr std::size_t kGroup = 256;
  for (std::size_t g = 0; g < flows; g += kGroup) {
    const std::size_t n = std::min(kGroup, flows - g);
    for (int step = 0; step < 4; ++step) {
      for (std::size_t i = g; i < g + n; ++i) {
        const FlowKind& k = kinds[i % kinds.size()];
        const bool odd = mismatch_every > 0 && i % mismatch_every == 0;
        const std::uint32_t client = 0x0a000000u + std::uint32_t(i % 4000) + 1;  // 10.0.x.y
        const std::uint32_t server = 0xc6120000u + std::uint32_t(i % 250) + 1;   // 198.18.0.z
        const std::uint16_t cport = std::uint16_t(20000 + i % 40000);
        const std::uint16_t sport = odd ? k.odd_port : k.port;
        const bool to_resp = step % 2 == 0;
        const int seq = step / 2;
        // SMTP: the server speaks first; the order of the others is request then reply.
        const bool server_first = k.app == fp::App::smtp;
        const bool from_client = server_first ? !to_resp : to_resp;
        const Bytes& payload = from_client ? k.to_resp[seq] : k.to_init[seq];
        pp_sample h{};
        h.ts_ns = 1'000'000'000ull + i * 1000 + std::uint64_t(step);
        h.flow_ns = 1'000'000'000ull + i * 1000;
        v4_mapped(from_client ? h.saddr : h.daddr, client);
        v4_mapped(from_client ? h.daddr : h.saddr, server);
        h.sport = from_client ? cport : sport;
        h.dport = from_client ? sport : cport;
        h.proto = k.proto;
        h.family = PP_FAMILY_V4;
        h.dir = from_client ? PP_DIR_TO_RESP : PP_DIR_TO_INIT;
        h.tcp_flags = k.proto == 6 ? 0x18 : 0;
        h.payload_len = std::uint32_t(payload.size());
        h.cap_len = std::uint16_t(payload.size());
        h.seq = std::uint8_t(seq);
        h.ifindex = 2;
        add_record(r, h, payload);
      }
    }
  }
  return r;
}

struct PassResult {
  std::uint64_t verdicts = 0;
  std::uint64_t mismatches = 0;
  std::size_t rows = 0;
};

const pp_sample& header_at(const Records& r, std::size_t i) {
  return *reinterpret_cast<const pp_sample*>(r.buf.data() + r.offsets[i]);
}

}  // namespace

// Where the pipeline's rows go: written and flushed as in `watch`, read by nobody.
std::FILE* null_output() {
  static std::FILE* out = std::fopen("/dev/null", "w");
  if (!out) die("cannot open /dev/null");
  return out;
}

// The measured path; extern "C" and noinline so that callgrind can collect exactly this.
extern "C" __attribute__((noinline)) void pp_bench_pipeline_pass(const Records& r,
                                                                 PassResult& out) {
  protoport::pipeline::Options options;
  options.format = "json";  // a new row is a JSON line, as for a service
  protoport::pipeline::Pipeline pipeline(options, null_output());
  for (std::size_t i = 0; i < r.samples(); ++i) {
    const pp_sample& h = header_at(r, i);
    pipeline.on_sample(h, {reinterpret_cast<const std::uint8_t*>(&h) + sizeof h, h.cap_len},
                       static_cast<std::int64_t>(h.ts_ns) + 1'700'000'000'000'000'000);
  }
  pipeline.end_of_input();  // every flow decided, as at the end of a replayed file
  out.verdicts = pipeline.tracker_stats().verdicts;
  out.mismatches = pipeline.mismatching_flows();
  out.rows = pipeline.report_rows();
}

namespace {

struct FlowId {
  std::uint8_t saddr[16], daddr[16];
  std::uint16_t sport, dport;
  std::uint64_t flow_ns;
  bool operator==(const FlowId& o) const { return std::memcmp(this, &o, sizeof *this) == 0; }
};
struct FlowIdHash {
  std::size_t operator()(const FlowId& k) const {
    std::uint64_t h = 1469598103934665603ull;
    const auto* p = reinterpret_cast<const std::uint8_t*>(&k);
    for (std::size_t i = 0; i < sizeof k; ++i) h = (h ^ p[i]) * 1099511628211ull;
    return h;
  }
};

}  // namespace

extern "C" __attribute__((noinline)) std::uint64_t pp_bench_baseline_pass(const Records& r) {
  std::unordered_map<FlowId, std::uint32_t, FlowIdHash> seen;
  std::vector<std::uint8_t> scratch(sizeof(pp_sample) + PP_SNAP_MAX);
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < r.samples(); ++i) {
    const pp_sample& h = header_at(r, i);
    std::memcpy(scratch.data(), &h, sizeof h + h.cap_len);
    const auto& c = *reinterpret_cast<const pp_sample*>(scratch.data());
    FlowId id{};
    std::memcpy(id.saddr, c.saddr, 16);
    std::memcpy(id.daddr, c.daddr, 16);
    id.sport = c.sport;
    id.dport = c.dport;
    id.flow_ns = c.flow_ns;
    sum += ++seen[id] + scratch[sizeof h];
  }
  return sum + seen.size();
}

namespace {

double seconds_of(auto&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

double fastest(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

std::size_t parse_count(const char* flag, const char* value) {
  char* end = nullptr;
  const unsigned long long v = std::strtoull(value, &end, 10);
  if (end == value || *end != '\0' || v == 0 || v > 10'000'000)
    die(std::string(flag) + " needs a positive integer up to 10000000, not '" + value + "'");
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t flows = 50000, rounds = 9, mismatch_every = 7;  // 7: coprime with the 5 kinds
  int cpu = -1;
  bool once = false, once_baseline = false, csv = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    if (a == "--flows")
      flows = parse_count("--flows", value());
    else if (a == "--rounds")
      rounds = parse_count("--rounds", value());
    else if (a == "--mismatch-every")
      mismatch_every = parse_count("--mismatch-every", value());
    else if (a == "--cpu")
      cpu = static_cast<int>(parse_count("--cpu", value()) - 1);  // 1-based
    else if (a == "--once")
      once = true;
    else if (a == "--once-baseline")
      once_baseline = true;
    else if (a == "--csv")
      csv = true;
    else
      die("unknown argument '" + a + "' (see the comment at the top of bench/bench_pipeline.cpp)");
  }
  if (cpu < 0) cpu = static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN)) - 1;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) die("cannot pin to CPU " + std::to_string(cpu));

  const auto kinds = flow_kinds();
  check_templates(kinds);
  const Records records = build_records(kinds, flows, mismatch_every);
  const double n = static_cast<double>(records.samples());

  if (once_baseline) {
    std::printf("samples %zu baseline %llu\n", records.samples(),
                static_cast<unsigned long long>(pp_bench_baseline_pass(records)));
    return 0;
  }
  if (once) {
    PassResult res;
    pp_bench_pipeline_pass(records, res);
    std::printf("samples %zu flows %zu verdicts %llu mismatches %llu rows %zu\n", records.samples(),
                flows, static_cast<unsigned long long>(res.verdicts),
                static_cast<unsigned long long>(res.mismatches), res.rows);
    return 0;
  }

  std::vector<double> base_s, pipe_s;
  PassResult res;
  volatile std::uint64_t sink = 0;
  for (std::size_t round = 0; round < rounds; ++round) {
    base_s.push_back(seconds_of([&] { sink = sink + pp_bench_baseline_pass(records); }));
    res = {};
    pipe_s.push_back(seconds_of([&] { pp_bench_pipeline_pass(records, res); }));
  }
  // The pipeline did its whole job: one verdict per flow, a mismatch for every odd-port flow of
  // a policed app (the unknown kind has no rule), and nothing else.
  std::uint64_t expected_mismatches = 0;
  for (std::size_t i = 0; i < flows; i += mismatch_every)
    if (kinds[i % kinds.size()].app != fp::App::unknown) ++expected_mismatches;
  if (res.verdicts != flows || res.mismatches != expected_mismatches)
    die("expected " + std::to_string(flows) + " verdicts and " +
        std::to_string(expected_mismatches) + " mismatches, got " + std::to_string(res.verdicts) +
        " and " + std::to_string(res.mismatches));
  const double base_rate = n / fastest(base_s), pipe_rate = n / fastest(pipe_s);
  if (csv) {
    std::printf("pipeline_samples_per_s,%.0f\nbaseline_samples_per_s,%.0f\n", pipe_rate, base_rate);
    return 0;
  }
  std::printf(
      "bench_pipeline: %zu flows, %zu samples (%.1f MB of records), 1 in %zu flows mismatching, "
      "CPU %d, fastest of %zu rounds\n",
      flows, records.samples(), records.buf.size() / 1e6, mismatch_every, cpu, rounds);
  std::printf("  baseline (memcpy record + unordered_map insert by flow): %12.0f samples/s\n",
              base_rate);
  std::printf(
      "  pipeline (pipeline::Pipeline, rows as JSON lines):       %12.0f samples/s  (%.2fx "
      "baseline)\n",
      pipe_rate, pipe_rate / base_rate);
  std::printf("  verdicts %llu, mismatches %llu, report rows %zu\n",
              static_cast<unsigned long long>(res.verdicts),
              static_cast<unsigned long long>(res.mismatches), res.rows);
  return 0;
}
