// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// RingReader: hands each ring-buffer record to the callback as (header, payload span) after
// checking that the record really holds cap_len payload bytes.
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

#include "loader/internal.h"
#include "loader/loader.h"

namespace protoport::loader {
namespace {
constexpr std::size_t kHeaderSize = offsetof(pp_sample, data);
constexpr int kCallbackThrew = -ECANCELED;  // stops libbpf's loop; the exception is rethrown
}  // namespace

void RingReader::RingDeleter::operator()(ring_buffer* rb) const noexcept { ring_buffer__free(rb); }

RingReader::RingReader(const Program& program, Callback callback) : callback_(std::move(callback)) {
  rb_.reset(ring_buffer__new(program.ringbuf_fd(), &RingReader::on_record, this, nullptr));
  if (!rb_) detail::throw_errno("opening the sample ring buffer", errno);
}

RingReader::~RingReader() = default;

int RingReader::on_record(void* ctx, void* data, std::size_t size) {
  auto* self = static_cast<RingReader*>(ctx);
  if (size < kHeaderSize) {
    ++self->bad_records_;
    return 0;
  }
  pp_sample header{};
  std::memcpy(&header, data, kHeaderSize);
  if (header.cap_len > size - kHeaderSize || header.cap_len > header.payload_len) {
    ++self->bad_records_;
    return 0;
  }
  const auto* payload = static_cast<const std::uint8_t*>(data) + kHeaderSize;
  try {
    self->callback_(header, std::span<const std::uint8_t>(payload, header.cap_len));
  } catch (...) {
    self->pending_ = std::current_exception();
    return kCallbackThrew;
  }
  return 0;
}

int RingReader::finish(int rc) {
  if (pending_) std::rethrow_exception(std::exchange(pending_, nullptr));
  if (rc == -EINTR) return 0;
  if (rc < 0) detail::throw_errno("reading the sample ring buffer", rc);
  return rc;
}

int RingReader::poll(int timeout_ms) { return finish(ring_buffer__poll(rb_.get(), timeout_ms)); }

int RingReader::consume() { return finish(ring_buffer__consume(rb_.get())); }

}  // namespace protoport::loader
