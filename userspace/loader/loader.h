// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The userspace side of the kernel sampler: load the XDP program (bpf/protoport.bpf.c) with its
// settings, attach it to interfaces without ever replacing someone else's program, read the
// samples from its ring buffer, and read its per-CPU counters (ours, or those of another running
// protoport for `protoport stats`). Every libbpf object is owned by an RAII type here; every
// failure a user can cause is an Error with a one-line message.
#pragma once

#include <array>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/kernel_counters.h"
#include "common/sampling_rule.h"
#include "protoport/replay_batch.h"
#include "protoport/sample.h"

struct protoport_bpf;  // generated skeleton (bpf-gen/protoport_bpf.skel.h), private to the loader
struct ring_buffer;    // libbpf

namespace protoport::loader {

// What went wrong, so that a caller can pick an exit code or a hint; what() is one line.
enum class ErrorKind {
  bad_settings,     // a Settings value out of range
  permission,       // EPERM/EACCES: not root or missing CAP_BPF/CAP_NET_ADMIN/CAP_PERFMON
  no_btf,           // /sys/kernel/btf/vmlinux missing: kernel built without CONFIG_DEBUG_INFO_BTF
  verifier,         // the kernel verifier rejected the program
  load,             // any other open/load failure
  no_interface,     // no such interface (name or ifindex)
  xdp_busy,         // another XDP program is attached to the interface: we never replace it
  xdp_unsupported,  // the interface/driver refuses XDP in the requested mode
  system,           // any other syscall failure (errno in the message)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const noexcept { return kind_; }

 private:
  ErrorKind kind_;
};

// Load-time settings. Written into the program's rodata / map sizes before load, so changing
// them needs no rebuild. Ranges are checked by validate() (also called by Program).
struct Settings {
  std::uint32_t snap_len = PP_SNAP_DEFAULT;  // payload bytes per sample, 1..PP_SNAP_MAX
  std::uint32_t samples_per_dir = PP_SAMPLES_PER_DIR_DEFAULT;  // 1..PP_SAMPLES_PER_DIR_MAX
  // TCP openings in small segments (pp_wants_sample): a direction whose samples hold fewer than
  // opening_bytes (0..PP_OPENING_BYTES_MAX, 0: off) goes on being sampled, up to
  // opening_packets samples (samples_per_dir..PP_OPENING_PACKETS_MAX).
  std::uint32_t opening_bytes = PP_OPENING_BYTES_DEFAULT;
  std::uint32_t opening_packets = PP_OPENING_PACKETS_DEFAULT;
  std::uint32_t max_flows = PP_FLOWS_DEFAULT;  // entries per flow table (IPv4, IPv6), 1..16 Mi
  std::uint32_t ringbuf_bytes = PP_RINGBUF_DEFAULT;  // power of two, >= page size, <= 1 GiB,
                                                     // and room for >= 16 samples
  bool verbose = false;  // let libbpf print its own diagnostics (verifier log) to stderr
  // Wake a consumer waiting in RingReader::poll() when a sample arrives. Off: samples are
  // submitted without a wakeup (cheaper) and only RingReader::consume() finds them; for callers
  // that drain after every test run (replay), never for watch.
  bool ring_wakeup = true;
  // Load the TC egress program too (protoport_tc_egress), for an EgressAttachment or
  // test_run_egress(). Off (replay, `policy`): only the XDP program is verified and loaded.
  bool egress = false;
  // Frames per replay batch (FrameBatch): slots of pp_batch, 1..kBatchSlotsMax. 0: the batch
  // program is not loaded (watch, `policy`, replay --exact).
  std::uint32_t replay_batch = 0;

