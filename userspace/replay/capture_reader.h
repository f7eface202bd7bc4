// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Reads one pcap or pcapng file (libpcap) and yields its records as Ethernet frames for the XDP
// program, with the capture's own nanosecond timestamps. Cheap per frame: no allocation, no
// iostreams; Ethernet records are handed out straight from libpcap's buffer.
//
// Memory follows the records actually present, never a header field: a snapshot length of
// 0x7fffffff in a 101-byte file costs nothing. A record longer than kMaxRecordBytes is refused.
//
// The input is read once, front to back, through one open file description: a pipe, a FIFO,
// /dev/stdin, <(...) or `-` (standard input) work like a file.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "replay/link_layer.h"

struct pcap;

namespace protoport::replay {

// A file that cannot be replayed: unreadable, not a capture, unsupported link type, or a corrupt
// record. what() is one line that names the file (and the frame number for a corrupt record).
class CaptureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The largest record replay accepts, in captured bytes: libpcap's own MAXIMUM_SNAPLEN (256 KiB),
// so no capture libpcap or tcpdump writes has a larger one. It is above every real frame: jumbo
// frames (9 KiB), GRO/GSO aggregates as seen by a capture on the host (64 KiB), loopback MTU
// (64 KiB) and pcapng records of the same. Anything larger is damage or a forgery, and refusing
// it is what keeps a reader's memory bounded whatever a file claims.
inline constexpr std::size_t kMaxRecordBytes = 256 * 1024;

// The name "-" stands for standard input, as in `tcpdump -r -`; messages call it "stdin".
inline constexpr const char* kStdinName = "-";
std::string display_name(const std::string& path);

// Opens `path` ("-": a duplicate of standard input) for reading, close-on-exec. Throws
// CaptureError naming the file and strerror, or saying it is a directory.
int open_capture_input(const std::string& path);

struct Frame {
  std::uint64_t number = 0;    // 1-based record number in its file, as Wireshark numbers it
  std::uint64_t ts_ns = 0;     // capture timestamp, ns since the Unix epoch
  std::uint32_t orig_len = 0;  // length on the wire as the capture recorded it (its own link layer)
  std::span<const std::uint8_t> bytes;  // the Ethernet frame; valid until the next call to next()
};

// Records that did not become frames; every record ends up in exactly one counter.
struct ReaderStats {
  std::uint64_t records = 0;         // records read from the file
  std::uint64_t frames = 0;          // delivered as Ethernet frames
  std::uint64_t truncated = 0;       // captured part shorter than its link-layer header
  std::uint64_t unknown_family = 0;  // raw IP / loopback record with no IPv4 or IPv6 marker

  ReaderStats& operator+=(const ReaderStats& o) {
    records += o.records;
    frames += o.frames;
    truncated += o.truncated;
    unknown_family += o.unknown_family;
    return *this;
  }
};

class CaptureReader {
 public:
  // Opens `path` ("-" for standard input); throws CaptureError if it cannot be read, is not a
  // pcap/pcapng capture, or has a link type replay does not handle (the message names the file
  // and the link type).
  explicit CaptureReader(std::string path);
  // Reads the already open `fd` from its current offset, and owns it from now on (closed even
  // when this throws). `path` names it in messages. When `cancel_fd` is not -1 and `fd` is not a
  // regular file (a pipe, FIFO, terminal, socket), reads wait in poll(2) on both and stop with
  // a CaptureError ("Operation canceled") once `cancel_fd` is readable: a reader blocked on a
  // pipe nobody closes can still be stopped (see Interrupt). A regular file never blocks.
  CaptureReader(std::string path, int fd, int cancel_fd = -1);
  ~CaptureReader();
  CaptureReader(CaptureReader&&) noexcept;
  CaptureReader& operator=(CaptureReader&&) noexcept;
  CaptureReader(const CaptureReader&) = delete;
  CaptureReader& operator=(const CaptureReader&) = delete;

  // Fills `out` with the next frame and returns true, or returns false at the end of the file.
  // Records that cannot become an Ethernet frame are counted in stats() and skipped. A truncated
  // or corrupt record, or one longer than kMaxRecordBytes, throws CaptureError naming the file
  // and its frame number; every frame before it has already been returned.
  bool next(Frame& out);

  const std::string& path() const { return path_; }
  int datalink() const { return dlt_; }  // DLT_* as libpcap reports it
  std::uint64_t file_size() const { return file_size_; }
  std::uint64_t file_offset() const;  // bytes of the file consumed so far (for progress)
  const ReaderStats& stats() const { return stats_; }

 private:
  struct PcapCloser {
    void operator()(pcap* p) const;
  };

  void open(int fd, int cancel_fd);

  std::string path_;  // as given ("-" for standard input)
  std::string name_;  // for messages
  // Declared before pcap_ so that it is destroyed after pcap_close() has closed the FILE using it.
  std::unique_ptr<char[]> stdio_buffer_;
  std::unique_ptr<pcap, PcapCloser> pcap_;
  std::FILE* file_ = nullptr;  // owned by pcap_ (pcap_close closes it)
  int dlt_ = 0;
  Link link_ = Link::ethernet;
  std::uint64_t file_size_ = 0;
  // Rebuilt frames for non-Ethernet link types: grows to the largest frame seen, at most
  // kMaxRecordBytes plus an Ethernet header.
  std::vector<std::uint8_t> scratch_;
  ReaderStats stats_;
};

// "IEEE802_11 (105)": libpcap's name of a DLT_* value plus the number, for messages.
std::string describe_datalink(int dlt);

}  // namespace protoport::replay
