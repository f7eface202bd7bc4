// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// What one bpf_prog_test_run_opts call costs, seen from userspace, with a two-instruction XDP
// program (return XDP_PASS / XDP_DROP), so that the number is the syscall and test-run setup
// alone. Replay makes one call per frame; this is its floor. Needs root (loads BPF).
//   replay_test_run_cost [calls]
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {

int load_return(int action) {
  const bpf_insn insns[] = {
      {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, action},  // r0 = action
      {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},                        // exit
  };
  const int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "pp_ret", "GPL", insns, 2, nullptr);
  if (fd < 0) {
    std::fprintf(stderr, "replay_test_run_cost: loading a BPF program failed: %s\n",
                 std::strerror(errno));
    std::exit(1);
  }
  return fd;
}

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Wall-clock and CPU ns per call for `calls` calls of `repeat` runs each; prints the kernel's own
// per-run duration beside it.
void measure(const char* label, int prog_fd, std::size_t frame_len, int calls, int repeat,
             unsigned flags) {
  std::vector<unsigned char> frame(frame_len, 0);
  frame[12] = 0x08;  // EtherType IPv4; contents do not matter to a program that only returns
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<unsigned>(frame.size());
  opts.repeat = repeat;
  opts.flags = flags;
  unsigned long long kernel_ns = 0;
  const double cpu0 = thread_cpu_ns();
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < calls; ++i) {
    if (bpf_prog_test_run_opts(prog_fd, &opts) != 0) {
      std::fprintf(stderr, "replay_test_run_cost: %s: test run failed: %s\n", label,
                   std::strerror(errno));
      std::exit(1);
    }
    kernel_ns += opts.duration;
  }
  const double wall =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = thread_cpu_ns() - cpu0;  // CPU time: robust when the machine is shared
  std::printf(
      "%-40s %5zu B  calls %7d  repeat %7d  wall %8.1f ns/call  cpu %8.1f ns/call %7.1f ns/frame  "
      "kernel %5.1f ns/run\n",
      label, frame_len, calls, repeat, wall / calls, cpu / calls, cpu / calls / repeat,
      static_cast<double>(kernel_ns) / calls);
}

}  // namespace

int main(int argc, char** argv) {
  const int calls = argc > 1 ? std::atoi(argv[1]) : 200000;
  const int pass = load_return(XDP_PASS);
  const int drop = load_return(XDP_DROP);
  measure("XDP_PASS, one frame per call", pass, 64, calls, 1, 0);
  measure("XDP_PASS, one frame per call", pass, 1514, calls, 1, 0);
  measure("XDP_PASS, same frame repeated in kernel", pass, 64, 10, 1000000, 0);
  measure("XDP_DROP, LIVE_FRAMES, repeat 1", drop, 64, calls / 4, 1, BPF_F_TEST_XDP_LIVE_FRAMES);
  measure("XDP_DROP, LIVE_FRAMES, repeat 64", drop, 64, calls / 64, 64, BPF_F_TEST_XDP_LIVE_FRAMES);
  close(pass);
  close(drop);
  return 0;
}
