// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "replay/capture_reader.h"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio_ext.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <limits>

namespace protoport::replay {
namespace {

// libpcap reads records with fread(); glibc's default buffer is one 4 KiB block, i.e. a read(2)
// every few frames. Measured on a 335,520-frame, 116 MB pcap (page cache): 33.5 ms CPU with the
// default, 23.7 ms with 64 KiB, 28.5 ms with 256 KiB (a buffer larger than L2 costs again).
constexpr std::size_t kStdioBufferLen = 64 * 1024;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

std::uint64_t to_ns(const struct timeval& ts) {
  // With PCAP_TSTAMP_PRECISION_NANO, tv_usec holds nanoseconds.
  if (ts.tv_sec < 0) return 0;
  constexpr std::uint64_t kMaxSec =
      std::numeric_limits<std::uint64_t>::max() / 1'000'000'000ull - 1;
  const auto sec = static_cast<std::uint64_t>(ts.tv_sec);
  if (sec > kMaxSec) return std::numeric_limits<std::uint64_t>::max();
  return sec * 1'000'000'000ull + static_cast<std::uint64_t>(ts.tv_usec);
}

// A stream input (pipe, FIFO, terminal) read through fopencookie(): each read first waits in
// poll(2) for the input or the cancel fd, so that a request to stop reaches a reader blocked on
// a writer that never writes nor closes. libpcap only sees a FILE*, as it does for any file.
struct CancellableInput {
  int fd;
  int cancel_fd;
};

ssize_t cancellable_read(void* cookie, char* buf, size_t size) {
  const auto* in = static_cast<CancellableInput*>(cookie);
  for (;;) {
    struct pollfd fds[2] = {{in->cancel_fd, POLLIN, 0}, {in->fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if ((fds[0].revents & POLLIN) != 0) {  // checked first: a stop wins over waiting data
      errno = ECANCELED;
      return -1;
    }
    const ssize_t n = read(in->fd, buf, size);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

int cancellable_close(void* cookie) {
  auto* in = static_cast<CancellableInput*>(cookie);
  const int rc = close(in->fd);
  delete in;
  return rc;
}

}  // namespace

void CaptureReader::PcapCloser::operator()(pcap* p) const { pcap_close(p); }

std::string describe_datalink(int dlt) {
  const char* name = pcap_datalink_val_to_name(dlt);
  return std::string(name != nullptr ? name : "unknown") + " (" + std::to_string(dlt) + ")";
}

std::string display_name(const std::string& path) { return path == kStdinName ? "stdin" : path; }

int open_capture_input(const std::string& path) {
  // A duplicate, so that closing the capture leaves descriptor 0 alone.
  const int fd = path == kStdinName ? fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3)
                                    : open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw CaptureError(display_name(path) + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    const int err = errno;
    const bool dir = S_ISDIR(st.st_mode);
    close(fd);
    if (dir) throw CaptureError(display_name(path) + ": is a directory, not a capture");
    throw CaptureError(display_name(path) + ": cannot stat: " + std::strerror(err));
  }
  return fd;
}

CaptureReader::CaptureReader(std::string path) : path_(std::move(path)) {
  name_ = display_name(path_);
  open(open_capture_input(path_), -1);
}

CaptureReader::CaptureReader(std::string path, int fd, int cancel_fd) : path_(std::move(path)) {
  name_ = display_name(path_);
  open(fd, cancel_fd);
}

void CaptureReader::open(int fd, int cancel_fd) {
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    throw CaptureError(name_ + ": cannot stat: " + std::strerror(err));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    throw CaptureError(name_ + ": is a directory, not a capture");
  }
  std::unique_ptr<std::FILE, FileCloser> file;
  if (S_ISREG(st.st_mode)) {
    // From the current offset: `replay - <file` may have been handed a file already partly read.
    const off_t at = lseek(fd, 0, SEEK_CUR);
    file_size_ = static_cast<std::uint64_t>(st.st_size);  // file_offset() counts from 0 too
    if (st.st_size <= (at > 0 ? at : 0)) {
      close(fd);
      throw CaptureError(name_ + ": empty file, not a pcap or pcapng capture");
    }
    // Read once, front to back: the kernel may read further ahead (a gigabyte capture is
    // seldom all in the page cache).
    posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    file.reset(fdopen(fd, "rb"));
  } else if (cancel_fd >= 0) {
    auto* cookie = new CancellableInput{fd, cancel_fd};
    file.reset(fopencookie(cookie, "rb", {cancellable_read, nullptr, nullptr, cancellable_close}));
    if (!file) delete cookie;
  } else {
    file.reset(fdopen(fd, "rb"));
  }
  if (!file) {
    const int err = errno;
    close(fd);
    throw CaptureError(name_ + ": cannot open: " + std::strerror(err));
  }
  stdio_buffer_ = std::make_unique<char[]>(kStdioBufferLen);
  std::setvbuf(file.get(), stdio_buffer_.get(), _IOFBF, kStdioBufferLen);
  // One thread at a time reads a capture (replay's reader, after the caller's thread opened it,
  // handed over under FrameFeed's lock): stdio need not lock the stream. In a multi-threaded
  // process it otherwise takes that lock, an atomic operation, in each of libpcap's two freads
  // per record, which was a third of replay's reading time (10x merged corpus, perf).
  __fsetlocking(file.get(), FSETLOCKING_BYCALLER);

  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_.reset(
      pcap_fopen_offline_with_tstamp_precision(file.get(), PCAP_TSTAMP_PRECISION_NANO, errbuf));
  if (!pcap_) {
    if (std::strstr(errbuf, "unknown file format") != nullptr)
      throw CaptureError(name_ + ": not a pcap or pcapng capture (unknown file format)");
    throw CaptureError(name_ + ": cannot read capture: " + errbuf);
  }
  file_ = file.release();  // pcap_close() closes it from now on

  dlt_ = pcap_datalink(pcap_.get());
  const auto link = link_from_dlt(dlt_);
  if (!link) {
    throw CaptureError(
        name_ + ": unsupported link type " + describe_datalink(dlt_) +
        "; replay reads Ethernet, Linux cooked (SLL, SLL2), raw IP and BSD loopback");
  }
  link_ = *link;
  // No buffer is sized from the header's snapshot length (pcap_snapshot()): it is whatever the
  // writer claimed, up to 0x7fffffff. scratch_ grows with the frames, up to kMaxRecordBytes.
}

CaptureReader::~CaptureReader() = default;
CaptureReader::CaptureReader(CaptureReader&&) noexcept = default;
CaptureReader& CaptureReader::operator=(CaptureReader&&) noexcept = default;

bool CaptureReader::next(Frame& out) {
  for (;;) {
    struct pcap_pkthdr* hdr = nullptr;
    const u_char* data = nullptr;
    const int rc = pcap_next_ex(pcap_.get(), &hdr, &data);
    if (rc == PCAP_ERROR_BREAK) return false;  // end of file
    // Built only for an error: no allocation per frame.
    auto frame = [&] { return ": frame " + std::to_string(stats_.records + 1) + ": "; };
    if (rc != 1) {
      // libpcap's text says what is wrong ("truncated dump file; tried to read 62 captured
      // bytes, only got 30", "an interface has a snapshot length 2000 different from ...").
      const std::string detail = pcap_geterr(pcap_.get());
      const bool cut = detail.find("truncated") != std::string::npos;
      throw CaptureError(name_ + frame() + (cut ? "truncated capture (" : "unreadable record (") +
                         detail + ")");
    }
    if (hdr->caplen > kMaxRecordBytes) {
      // libpcap 1.10 refuses these itself for the link types replay reads; this keeps the bound
      // ours, whatever libpcap does.
      throw CaptureError(name_ + frame() + "record of " + std::to_string(hdr->caplen) +
                         " bytes, more than any link delivers (replay's limit is " +
                         std::to_string(kMaxRecordBytes) + " bytes)");
    }
    ++stats_.records;
    const Converted conv = to_ethernet(link_, {data, hdr->caplen}, scratch_);
    switch (conv.status) {
      case ConvertStatus::ok:
        ++stats_.frames;
        out.number = stats_.records;
        out.ts_ns = to_ns(hdr->ts);
        out.orig_len = hdr->len;
        out.bytes = conv.frame;
        return true;
      case ConvertStatus::truncated: ++stats_.truncated; break;
      case ConvertStatus::unknown_family: ++stats_.unknown_family; break;
    }
  }
}

std::uint64_t CaptureReader::file_offset() const {
  if (!pcap_) return 0;
  const off_t pos = ftello(file_);
  return pos < 0 ? 0 : static_cast<std::uint64_t>(pos);
}

}  // namespace protoport::replay
