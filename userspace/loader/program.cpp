// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Program: opens the generated skeleton, writes the settings into rodata and map sizes, loads
// it, and turns libbpf's failures into one-line Errors (permission, BTF, verifier).
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <functional>
#include <thread>
#include <string>
#include <vector>

#include "common/text.h"
#include "loader/internal.h"
#include "loader/loader.h"
#include "protoport_bpf.skel.h"

namespace protoport::loader {
namespace {

constexpr const char* kVmlinuxBtf = "/sys/kernel/btf/vmlinux";

// The program's CO-RE relocations name only UAPI structs (xdp_md, ethhdr, iphdr, ipv6hdr,
// ipv6_opt_hdr, tcphdr, udphdr), whose layout is fixed ABI: relocated against the object's own
// BTF (vmlinux.h's copy of them) they give the same instructions as against the kernel's. That
// spares libbpf reading and indexing /sys/kernel/btf/vmlinux (5.5 MB) on every load: ~11 MB of
// peak RSS and ~18 ms. The object lives in the skeleton, so it is handed over as a memfd.
// Closed when the load is done; -1 (libbpf then uses the kernel's BTF) if memfd fails.
// Enforced by tests/bpf/test_bpf_core_btf.cpp (own-BTF vs kernel-BTF relocated instructions).
class ObjectBtfFile {
 public:
  ObjectBtfFile() {
    std::size_t size = 0;
    const void* elf = protoport_bpf__elf_bytes(&size);
    fd_ = memfd_create("protoport-bpf-object", MFD_CLOEXEC);
    if (fd_ < 0) return;
    const auto* p = static_cast<const char*>(elf);
    while (size > 0) {
      const ssize_t n = write(fd_, p, size);
      if (n <= 0) {
        close(fd_);
        fd_ = -1;
        return;
      }
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~ObjectBtfFile() {
    if (fd_ >= 0) close(fd_);
  }
  ObjectBtfFile(const ObjectBtfFile&) = delete;
  ObjectBtfFile& operator=(const ObjectBtfFile&) = delete;
  const char* path() const { return fd_ >= 0 ? path_.c_str() : nullptr; }

 private:
  int fd_ = -1;
  std::string path_;
};

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

// The verifier's reason: the last two lines of the load log that are not instructions, source
// comments, state dumps or the statistics trailer. Empty if libbpf printed no verifier log.
std::string verifier_reason(const std::vector<std::string>& lines) {
  bool in_log = false;
  std::string reason, previous;  // the last two explanatory lines
  std::string log;
  for (const auto& chunk : lines) log += chunk;
  std::size_t begin = log.find("-- BEGIN PROG LOAD LOG --");
  if (begin == std::string::npos) return {};
  std::size_t pos = begin;
  while (pos < log.size()) {
    std::size_t eol = log.find('\n', pos);
    if (eol == std::string::npos) eol = log.size();
    const std::string line(trim(std::string_view(log).substr(pos, eol - pos)));
    pos = eol + 1;
    if (starts_with(line, "-- BEGIN")) {
      in_log = true;
      continue;
    }
    if (starts_with(line, "-- END")) break;
    if (!in_log || line.empty() || line[0] == ';' || (line[0] >= '0' && line[0] <= '9')) continue;
    if (starts_with(line, "processed ") || starts_with(line, "verification time") ||
        starts_with(line, "stack depth") || starts_with(line, "func#") ||
        starts_with(line, "from ") || starts_with(line, "mark_precise"))
      continue;
    previous = reason;
    reason = line;
  }
  if (reason.empty()) return "see the verifier log (run with verbose output)";
  return previous.empty() ? reason : previous + "; " + reason;
}

[[noreturn]] void throw_load_failure(int err, const detail::LibbpfCapture& capture) {
  err = err < 0 ? -err : err;
  // Without CAP_PERFMON the verifier itself refuses (EACCES, a "verifier" log): name what is
  // missing rather than blame the program.
  if (err == EPERM || err == EACCES) {
    const std::string missing = detail::missing_load_capabilities();
    if (!missing.empty())
      throw Error(ErrorKind::permission,
                  "loading the XDP program needs root (or CAP_BPF, CAP_PERFMON and "
                  "CAP_NET_ADMIN); this process lacks " +
                      missing + ": " + detail::errno_message("bpf", err));
  }
  if (err == EPERM)
    throw Error(ErrorKind::permission,
                "loading the XDP program needs root (or CAP_BPF, CAP_NET_ADMIN and CAP_PERFMON): " +
                    detail::errno_message("bpf", err));
  std::string reason = verifier_reason(capture.lines());
  if (!reason.empty())
    throw Error(ErrorKind::verifier, "the kernel verifier rejected the XDP program: " + reason);
  if (err == EACCES)
    throw Error(ErrorKind::permission,
                "loading the XDP program was refused (not root, or a security policy): " +
                    detail::errno_message("bpf", err));
  throw Error(ErrorKind::load, detail::errno_message("loading the XDP program", err));
}

std::string range_error(const char* field, std::uint64_t value, const std::string& allowed) {
  return std::string("invalid ") + field + " " + std::to_string(value) + ": " + allowed;
}

}  // namespace

void validate(const Settings& s) {
  if (s.snap_len < 1 || s.snap_len > PP_SNAP_MAX)
    throw Error(ErrorKind::bad_settings, range_error("snap length", s.snap_len,
                                                     "must be 1.." + std::to_string(PP_SNAP_MAX)));
  if (s.samples_per_dir < 1 || s.samples_per_dir > PP_SAMPLES_PER_DIR_MAX)
    throw Error(ErrorKind::bad_settings,
                range_error("samples per direction", s.samples_per_dir,
                            "must be 1.." + std::to_string(PP_SAMPLES_PER_DIR_MAX)));
  if (s.opening_bytes > PP_OPENING_BYTES_MAX)
    throw Error(ErrorKind::bad_settings,
                range_error("opening bytes", s.opening_bytes,
                            "must be 0.." + std::to_string(PP_OPENING_BYTES_MAX)));
  if (s.opening_packets < s.samples_per_dir || s.opening_packets > PP_OPENING_PACKETS_MAX)
    throw Error(ErrorKind::bad_settings,
                range_error("opening packets", s.opening_packets,
                            "must be samples per direction (" + std::to_string(s.samples_per_dir) +
                                ").." + std::to_string(PP_OPENING_PACKETS_MAX)));
  if (s.max_flows < 1 || s.max_flows > (1u << 24))
    throw Error(ErrorKind::bad_settings,
                range_error("flow table size", s.max_flows, "must be 1..16777216"));
  const long page = sysconf(_SC_PAGESIZE);
  const std::uint64_t rb = s.ringbuf_bytes;
  const std::uint64_t min_rb = static_cast<std::uint64_t>(page > 0 ? page : 4096);
  if (rb < min_rb || rb > (1u << 30) || (rb & (rb - 1)) != 0)
    throw Error(ErrorKind::bad_settings,
                range_error("ring buffer size", rb,
                            "must be a power of two from " + std::to_string(min_rb) +
                                " to 1073741824 bytes"));
  if (s.replay_batch > kBatchSlotsMax)
    throw Error(ErrorKind::bad_settings,
                range_error("replay batch", s.replay_batch,
                            "must be 0.." + std::to_string(kBatchSlotsMax)));
  const std::uint64_t samples = std::max<std::uint64_t>(kRingMinSamples, s.replay_batch);
  const std::uint64_t room = samples * ring_record_bytes(s.snap_len);
  if (rb < room)
    throw Error(ErrorKind::bad_settings,
                range_error("ring buffer size", rb,
                            "must hold at least " + std::to_string(samples) +
                                " samples of snap length " + std::to_string(s.snap_len) + " (" +
                                std::to_string(room) + " bytes)"));
}

std::uint64_t ring_record_bytes(std::uint32_t snap_len) {
  return (8 + sizeof(pp_sample) + snap_len + 7) / 8 * 8;  // 8: the ring's own record header
}

std::uint32_t smallest_ringbuf_bytes(std::uint32_t snap_len, std::uint32_t replay_batch) {
  const long page = sysconf(_SC_PAGESIZE);
  std::uint64_t bytes = static_cast<std::uint64_t>(page > 0 ? page : 4096);
  const std::uint64_t samples = std::max<std::uint64_t>(kRingMinSamples, replay_batch);
  while (bytes < samples * ring_record_bytes(snap_len)) bytes *= 2;
  return static_cast<std::uint32_t>(bytes);
}

void Program::SkelDeleter::operator()(protoport_bpf* skel) const noexcept {
  protoport_bpf__destroy(skel);
}

namespace {

// Replay's start, where a short capture's time goes: the two flow tables are created (the
// kernel fills an LRU table's free list entry by entry, ~12 ms each for 64 Ki entries on a
// 2-vCPU VM) on two threads at once instead of one after the other, then handed to libbpf.
// Returns 0, or the errno of the first table that could not be created.
int create_flow_tables_at_once(protoport_bpf* skel, std::uint32_t max_flows) {
  struct Table {
    bpf_map* map;
    std::uint32_t key_size;
    int fd = -1;
    int err = 0;
  };
  Table tables[2] = {{skel->maps.pp_flows4, sizeof(pp_flow_key4)},
                     {skel->maps.pp_flows6, sizeof(pp_flow_key)}};
  auto create = [max_flows](Table& t) {
    t.fd = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, bpf_map__name(t.map), t.key_size,
                          sizeof(pp_flow_val), max_flows, nullptr);
    t.err = t.fd < 0 ? errno : 0;
  };
  std::thread other(create, std::ref(tables[1]));
  create(tables[0]);
  other.join();
  int first_err = 0;
  for (Table& t : tables) {
    const int err = t.fd >= 0 ? -bpf_map__reuse_fd(t.map, t.fd) : t.err;
    if (t.fd >= 0) close(t.fd);  // reuse_fd keeps a duplicate
    if (first_err == 0) first_err = err;
  }
  return first_err;
}

// Opens the embedded object with `s` in its rodata and loads the programs asked for.
protoport_bpf* open_and_load(const Settings& s, bool xdp) {
  detail::LibbpfCapture capture(s.verbose);
  const ObjectBtfFile core_btf;  // open until the load below has relocated
  bpf_object_open_opts open_opts{};
  open_opts.sz = sizeof(open_opts);
  open_opts.btf_custom_path = core_btf.path();
  std::unique_ptr<protoport_bpf, void (*)(protoport_bpf*)> skel(
      protoport_bpf__open_opts(&open_opts), protoport_bpf__destroy);
  if (!skel) throw_load_failure(errno, capture);
  skel->rodata->snap_len = s.snap_len;
  skel->rodata->samples_per_dir = s.samples_per_dir;
  skel->rodata->opening_bytes = s.opening_bytes;
  skel->rodata->opening_packets = s.opening_packets;
  skel->rodata->rb_no_wakeup = s.ring_wakeup ? 0 : 1;
  // Each program is verified and loaded only when asked for (~20-30 ms for the XDP ones): the
  // egress program for watch, the replay batch program and its slots for replay.
  const bool batch = s.replay_batch > 0;
  bpf_program__set_autoload(skel->progs.protoport_xdp, xdp);
  bpf_program__set_autoload(skel->progs.protoport_tc_egress, s.egress);
  bpf_program__set_autoload(skel->progs.protoport_replay_batch, batch);
  bpf_map__set_autocreate(skel->maps.pp_batch, batch);
  int err = batch ? bpf_map__set_max_entries(skel->maps.pp_batch, s.replay_batch) : 0;
  if (err == 0) err = bpf_map__set_max_entries(skel->maps.pp_flows4, s.max_flows);
  if (err == 0) err = bpf_map__set_max_entries(skel->maps.pp_flows6, s.max_flows);
  if (err == 0) err = bpf_map__set_max_entries(skel->maps.pp_samples, s.ringbuf_bytes);
  if (err != 0) throw Error(ErrorKind::load, detail::errno_message("sizing the BPF maps", err));
  // A failure (EPERM without root, ENOMEM) is reported as the load's would be.
  if (batch)
    if (const int e = create_flow_tables_at_once(skel.get(), s.max_flows); e != 0)
      throw_load_failure(e, capture);
  err = protoport_bpf__load(skel.get());
  if (err != 0) throw_load_failure(err, capture);
  return skel.release();
}

}  // namespace

Program::Program(const Settings& settings) : settings_(settings) {
  validate(settings_);
  struct stat st {};
  if (stat(kVmlinuxBtf, &st) != 0)
    throw Error(ErrorKind::no_btf, std::string("this kernel has no BTF (") + kVmlinuxBtf +
                                       " is missing): it needs CONFIG_DEBUG_INFO_BTF=y");
  // Replay runs every frame through the batch program (the frames a batch cannot take too, one
  // by one): protoport_xdp is not loaded then (~30 ms of verifier, the longest step of a short
  // replay).
  skel_.reset(open_and_load(settings_, settings_.replay_batch == 0));
}

Program::~Program() = default;

int Program::prog_fd() const {
  return settings_.replay_batch == 0 ? bpf_program__fd(skel_->progs.protoport_xdp) : -1;
}
int Program::ringbuf_fd() const { return bpf_map__fd(skel_->maps.pp_samples); }
int Program::flows4_fd() const { return bpf_map__fd(skel_->maps.pp_flows4); }
int Program::flows6_fd() const { return bpf_map__fd(skel_->maps.pp_flows6); }
int Program::counters_fd() const { return bpf_map__fd(skel_->maps.pp_counters); }
int Program::egress_prog_fd() const {
  return settings_.egress ? bpf_program__fd(skel_->progs.protoport_tc_egress) : -1;
}
int Program::batch_prog_fd() const {
  return settings_.replay_batch ? bpf_program__fd(skel_->progs.protoport_replay_batch) : -1;
}
int Program::batch_map_fd() const {
  return settings_.replay_batch ? bpf_map__fd(skel_->maps.pp_batch) : -1;
}
std::uint32_t Program::prog_id() const { return detail::prog_id_of(prog_fd()); }
std::uint32_t Program::counters_map_id() const { return detail::map_id_of(counters_fd()); }

Counters Program::read_counters() const { return detail::read_counters_fd(counters_fd()); }
Counters Program::read_counters(pp_hook hook) const {
  return detail::read_counters_fd(counters_fd(), hook);
}

namespace {

// Walks a hash map's keys, fetching the next key before `visit` runs so that the visitor may
// delete the current one. (If a key vanishes under the walk, e.g. evicted by the LRU, the kernel
// restarts from the first key: a count may then be too high, never too low.)
template <typename Key, typename Visit>
void for_each_key(int map_fd, Visit visit) {
  Key key{}, next{};
  bool have = bpf_map_get_next_key(map_fd, nullptr, &key) == 0;
  while (have) {
    have = bpf_map_get_next_key(map_fd, &key, &next) == 0;
    visit(key);
    key = next;
  }
}

}  // namespace

std::size_t Program::flow_count() const {
  std::size_t n = 0;
  for_each_key<pp_flow_key4>(flows4_fd(), [&](const pp_flow_key4&) { ++n; });
  for_each_key<pp_flow_key>(flows6_fd(), [&](const pp_flow_key&) { ++n; });
  return n;
}

void Program::clear_flows() const {
  auto clear = [](int fd, auto key_type) {
    using Key = decltype(key_type);
    for_each_key<Key>(fd, [&](const Key& key) {
      if (bpf_map_delete_elem(fd, &key) != 0 && errno != ENOENT)
        detail::throw_errno("clearing the flow table", errno);
    });
  };
  clear(flows4_fd(), pp_flow_key4{});
  clear(flows6_fd(), pp_flow_key{});
  clear(bpf_map__fd(skel_->maps.pp_frags), pp_frag_key{});
}

namespace {

TestRunResult test_run_fd(int prog_fd, std::span<const std::uint8_t> frame, int repeat) {
  if (frame.size() > UINT32_MAX)
    throw Error(ErrorKind::system,
                "test run: frame of " + std::to_string(frame.size()) + " bytes is too large");
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<std::uint32_t>(frame.size());
  opts.repeat = repeat;
  if (bpf_prog_test_run_opts(prog_fd, &opts) != 0)
    detail::throw_errno("test run of a " + std::to_string(frame.size()) + "-byte frame", errno);
  return TestRunResult{opts.retval, opts.duration};
}

}  // namespace

TestRunResult Program::test_run(std::span<const std::uint8_t> frame, int repeat) const {
  if (prog_fd() < 0)
    throw Error(ErrorKind::bad_settings,
                "test_run: the XDP program was not loaded (a replay batch runs frames instead)");
  return test_run_fd(prog_fd(), frame, repeat);
}

TestRunResult Program::test_run_egress(std::span<const std::uint8_t> frame, int repeat) const {
  if (!settings_.egress)
    throw Error(ErrorKind::bad_settings, "test_run_egress: the egress program was not loaded");
  return test_run_fd(egress_prog_fd(), frame, repeat);
}

namespace {

// The linear part test_run gives an XDP program, measured: a two-instruction program (return
// XDP_PASS), multi-buffer aware like protoport's, run once on a frame longer than any linear
// part (one page: the linear part is a page minus headroom and tailroom), and ctx_out says
// where the linear part ended. ctx_in must be given for ctx_out to be, with data_end = the
// frame's length: older kernels require exactly that, newer ones (which let a test run ask for
// a linear size) read it as the size asked for and cap it at the same limit as a test run
// without ctx_in, which is how replay runs frames. Returns 0 if the kernel refuses anything.
// Cost: one program load (a verifier pass over two instructions) and one test run.
std::uint32_t measure_test_run_linear_max() {
  const bpf_insn insns[] = {
      {.code = BPF_ALU64 | BPF_MOV | BPF_K,
       .dst_reg = BPF_REG_0,
       .src_reg = 0,
       .off = 0,
       .imm = XDP_PASS},
      {.code = BPF_JMP | BPF_EXIT, .dst_reg = 0, .src_reg = 0, .off = 0, .imm = 0},
  };
  bpf_prog_load_opts load_opts{};
  load_opts.sz = sizeof(load_opts);
  load_opts.expected_attach_type = BPF_XDP;
  load_opts.prog_flags = BPF_F_XDP_HAS_FRAGS;
  detail::LibbpfCapture quiet;  // a refusal is an answer here (0), not a message on stderr
  const detail::UniqueFd prog(bpf_prog_load(BPF_PROG_TYPE_XDP, "pp_linear_probe", "Dual BSD/GPL",
                                            insns, sizeof(insns) / sizeof(insns[0]), &load_opts));
  if (!prog) return 0;
  const long page = sysconf(_SC_PAGESIZE);
  std::vector<std::uint8_t> frame(static_cast<std::size_t>(page > 4096 ? page : 4096), 0);
  xdp_md ctx_in{}, ctx_out{};
  ctx_in.data_end = static_cast<std::uint32_t>(frame.size());
  bpf_test_run_opts run_opts{};
  run_opts.sz = sizeof(run_opts);
  run_opts.data_in = frame.data();
  run_opts.data_size_in = static_cast<std::uint32_t>(frame.size());
  run_opts.ctx_in = &ctx_in;
  run_opts.ctx_size_in = sizeof(ctx_in);
  run_opts.ctx_out = &ctx_out;
  run_opts.ctx_size_out = sizeof(ctx_out);
  run_opts.repeat = 1;
  if (bpf_prog_test_run_opts(prog.get(), &run_opts) != 0 || run_opts.retval != XDP_PASS) return 0;
  if (ctx_out.data != 0 || ctx_out.data_end > frame.size() || ctx_out.data_end < 14) return 0;
  return ctx_out.data_end;
}

}  // namespace

KernelLimits probe_kernel_limits() {
  const auto t0 = std::chrono::steady_clock::now();
  KernelLimits k;
  k.test_run_linear_max = measure_test_run_linear_max();
  const int cpus = libbpf_num_possible_cpus();  // /sys/devices/system/cpu/possible
  // If that cannot be read, the configured CPUs (what the filter assumed before it was asked).
  const long conf = cpus > 0 ? cpus : sysconf(_SC_NPROCESSORS_CONF);
  k.possible_cpus = static_cast<std::uint32_t>(conf > 0 ? conf : 1);
  k.lru_free_per_cpu = 128;  // LOCAL_FREE_TARGET: see KernelLimits
  k.probe_ns = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
          .count());
  return k;
}

const KernelLimits& kernel_limits() {
  static const KernelLimits limits = probe_kernel_limits();
  return limits;
}

}  // namespace protoport::loader
