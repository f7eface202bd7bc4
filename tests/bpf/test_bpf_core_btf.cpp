// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Guards the loader's own-BTF shortcut (userspace/loader/program.cpp, ObjectBtfFile): it
// relocates CO-RE against the object's own BTF instead of /sys/kernel/btf/vmlinux, which is
// only right while every relocation names a UAPI struct of fixed layout. The skeleton is loaded
// both ways and the relocated instructions (bpf_program__insns after load) must be identical.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <doctest/doctest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "protoport_bpf.skel.h"

namespace {

// A std::string: doctest prints a const char* as a pointer.
const std::string kShortcutMustGo =
    "a CO-RE relocation now depends on the kernel's BTF: the loader's own-BTF shortcut "
    "(userspace/loader/program.cpp, ObjectBtfFile) must go";

struct SkelDeleter {
  void operator()(protoport_bpf* skel) const noexcept { protoport_bpf__destroy(skel); }
};
using Skel = std::unique_ptr<protoport_bpf, SkelDeleter>;

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Fd& operator=(Fd&&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The skeleton's embedded ELF in a memfd, as the loader hands it to libbpf.
Fd object_memfd() {
  std::size_t size = 0;
  const auto* p = static_cast<const char*>(protoport_bpf__elf_bytes(&size));
  Fd fd(memfd_create("protoport-core-btf-test", MFD_CLOEXEC));
  REQUIRE(fd.get() >= 0);
  while (size > 0) {
    const ssize_t n = write(fd.get(), p, size);
    REQUIRE(n > 0);
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return fd;
}

// ld_imm64 whose imm is a map fd (fds differ between loads); the second half's imm (an offset
// into the map value, for *_VALUE) is kept.
bool loads_map_fd(const bpf_insn& insn) {
  if (insn.code != (BPF_LD | BPF_IMM | BPF_DW)) return false;
  return insn.src_reg == BPF_PSEUDO_MAP_FD || insn.src_reg == BPF_PSEUDO_MAP_VALUE ||
         insn.src_reg == BPF_PSEUDO_MAP_IDX || insn.src_reg == BPF_PSEUDO_MAP_IDX_VALUE;
}

struct LoadedProgram {
  std::string name;
  std::vector<bpf_insn> insns;  // map-fd imms zeroed
};

// Opens and loads the skeleton (default settings) with `btf_custom_path` (nullptr: the
// kernel's BTF) and returns every program's instructions as loaded.
std::vector<LoadedProgram> load_with(const char* btf_custom_path) {
  bpf_object_open_opts opts{};
  opts.sz = sizeof(opts);
  opts.btf_custom_path = btf_custom_path;
  Skel skel(protoport_bpf__open_opts(&opts));
  REQUIRE_MESSAGE(skel, "opening the skeleton (btf_custom_path "
                            << (btf_custom_path ? btf_custom_path : "none") << ")");
  REQUIRE(protoport_bpf__load(skel.get()) == 0);
  std::vector<LoadedProgram> out;
  bpf_program* prog = nullptr;
  bpf_object__for_each_program(prog, skel->obj) {
    const bpf_insn* insns = bpf_program__insns(prog);
    const std::size_t count = bpf_program__insn_cnt(prog);
    REQUIRE(insns != nullptr);
    REQUIRE(count > 0);
    LoadedProgram p{bpf_program__name(prog), std::vector<bpf_insn>(insns, insns + count)};
    for (auto& insn : p.insns)
      if (loads_map_fd(insn)) insn.imm = 0;
    out.push_back(std::move(p));
  }
  return out;
}

std::string describe(const bpf_insn& i) {
  char text[80];
  std::snprintf(text, sizeof(text), "code 0x%02x dst r%u src r%u off %d imm %d", i.code, i.dst_reg,
                i.src_reg, i.off, i.imm);
  return text;
}

}  // namespace

TEST_CASE("CO-RE relocation against the object's own BTF gives the kernel BTF's instructions") {
  REQUIRE_MESSAGE(access("/sys/kernel/btf/vmlinux", R_OK) == 0,
                  "the comparison needs the kernel's BTF (/sys/kernel/btf/vmlinux)");
  const Fd object = object_memfd();
  const std::string own_btf = "/proc/self/fd/" + std::to_string(object.get());

  const std::vector<LoadedProgram> own = load_with(own_btf.c_str());
  const std::vector<LoadedProgram> kernel = load_with(nullptr);

  REQUIRE(own.size() == kernel.size());
  REQUIRE(!own.empty());
  for (std::size_t p = 0; p < own.size(); ++p) {
    INFO("program " << own[p].name);
    REQUIRE(own[p].name == kernel[p].name);
    CHECK_MESSAGE(own[p].insns.size() == kernel[p].insns.size(),
                  kShortcutMustGo << " (instruction count: own BTF " << own[p].insns.size()
                                  << ", kernel BTF " << kernel[p].insns.size() << ")");
    const std::size_t n = std::min(own[p].insns.size(), kernel[p].insns.size());
    std::size_t differing = 0, first = n;
    for (std::size_t i = 0; i < n; ++i) {
      if (std::memcmp(&own[p].insns[i], &kernel[p].insns[i], sizeof(bpf_insn)) == 0) continue;
      if (differing++ == 0) first = i;
    }
    if (differing != 0)
      FAIL_CHECK(kShortcutMustGo << " (" << differing << " instruction(s) differ; first #" << first
                                 << ": own BTF " << describe(own[p].insns[first]) << ", kernel BTF "
                                 << describe(kernel[p].insns[first]) << ")");
  }
}