  SamplingRule sampling() const { return {samples_per_dir, opening_bytes, opening_packets}; }
};

// Throws Error(bad_settings) naming the field, the value and the allowed range.
void validate(const Settings& settings);

// Ring-buffer bytes one sample of snap_len takes: the ring's 8-byte record header, the sample
// header and the payload, rounded up to 8.
std::uint64_t ring_record_bytes(std::uint32_t snap_len);
// validate() wants a ring buffer with room for this many samples of the snap length, and for
// a whole replay batch's (each of its frames gives at most one).
inline constexpr std::uint64_t kRingMinSamples = 16;
inline constexpr std::uint32_t kBatchSlotsMax = PP_BATCH_SLOTS_MAX;
// The smallest ring buffer validate() accepts for snap_len (a power of two, at least a page),
// and for a replay batch of that many frames.
std::uint32_t smallest_ringbuf_bytes(std::uint32_t snap_len, std::uint32_t replay_batch = 0);

// The counters as userspace holds them (common/kernel_counters.h); the loader reads them.
using protoport::counter_from_name;
using protoport::counter_name;
using protoport::Counters;

// The counters of one running protoport program, found by map name (kCountersMapName) and
// value size, for `protoport stats` in another process.
struct InstanceCounters {
  std::uint32_t map_id = 0;
  std::uint32_t prog_id = 0;  // the XDP program using the map, 0 if none was found
  Counters counters;
};

// Name of the per-CPU counters map in the kernel (as bpftool shows it).
inline constexpr std::string_view kCountersMapName = "pp_counters";

// All protoport counters maps currently in the kernel (ours included: compare map_id with
// Program::counters_map_id() to skip it). Needs root. Sorted by map_id.
std::vector<InstanceCounters> find_running_instances();

// Result of one bpf_prog_test_run_opts call.
struct TestRunResult {
  std::uint32_t retval = 0;       // XDP action returned (always XDP_PASS for protoport)
  std::uint32_t duration_ns = 0;  // average per repetition, as measured by the kernel
};

// The loaded program (skeleton opened, configured and loaded). Move-only; unloads on destruction
// (an XdpAttachment holds its own reference to the program and may outlive this object;
// a RingReader must not).
class Program {
 public:
  explicit Program(const Settings& settings = {});
  ~Program();
  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;
  Program(const Program&) = delete;
  Program& operator=(const Program&) = delete;

  const Settings& settings() const noexcept { return settings_; }
  // The XDP program; -1 with Settings::replay_batch (a FrameBatch runs every frame then).
  int prog_fd() const;
  std::uint32_t prog_id() const;
  int ringbuf_fd() const;
  // The flow tables: IPv4 flows (key pp_flow_key4) and IPv6 flows (key pp_flow_key).
  int flows4_fd() const;
  int flows6_fd() const;
  int counters_fd() const;
  std::uint32_t counters_map_id() const;
  // The TC egress program; -1 unless Settings::egress.
  int egress_prog_fd() const;
  // The replay batch program and its slots (FrameBatch); -1 unless Settings::replay_batch.
  int batch_prog_fd() const;
  int batch_map_fd() const;

  // Our counters, summed over CPUs and over both hooks (every packet either hook saw).
  Counters read_counters() const;
  // One hook's counters (PP_HOOK_INGRESS: XDP, PP_HOOK_EGRESS: TC), summed over CPUs.
  Counters read_counters(pp_hook hook) const;

  // Entries in both flow tables (walks them: for tests and diagnostics, not per packet).
  std::size_t flow_count() const;
  // Empties both flow tables and the table of fragmented datagrams (e.g. between replayed
  // captures: a datagram of one is not continued by another). Throws Error(system).
  void clear_flows() const;

  // Runs the program once (or `repeat` times) on `frame` with bpf_prog_test_run_opts.
  // Throws Error(system) if the kernel refuses the run (e.g. frame shorter than 14 bytes).
  // Samples it emits wait in the ring buffer: drain them with RingReader::consume().
  TestRunResult test_run(std::span<const std::uint8_t> frame, int repeat = 1) const;
  // The same through the TC egress program (an skb test run: the frame as the host would send
  // it). Throws Error(bad_settings) unless Settings::egress.
  TestRunResult test_run_egress(std::span<const std::uint8_t> frame, int repeat = 1) const;

