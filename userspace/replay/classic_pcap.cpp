// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "replay/classic_pcap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "replay/capture_reader.h"

namespace protoport::replay {
namespace {

// Refill in 64 KiB reads: the size measured best for libpcap's stdio buffer (larger buffers fall
// out of L2 before the frames in them are used).
constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kFileHeaderLen = 24;
constexpr std::size_t kRecordHeaderLen = 16;
// libpcap's MAXIMUM_SNAPLEN, its max_snaplen_for_dlt() for Ethernet.
constexpr std::uint32_t kMaxSnaplen = 262144;
constexpr std::uint32_t kLinktypeEthernet = 1;

std::uint32_t load32(const std::uint8_t* p, bool swapped) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return swapped ? __builtin_bswap32(v) : v;
}

std::uint16_t load16(const std::uint8_t* p, bool swapped) {
  std::uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return swapped ? __builtin_bswap16(v) : v;
}

}  // namespace

std::optional<ClassicPcapReader> ClassicPcapReader::open(int fd, const std::string& path) {
  struct stat st {};
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  std::uint8_t hdr[kFileHeaderLen];
  if (pread(fd, hdr, sizeof hdr, 0) != static_cast<ssize_t>(sizeof hdr)) return std::nullopt;
  std::uint32_t magic;
  std::memcpy(&magic, hdr, sizeof magic);
  bool swapped = false;
  bool nanos = false;
  switch (magic) {
    case 0xa1b2c3d4: break;
    case 0xd4c3b2a1: swapped = true; break;
    case 0xa1b23c4d: nanos = true; break;
    case 0x4d3cb2a1: swapped = nanos = true; break;
    default: return std::nullopt;  // pcapng, modified pcap, not a capture: libpcap decides
  }
  // Version 2.4 only (older versions swap fields); linktype with no FCS bits, Ethernet only.
  if (load16(hdr + 4, swapped) != 2 || load16(hdr + 6, swapped) != 4) return std::nullopt;
  if (load32(hdr + 20, swapped) != kLinktypeEthernet) return std::nullopt;
  std::uint32_t snapshot = load32(hdr + 16, swapped);
  if (snapshot == 0 || snapshot > kMaxSnaplen) snapshot = kMaxSnaplen;  // pcap_adjust_snapshot()
  (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);  // a hint only: failure changes nothing
  ClassicPcapReader reader(fd, path, swapped, nanos, snapshot);
  reader.consumed_ = kFileHeaderLen;
  if (lseek(fd, kFileHeaderLen, SEEK_SET) != static_cast<off_t>(kFileHeaderLen)) {
    reader.fd_ = -1;  // not ours after all
    return std::nullopt;
  }
  return reader;
}

ClassicPcapReader::ClassicPcapReader(int fd, std::string path, bool swapped, bool nanos, std::uint32_t snapshot)
    : fd_(fd), path_(std::move(path)), swapped_(swapped), nanos_(nanos), snapshot_(snapshot) {
  // Room for one whole record of the largest legal size after a partial chunk.
  buf_.resize(kReadChunk + kRecordHeaderLen + kMaxSnaplen);
}

ClassicPcapReader::~ClassicPcapReader() {
  if (fd_ >= 0) ::close(fd_);
}

ClassicPcapReader::ClassicPcapReader(ClassicPcapReader&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      path_(std::move(o.path_)),
      swapped_(o.swapped_),
      nanos_(o.nanos_),
      snapshot_(o.snapshot_),
      buf_(std::move(o.buf_)),
      begin_(o.begin_),
      end_(o.end_),
      consumed_(o.consumed_) {}

ClassicPcapReader& ClassicPcapReader::operator=(ClassicPcapReader&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::move(o.path_);
    swapped_ = o.swapped_;
    nanos_ = o.nanos_;
    snapshot_ = o.snapshot_;
    buf_ = std::move(o.buf_);
    begin_ = o.begin_;
    end_ = o.end_;
    consumed_ = o.consumed_;
  }
  return *this;
}

std::size_t ClassicPcapReader::fill(std::size_t n) {
  if (end_ - begin_ >= n) return end_ - begin_;
  // n never exceeds a record header + kMaxSnaplen, so after this move it always fits.
  std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
  end_ -= begin_;
  begin_ = 0;
  while (end_ < n) {
    const std::size_t want = std::min(buf_.size() - end_, std::max(kReadChunk, n - end_));
    const ssize_t got = ::read(fd_, buf_.data() + end_, want);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw CaptureError(path_ + ": read error: " + std::strerror(errno));
    }
    if (got == 0) break;
    end_ += static_cast<std::size_t>(got);
  }
  return end_;
}

bool ClassicPcapReader::next(ClassicRecord& out, std::uint64_t frame_number) {
  const auto fail = [&](const std::string& what) {
    return CaptureError(path_ + ": frame " + std::to_string(frame_number) + ": " + what);
  };
  const std::size_t have = fill(kRecordHeaderLen);
  if (have == 0) return false;  // clean end between records
  if (have < kRecordHeaderLen) {
    throw fail("truncated capture (truncated dump file; tried to read 16 header bytes, only got " +
               std::to_string(have) + ")");
  }
  const std::uint8_t* h = buf_.data() + begin_;
  const std::uint32_t sec = load32(h, swapped_);
  const std::uint32_t frac = load32(h + 4, swapped_);
  const std::uint32_t caplen = load32(h + 8, swapped_);
  const std::uint32_t len = load32(h + 12, swapped_);
  // The same checks and messages as libpcap's sf-pcap.c.
  if (caplen > kMaxSnaplen) {
    // snapshot_ <= kMaxSnaplen, so this is libpcap's "bigger than snaplen" case.
    throw fail("unreadable record (invalid packet capture length " + std::to_string(caplen) +
               ", bigger than snaplen of " + std::to_string(snapshot_) + ")");
  }
  const std::size_t whole = kRecordHeaderLen + caplen;
  const std::size_t avail = fill(whole);
  if (avail < whole) {
    // libpcap reads a record longer than the snapshot in two steps and names the one that failed.
    const std::size_t got = avail - kRecordHeaderLen;
    const std::uint32_t tried = caplen > snapshot_ && got < snapshot_ ? snapshot_ : caplen;
    throw fail("truncated capture (truncated dump file; tried to read " + std::to_string(tried) +
               " captured bytes, only got " + std::to_string(got) + ")");
  }
  const std::uint8_t* data = buf_.data() + begin_ + kRecordHeaderLen;
  // libpcap keeps only the snapshot length of a longer record and skips the rest.
  out.bytes = {data, std::min(caplen, snapshot_)};
  out.orig_len = len;
  // libpcap reads the fields as signed 32-bit in host byte order, but its SWAPLONG() yields them
  // unsigned from a byte-swapped file; timestamps stay bit-identical to the libpcap path.
  const auto widen = [&](std::uint32_t v) {
    return swapped_ ? static_cast<std::int64_t>(v) : static_cast<std::int64_t>(static_cast<std::int32_t>(v));
  };
  out.ts.tv_sec = static_cast<time_t>(widen(sec));
  out.ts.tv_usec = static_cast<suseconds_t>(nanos_ ? widen(frac) : widen(frac) * 1000);
  begin_ += whole;
  consumed_ += whole;
  return true;
}

}  // namespace protoport::replay
