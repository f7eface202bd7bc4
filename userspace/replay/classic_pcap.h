// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// A fast path for the common case only: a regular, classic (not pcapng) pcap file, version 2.4,
// Ethernet link type. Records are read with read(2) into one fixed buffer and handed out as spans
// into it: one copy (kernel -> buffer) instead of libpcap's two (kernel -> stdio -> libpcap), and
// a resident set that does not grow with the file. Anything else is left to libpcap.
#ifndef PP_REPLAY_CLASSIC_PCAP_H
#define PP_REPLAY_CLASSIC_PCAP_H

#include <sys/time.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace protoport::replay {

struct ClassicRecord {
  // As libpcap fills pcap_pkthdr.ts at nanosecond precision: fields read as signed 32-bit values,
  // tv_usec holding nanoseconds; CaptureReader converts both paths' timestamps the same way.
  struct timeval ts {};
  std::uint32_t orig_len = 0;
  std::span<const std::uint8_t> bytes;  // valid until the next call to next()
};

class ClassicPcapReader {
 public:
  // Takes ownership of `fd` if the file is eligible (see above) and returns the reader; otherwise
  // returns nullopt and leaves `fd` untouched and its offset unmoved (only pread() is used).
  static std::optional<ClassicPcapReader> open(int fd, const std::string& path);
  ~ClassicPcapReader();
  ClassicPcapReader(ClassicPcapReader&&) noexcept;
  ClassicPcapReader& operator=(ClassicPcapReader&&) noexcept;
  ClassicPcapReader(const ClassicPcapReader&) = delete;
  ClassicPcapReader& operator=(const ClassicPcapReader&) = delete;

  // Next record, or false at a clean end of file. A record cut short or with an impossible length
  // throws CaptureError "PATH: frame N: truncated capture (...)" / "unreadable record (...)".
  bool next(ClassicRecord& out, std::uint64_t frame_number);
  std::uint64_t offset() const { return consumed_; }  // file bytes parsed so far

 private:
  ClassicPcapReader(int fd, std::string path, bool swapped, bool nanos, std::uint32_t snapshot);
  // Makes at least `n` unparsed bytes available at buf_[begin_]; returns how many are (< n at EOF).
  std::size_t fill(std::size_t n);

  int fd_ = -1;
  std::string path_;
  bool swapped_ = false;
  bool nanos_ = false;
  std::uint32_t snapshot_ = 0;  // libpcap's effective snapshot length for this file
  std::vector<std::uint8_t> buf_;
  std::size_t begin_ = 0;  // first unparsed byte in buf_
  std::size_t end_ = 0;    // one past the last valid byte in buf_
  std::uint64_t consumed_ = 0;
};

}  // namespace protoport::replay

#endif