 private:
  friend class FrameBatch;  // the batch program's slot cursor lives in the skeleton's .bss
  struct SkelDeleter {
    void operator()(protoport_bpf* skel) const noexcept;
  };
  Settings settings_;
  std::unique_ptr<protoport_bpf, SkelDeleter> skel_;
};

// Many frames through the program per test run (replay): the frames are written into the
// pp_batch slots (mapped into this process, no syscall per frame) and one
// bpf_prog_test_run_opts call of protoport_replay_batch runs them all, in order, each through
// the same code as protoport_xdp (include/protoport/replay_batch.h). Their samples are in the
// ring buffer afterwards, in frame order; outcome(i) says which frames gave one (a frame gives at
// most one: PP_OUT_SAMPLED or PP_OUT_FRAGMENT_SAMPLED). The Program must outlive it.
class FrameBatch {
 public:
  // Throws Error(bad_settings) unless the program was loaded with Settings::replay_batch > 0.
  explicit FrameBatch(const Program& program);
  ~FrameBatch();
  FrameBatch(const FrameBatch&) = delete;
  FrameBatch& operator=(const FrameBatch&) = delete;

  std::size_t capacity() const noexcept { return capacity_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  bool full() const noexcept { return size_ == capacity_; }
  // The longest frame a batch takes: PP_BATCH_FRAME_MAX, or less where the running kernel's test
  // runs give less linear data. Shorter than an Ethernet header: not taken either (a test run
  // refuses it).
  bool fits(std::size_t len) const noexcept { return len >= kEthHeader && len <= frame_max_; }
  // Copies the frame into the next slot. std::logic_error if full() or !fits().
  void add(std::span<const std::uint8_t> frame);
  // Runs every frame added, in order, in one call. Throws Error(system) if the kernel refuses
  // the call.
  void run();
  // Runs one frame a batch does not take (longer than the linear part: the test run's packet
  // is the frame itself, its tail in fragments, as protoport_xdp would get it), with an empty
  // batch. Throws Error(system) if the kernel refuses it (e.g. shorter than an Ethernet header).
  void run_alone(std::span<const std::uint8_t> frame);
  // After run(): the PP_OUT_* counter frame i ended in; PP_BATCH_NOT_RUN if it did not run.
  std::uint32_t outcome(std::size_t i) const;
  static bool gives_sample(std::uint32_t outcome) {
    return outcome == PP_OUT_SAMPLED || outcome == PP_OUT_FRAGMENT_SAMPLED;
  }
  void clear() noexcept { size_ = 0; }

 private:
  static constexpr std::size_t kEthHeader = 14;
  std::size_t slot_bytes() const;
  unsigned char* slot(std::size_t i) const;

  const Program& program_;
  std::size_t capacity_ = 0;
  std::size_t frame_max_ = 0;
  std::size_t size_ = 0;
  void* slots_ = nullptr;  // mmap of pp_batch
  std::size_t mapped_bytes_ = 0;
  std::vector<std::uint8_t> packet_;  // the test run's own packet, replaced by each slot's frame
};

// What replay's skip filter (replay::SkipFilter) assumes about the running kernel and what
// differs between kernels: measured, or derived from the kernel's own formula, at start.
struct KernelLimits {
  // Largest bpf_prog_test_run_opts frame an XDP program sees whole: longer frames get this many
  // bytes in the linear part [data, data_end) and the rest in fragments. The kernel's formula is
  // PAGE_SIZE - XDP_PACKET_HEADROOM (256) - SKB_DATA_ALIGN(sizeof(struct skb_shared_info)), which
  // depends on the page size and CONFIG_MAX_SKB_FRAGS: 3520 on x86_64 with 4 KiB pages and 17
  // fragments. Measured by one test run of a two-instruction XDP program of our own (not
  // protoport's, whose counters and flow tables it would change), which reports its linear part
  // through ctx_out. 0 if that probe failed: unknown (replay::SkipFilter then assumes the
  // formula's least value over every configuration).
  std::uint32_t test_run_linear_max = 0;
  // CPUs the kernel sizes per-CPU data for (num_possible_cpus(); libbpf_num_possible_cpus()).
  std::uint32_t possible_cpus = 0;
  // Upper bound of the free entries an LRU hash map (the flow tables) parks on one CPU's local
  // free list: the kernel moves up to LOCAL_FREE_TARGET (128, kernel/bpf/bpf_lru_list.h, since
  // 4.10) free entries at a time from the shared list to a CPU's own, and evicts to get them
  // once the shared list holds fewer; newer kernels (2025, "avoid global starvation of LRU
  // map") move clamp(max_entries / possible CPUs / 2, 1, 128), never more. Not measurable
  // without filling a table of the real size (max_flows inserts at start), so the bound is
  // taken: it can only make replay stop skipping flow frames sooner.
  std::uint32_t lru_free_per_cpu = 0;
  std::uint64_t probe_ns = 0;  // what measuring cost (wall clock), for benchmarks

