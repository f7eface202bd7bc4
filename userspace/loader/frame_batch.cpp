// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// FrameBatch (loader.h): replay's frames, many per bpf_prog_test_run_opts call.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "loader/internal.h"
#include "loader/loader.h"
#include "protoport_bpf.skel.h"

namespace protoport::loader {

FrameBatch::FrameBatch(const Program& program)
    : program_(program), capacity_(program.settings().replay_batch) {
  if (capacity_ == 0 || program.batch_map_fd() < 0)
    throw Error(ErrorKind::bad_settings, "replay batch: the program was loaded without one");
  // A slot's frame is written into the test run's linear part, which the running kernel may
  // make smaller than PP_BATCH_FRAME_MAX; longer frames go through run_alone().
  const std::uint32_t linear = kernel_limits().test_run_linear_max;
  frame_max_ = linear == 0 ? 0 : std::min<std::size_t>(PP_BATCH_FRAME_MAX, linear);
  const long page = sysconf(_SC_PAGESIZE);
  const std::size_t page_bytes = static_cast<std::size_t>(page > 0 ? page : 4096);
  mapped_bytes_ = (capacity_ * slot_bytes() + page_bytes - 1) / page_bytes * page_bytes;
  slots_ = mmap(nullptr, mapped_bytes_, PROT_READ | PROT_WRITE, MAP_SHARED,
                program.batch_map_fd(), 0);
  if (slots_ == MAP_FAILED) {
    slots_ = nullptr;
    detail::throw_errno("mapping the replay batch slots", errno);
  }
  packet_.assign(std::max<std::size_t>(frame_max_, kEthHeader), 0);
}

FrameBatch::~FrameBatch() {
  if (slots_ != nullptr) munmap(slots_, mapped_bytes_);
}

// An mmapped array map lays its values out every round_up(value_size, 8) bytes.
std::size_t FrameBatch::slot_bytes() const { return (sizeof(pp_batch_slot) + 7) / 8 * 8; }

unsigned char* FrameBatch::slot(std::size_t i) const {
  return static_cast<unsigned char*>(slots_) + i * slot_bytes();
}

void FrameBatch::add(std::span<const std::uint8_t> frame) {
  if (full() || !fits(frame.size()))
    throw std::logic_error("replay batch: a frame that does not fit, or a full batch");
  auto* s = reinterpret_cast<pp_batch_slot*>(slot(size_));
  s->len = static_cast<std::uint32_t>(frame.size());
  s->outcome = PP_BATCH_NOT_RUN;
  std::memcpy(s->data, frame.data(), frame.size());
  ++size_;
}

void FrameBatch::run() {
  if (size_ == 0) return;
  // Read by the program from the mmapped .bss: how many slots this run takes.
  program_.skel_->bss->pp_batch_count = static_cast<std::uint32_t>(size_);
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = packet_.data();
  opts.data_size_in = static_cast<std::uint32_t>(packet_.size());
  opts.repeat = 1;  // the program loops over the slots itself (see protoport_replay_batch)
  if (bpf_prog_test_run_opts(program_.batch_prog_fd(), &opts) != 0)
    detail::throw_errno("test run of a replay batch of " + std::to_string(size_) + " frames",
                        errno);
}

void FrameBatch::run_alone(std::span<const std::uint8_t> frame) {
  if (size_ != 0) throw std::logic_error("replay batch: run_alone() with frames queued");
  program_.skel_->bss->pp_batch_count = 0;  // no slots: the packet given is the frame
  bpf_test_run_opts opts{};
  opts.sz = sizeof(opts);
  opts.data_in = frame.data();
  opts.data_size_in = static_cast<std::uint32_t>(frame.size());
  opts.repeat = 1;
  if (frame.size() > UINT32_MAX || bpf_prog_test_run_opts(program_.batch_prog_fd(), &opts) != 0)
    detail::throw_errno("test run of a " + std::to_string(frame.size()) + "-byte frame",
                        frame.size() > UINT32_MAX ? EFBIG : errno);
}

std::uint32_t FrameBatch::outcome(std::size_t i) const {
  if (i >= size_) throw std::out_of_range("replay batch: no such frame");
  return reinterpret_cast<const pp_batch_slot*>(slot(i))->outcome;
}

}  // namespace protoport::loader
