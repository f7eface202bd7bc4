// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Fingerprint throughput on one core: classify_payload per protocol over real first payloads
// (the fuzz seed corpus, cut to the sampler's snap length), over random bytes, and mixed; and
// classify_flow over both directions. Also counts heap allocations per classification: a miss
// (random bytes) must allocate nothing, a hit only its evidence.
//
//   bench_fingerprint [--corpus DIR] [--snap N] [--seconds S] [--cpu N]
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "fingerprint/fingerprint.h"

namespace {
std::size_t g_allocations = 0;  // single-threaded benchmark: a plain counter is enough
}  // namespace

void* operator new(std::size_t n) {
  ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

namespace fp = protoport::fingerprint;
using Bytes = std::vector<std::uint8_t>;

struct Item {
  Bytes bytes;
  Bytes resp;  // flow set only
  fp::Transport transport = fp::Transport::tcp;
  std::uint16_t port = 0;
};
struct Set {
  std::string name;
  std::vector<Item> items;
  bool flow = false;
};

struct Options {
  std::string corpus = PP_FUZZ_CORPUS_DIR;
  std::size_t snap = 256;  // PP_SNAP_DEFAULT
  double seconds = 0.5;
  int cpu = -1;
};

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "bench_fingerprint: %s\n", msg.c_str());
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) die(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--corpus")
        o.corpus = value();
      else if (a == "--snap")
        o.snap = std::stoul(value());
      else if (a == "--seconds")
        o.seconds = std::stod(value());
      else if (a == "--cpu")
        o.cpu = std::stoi(value());
      else
        die("unknown argument " + a +
            " (usage: [--corpus DIR] [--snap N] [--seconds S] [--cpu N])");
    } catch (const std::logic_error&) {
      die("bad value for " + a);
    }
  }
  if (o.snap == 0 || o.snap > 1024) die("--snap must be 1..1024");
  return o;
}

std::vector<Bytes> read_dir(const std::string& dir, std::size_t limit) {
  std::vector<Bytes> out;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.is_regular_file()) files.push_back(e.path());
  if (ec || files.empty()) die("no payloads in " + dir);
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    Bytes b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (b.size() > limit) b.resize(limit);
    if (!b.empty()) out.push_back(std::move(b));
  }
  return out;
}

// Real payloads of one parser's corpus; DNS seeds are UDP or TCP, the one that names them wins.
Set corpus_set(const Options& o, const std::string& dir, const std::string& name, bool maybe_udp) {
  Set s{name, {}, false};
  for (Bytes& b : read_dir(o.corpus + "/" + dir, o.snap)) {
    fp::Transport t = fp::Transport::tcp;
    if (maybe_udp && fp::classify_payload(b, fp::Transport::udp).app != fp::App::unknown)
      t = fp::Transport::udp;
    s.items.push_back({std::move(b), {}, t, 0});
  }
  return s;
}

// Flow seeds: transport byte, responder port, initiator length, initiator bytes, responder bytes.
Set flow_set(const Options& o) {
  Set s{"flow (both dirs)", {}, true};
  for (const Bytes& b : read_dir(o.corpus + "/flow", 5 + 2 * 1024)) {
    if (b.size() < 5) continue;
    std::size_t init_len = std::min<std::size_t>((b[3] << 8) | b[4], b.size() - 5);
    Item it;
    it.transport = (b[0] & 1) ? fp::Transport::udp : fp::Transport::tcp;
    it.port = static_cast<std::uint16_t>((b[1] << 8) | b[2]);
    it.bytes.assign(b.begin() + 5, b.begin() + 5 + std::min(init_len, o.snap));
    it.resp.assign(b.begin() + 5 + init_len, b.end());
    if (it.resp.size() > o.snap) it.resp.resize(o.snap);
    s.items.push_back(std::move(it));
  }
  return s;
}

Set random_set(const Options& o, fp::Transport t, const char* name) {
  std::mt19937_64 rng(t == fp::Transport::tcp ? 1 : 2);
  Set s{name, {}, false};
  for (int i = 0; i < 4096; ++i) {
    Item it;
    it.transport = t;
    it.bytes.resize(1 + rng() % o.snap);
    for (auto& c : it.bytes) c = static_cast<std::uint8_t>(rng());
    s.items.push_back(std::move(it));
  }
  return s;
}

struct Measured {
  double per_second = 0, ns_each = 0, allocs_each = 0;
  std::size_t recognised = 0;
};

Measured run(const Set& s, double seconds) {
  using clock = std::chrono::steady_clock;
  Measured m;
  auto classify = [&](const Item& it) {
    return s.flow ? fp::classify_flow(it.bytes, it.resp, it.transport, it.port)
                  : fp::classify_payload(it.bytes, it.transport);
  };
  for (const Item& it : s.items) m.recognised += classify(it).app != fp::App::unknown;
  unsigned sink = 0;
  std::size_t count = 0;
  std::size_t allocs_before = g_allocations;
  auto start = clock::now();
  std::chrono::duration<double> elapsed{};
  do {
    for (const Item& it : s.items) sink += static_cast<unsigned>(classify(it).app);
    count += s.items.size();
    elapsed = clock::now() - start;
  } while (elapsed.count() < seconds);
  m.allocs_each = static_cast<double>(g_allocations - allocs_before) / static_cast<double>(count);
  m.per_second = static_cast<double>(count) / elapsed.count();
  m.ns_each = 1e9 / m.per_second;
  if (sink == 0xdeadbeef) std::puts("");  // keep the results observable
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  if (o.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(o.cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
      die("cannot pin to CPU " + std::to_string(o.cpu));
  }
  std::vector<Set> sets;
  sets.push_back(corpus_set(o, "dns", "dns", true));
  sets.push_back(corpus_set(o, "http", "http", false));
  sets.push_back(corpus_set(o, "tls", "ssl", false));
  sets.push_back(corpus_set(o, "smtp", "smtp+ftp/pop3/ssh", false));
  sets.push_back(random_set(o, fp::Transport::tcp, "random tcp"));
  sets.push_back(random_set(o, fp::Transport::udp, "random udp"));
  // Half real payloads (each protocol's set repeated), half random bytes (both transports).
  Set mixed{"mixed 50/50", {}, false};
  constexpr std::size_t kHalf = 4096;
  for (std::size_t i = 0; mixed.items.size() < kHalf; ++i)
    for (std::size_t k = 0; k < 4 && mixed.items.size() < kHalf; ++k)
      if (!sets[k].items.empty()) mixed.items.push_back(sets[k].items[i % sets[k].items.size()]);
  for (std::size_t i = 0; i < kHalf; ++i) mixed.items.push_back(sets[4 + i % 2].items[i / 2]);
  std::shuffle(mixed.items.begin(), mixed.items.end(), std::mt19937_64(3));
  sets.push_back(std::move(mixed));
  sets.push_back(flow_set(o));

  std::printf("fingerprint: one thread%s, snap %zu bytes, %.1f s per set, payloads from %s\n",
              o.cpu >= 0 ? (" pinned to CPU " + std::to_string(o.cpu)).c_str() : "", o.snap,
              o.seconds, o.corpus.c_str());
  std::printf("%-20s %9s %11s %16s %10s %14s\n", "set", "payloads", "recognised",
              "classifications/s", "ns each", "allocs each");
  for (const Set& s : sets) {
    Measured m = run(s, o.seconds);
    std::printf("%-20s %9zu %11zu %16.0f %10.1f %14.2f\n", s.name.c_str(), s.items.size(),
                m.recognised, m.per_second, m.ns_each, m.allocs_each);
  }
  return 0;
}