  // Entries of an LRU hash map that may sit on free lists while the shared list runs dry:
  // one local list per possible CPU plus one list of slack. A table holding at most
  // max_entries - lru_free_reserve() entries has never had to evict.
  std::uint64_t lru_free_reserve() const {
    return static_cast<std::uint64_t>(lru_free_per_cpu) *
           (static_cast<std::uint64_t>(possible_cpus) + 1);
  }
};

// Measures the limits above (needs root, like every test run). Cost, kernel 6.18 on 2 busy
// vCPUs: ~0.05-0.1 ms typical, ~0.2-0.35 ms the first time in a process (probe_ns).
KernelLimits probe_kernel_limits();
// The same, measured once per process on the first call; thread-safe.
const KernelLimits& kernel_limits();

enum class XdpMode { native, generic, automatic };
std::string_view xdp_mode_name(XdpMode mode);  // "native", "generic", "auto"
std::optional<XdpMode> xdp_mode_from_name(std::string_view name);

// Resolves an interface name to its ifindex; throws Error(no_interface).
int interface_index(const std::string& name);

// Whether an attachment is still in place (checked on demand, e.g. once per poll loop).
enum class AttachState {
  attached,        // our program is attached to the interface
  interface_gone,  // the interface no longer exists (the kernel dropped the program with it)
  replaced,        // the interface exists but our program is no longer attached to it
                   // (also after detach())
};

// Our program attached to one interface through a BPF link: the kernel detaches it when the
// link's last fd closes, so nothing is left attached when the process ends, however it ends
// (SIGKILL included; the fd is close-on-exec). If any program is attached (in any mode), throws
// Error(xdp_busy) naming the interface, that program's id and how to free the interface (the
// ip-link command, or the pid of the protoport watch holding it). Destruction or detach() closes
// the link, which never touches a program someone else attached after detaching our link.
// The link holds its own reference to the program, so it may outlive the Program.
class XdpAttachment {
 public:
  // mode automatic: tries native, falls back to generic; fell_back() and fallback_reason() say so.
  XdpAttachment(const Program& program, int ifindex, XdpMode mode);
  ~XdpAttachment();
  XdpAttachment(XdpAttachment&&) noexcept;
  XdpAttachment& operator=(XdpAttachment&&) noexcept;
  XdpAttachment(const XdpAttachment&) = delete;
  XdpAttachment& operator=(const XdpAttachment&) = delete;

  int ifindex() const noexcept { return ifindex_; }
  const std::string& ifname() const noexcept { return ifname_; }
  XdpMode mode() const noexcept { return mode_; }  // effective: native or generic
  bool fell_back() const noexcept { return !fallback_reason_.empty(); }
  const std::string& fallback_reason() const noexcept { return fallback_reason_; }

  std::uint32_t link_id() const noexcept { return link_id_; }  // 0 once detached

  AttachState state() const;
  // Detaches now (if still ours); idempotent; does not throw.
  void detach();

 private:
  int ifindex_ = 0;
  std::string ifname_;
  XdpMode mode_ = XdpMode::native;
  std::string fallback_reason_;
  std::uint32_t prog_id_ = 0;  // 0 once detached
  std::uint32_t link_id_ = 0;
  int link_fd_ = -1;  // the BPF link (O_CLOEXEC, as the kernel creates it): closing it detaches
};

// Our TC egress program on one interface's egress hook. Through a tcx link (kernel 6.6+):
// appended after whatever else is attached (it replaces nothing and passes every packet on),
// and detached by the kernel when the link's last fd closes, however the process ends. On a
// kernel without tcx: a cls_bpf filter on the clsact qdisc (created if missing) with protoport's
// own handle and priority, removed by destruction or detach(); a filter that a killed watch
// left behind is found by that handle, checked to be ours by program name, and replaced.
class EgressAttachment {
 public:
  enum class Method { tcx, legacy };
  // method: tcx, falling back to legacy when the kernel has no tcx (EINVAL); `force_legacy`
  // (tests) goes straight to legacy.
  EgressAttachment(const Program& program, int ifindex, bool force_legacy = false);
  ~EgressAttachment();
  EgressAttachment(EgressAttachment&&) noexcept;
  EgressAttachment& operator=(EgressAttachment&&) noexcept;
  EgressAttachment(const EgressAttachment&) = delete;
  EgressAttachment& operator=(const EgressAttachment&) = delete;

  int ifindex() const noexcept { return ifindex_; }
  const std::string& ifname() const noexcept { return ifname_; }
  Method method() const noexcept { return method_; }
  // attached, or interface_gone; replaced once detached.
  AttachState state() const;
  void detach();  // idempotent; does not throw

 private:
  int ifindex_ = 0;
  std::string ifname_;
  Method method_ = Method::tcx;
  int link_fd_ = -1;     // tcx: the link
  bool legacy_ = false;  // legacy: our filter is in place
  std::uint32_t prog_id_ = 0;
};

// Returns once every run of an XDP program that began before the call has ended (an RCU grace
// period: XDP runs inside an RCU read-side section). After detaching, the counters and the ring
// buffer are then final: drain the ring buffer and nothing more can arrive.
void wait_for_running_programs();

// Reads samples from the program's ring buffer. The callback gets the header and exactly
// cap_len payload bytes; a record whose size cannot hold its header plus cap_len bytes is not
// handed out and is counted in bad_records(). An exception thrown by the callback stops the
// current poll()/consume() and is rethrown from it.
class RingReader {
 public:
  using Callback =
      std::function<void(const pp_sample& sample, std::span<const std::uint8_t> payload)>;

  RingReader(const Program& program, Callback callback);
  ~RingReader();
  RingReader(RingReader&&) = delete;  // libbpf keeps a pointer to this object
  RingReader& operator=(RingReader&&) = delete;
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // Waits up to timeout_ms (-1: forever) and handles what arrived; returns records handled.
  // EINTR returns 0 (so that a signal handler's flag can be checked). Other errors throw.
  int poll(int timeout_ms);
  // Handles everything already in the ring buffer without waiting; returns records handled.
  int consume();
  std::uint64_t bad_records() const noexcept { return bad_records_; }

 private:
  static int on_record(void* self, void* data, std::size_t size);
  int finish(int rc);

  Callback callback_;
  std::uint64_t bad_records_ = 0;
  std::exception_ptr pending_;
  struct RingDeleter {
    void operator()(ring_buffer* rb) const noexcept;
  };
  std::unique_ptr<ring_buffer, RingDeleter> rb_;
};

}  // namespace protoport::loader
