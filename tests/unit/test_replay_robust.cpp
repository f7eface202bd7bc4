// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Replay's input robustness through the reader API: memory follows the frames in a capture,
// never a header field (a 101-byte file claiming a 2 GiB snapshot length once cost 2 GiB), and
// a capture that can be read only once (a pipe) is opened only once.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "replay/capture_reader.h"
#include "replay/capture_sequence.h"
#include "replay_test_util.h"

using namespace protoport::replay;
using namespace protoport::replay::test;

namespace {

constexpr std::uint32_t kHugeSnaplen = 0x7fffffff;

void put16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v)), b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void put32(Bytes& b, std::uint32_t v) {
  put16(b, static_cast<std::uint16_t>(v)), put16(b, static_cast<std::uint16_t>(v >> 16));
}

// A classic pcap file (little-endian, microseconds) with the given snaplen and one record.
Bytes classic_pcap(std::uint32_t linktype, std::uint32_t snaplen, const Bytes& record) {
  Bytes b;
  put32(b, 0xa1b2c3d4), put16(b, 2), put16(b, 4), put32(b, 0), put32(b, 0), put32(b, snaplen);
  put32(b, linktype);
  put32(b, 1'700'000'000), put32(b, 0), put32(b, static_cast<std::uint32_t>(record.size()));
  put32(b, static_cast<std::uint32_t>(record.size()));
  b.insert(b.end(), record.begin(), record.end());
  return b;
}

// A pcapng file: section header, one interface (linktype, snaplen), one enhanced packet.
Bytes pcapng(std::uint16_t linktype, std::uint32_t snaplen, const Bytes& record) {
  Bytes b;
  put32(b, 0x0A0D0D0A), put32(b, 28), put32(b, 0x1A2B3C4D), put16(b, 1), put16(b, 0);
  put32(b, 0xffffffff), put32(b, 0xffffffff), put32(b, 28);
  put32(b, 1), put32(b, 20), put16(b, linktype), put16(b, 0), put32(b, snaplen), put32(b, 20);
  const auto len = static_cast<std::uint32_t>(record.size());
  const std::uint32_t padded = (len + 3) & ~3u;
  put32(b, 6), put32(b, 32 + padded), put32(b, 0), put32(b, 0), put32(b, 0), put32(b, len);
  put32(b, len);
  b.insert(b.end(), record.begin(), record.end());
  b.insert(b.end(), padded - len, 0);
  put32(b, 32 + padded);
  return b;
}

void write_bytes(const std::string& path, const Bytes& b) {
  write_file(path, std::string(b.begin(), b.end()));
}

long peak_rss_kb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

}  // namespace

TEST_CASE("a header's snapshot length costs no memory: only the frames present do") {
  TempDir dir;
  const Bytes sll_head = {0, 0, 0, 1, 0, 6, 2, 2, 2, 2, 2, 2, 0, 0, 0x08, 0x00};
  struct Case {
    const char* name;
    Bytes file;
  };
  const Case cases[] = {
      {"raw.pcap", classic_pcap(DLT_RAW, kHugeSnaplen, ipv4_udp(1))},
      {"sll.pcap", classic_pcap(DLT_LINUX_SLL, kHugeSnaplen, concat({sll_head, ipv4_udp(2)}))},
      {"null.pcap", classic_pcap(DLT_NULL, kHugeSnaplen, concat({{2, 0, 0, 0}, ipv4_udp(3)}))},
      {"raw.pcapng", pcapng(DLT_RAW, kHugeSnaplen, ipv4_udp(4))},
      {"sll.pcapng", pcapng(DLT_LINUX_SLL, kHugeSnaplen, concat({sll_head, ipv4_udp(5)}))},
  };
  const long before_kb = peak_rss_kb();
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const auto path = dir.file(c.name);
    write_bytes(path, c.file);
    CHECK(c.file.size() < 200);  // the reviewer's file was 101 bytes
    CaptureReader reader(path);
    Frame f;
    REQUIRE(reader.next(f));
    CHECK(f.bytes.size() == kEthernetHeaderLen + ipv4_udp(0).size());
    CHECK_FALSE(reader.next(f));
  }
  // The whole case, five readers included, within a few MB (64 KiB stdio buffer each).
  CHECK(peak_rss_kb() - before_kb < 16 * 1024);
}

TEST_CASE("a pipe is read once: a sequence over /dev/fd/N gives every frame") {
  TempDir dir;
  const auto path = dir.file("a.pcap");
  write_capture(path, DLT_RAW, {{1, ipv4_udp(1)}, {2, ipv6_udp(2)}, {3, ipv4_udp(3)}});
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), {});
  }
  int fds[2];
  REQUIRE(pipe(fds) == 0);
  REQUIRE(content.size() < 4096);  // fits in the pipe: no writer thread needed
  REQUIRE(write(fds[1], content.data(), content.size()) == static_cast<ssize_t>(content.size()));
  close(fds[1]);
  const std::string fd_path = "/dev/fd/" + std::to_string(fds[0]);
  std::vector<std::uint64_t> ts;
  std::string error;
  try {
    CaptureSequence seq({fd_path});
    Frame f;
    while (seq.next(f)) ts.push_back(f.ts_ns);
  } catch (const CaptureError& e) {
    error = e.what();
  }
  close(fds[0]);
  CHECK(error == "");
  CHECK(ts == std::vector<std::uint64_t>{1, 2, 3});
}

TEST_CASE("records up to kMaxRecordBytes are read; a larger one is refused with file and frame") {
  // pcapng with a huge interface snaplen: libpcap 1.10 itself accepts such records, so this
  // bound is what refuses them.
  TempDir dir;
  const Bytes head = concat({ether_header(0x0800), ipv4_udp(1)});
  auto record_of = [&](std::size_t size) {
    Bytes r = head;
    r.resize(size, 0);
    return r;
  };
  const auto ok = dir.file("ok.pcapng"), big = dir.file("big.pcapng");
  write_bytes(ok, pcapng(DLT_EN10MB, kHugeSnaplen, record_of(kMaxRecordBytes)));
  write_bytes(big, pcapng(DLT_EN10MB, kHugeSnaplen, record_of(kMaxRecordBytes + 1)));
  CaptureReader good(ok);
  Frame f;
  REQUIRE(good.next(f));
  CHECK(f.bytes.size() == kMaxRecordBytes);

  CaptureReader bad(big);
  std::string msg;
  try {
    bad.next(f);
  } catch (const CaptureError& e) {
    msg = e.what();
  }
  CHECK(msg.find(big + ": frame 1: record of 262145 bytes") == 0);
  CHECK(msg.find("262144") != std::string::npos);
  CHECK(kMaxRecordBytes == 256 * 1024);
}

TEST_CASE("a damaged file in a sequence: continue_after_error() goes on with the next file") {
  TempDir dir;
  write_capture(dir.file("a.pcap"), DLT_RAW, {{1, ipv4_udp(1)}});
  write_capture(dir.file("b.pcap"), DLT_RAW, {{2, ipv4_udp(2)}, {3, ipv4_udp(3)}});
  write_capture(dir.file("c.pcap"), DLT_RAW, {{4, ipv4_udp(4)}});
  std::filesystem::resize_file(dir.file("b.pcap"),
                               std::filesystem::file_size(dir.file("b.pcap")) - 5);
  CaptureSequence seq({dir.file("a.pcap"), dir.file("b.pcap"), dir.file("c.pcap")});
  Frame f;
  std::vector<std::uint64_t> ts;
  std::vector<std::string> errors;
  for (;;) {
    try {
      while (seq.next(f)) ts.push_back(f.ts_ns);
      break;
    } catch (const CaptureError& e) {
      errors.push_back(e.what());
      CHECK(seq.file_index() == 1);
      seq.continue_after_error();
    }
  }
  CHECK(ts == std::vector<std::uint64_t>{1, 2, 4});
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].find(dir.file("b.pcap") + ": frame 2: truncated capture") == 0);
  CHECK(seq.stats().frames == 3);
}

TEST_CASE("standard input is named stdin in messages; '-' opens a duplicate of descriptor 0") {
  CHECK(display_name("-") == "stdin");
  CHECK(display_name("a.pcap") == "a.pcap");
  const int fd = open_capture_input("-");
  CHECK(fd > 2);
  close(fd);
  CHECK(fcntl(0, F_GETFD) >= 0);  // still open
}

TEST_CASE("a regular file given already open at an offset is read from there, once") {
  TempDir dir;
  const auto path = dir.file("a.pcap");
  write_capture(path, DLT_RAW, {{1, ipv4_udp(1)}});
  const std::string garbage = "12345";
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    content.assign(std::istreambuf_iterator<char>(in), {});
  }
  write_file(path, garbage + content);
  const int fd = open(path.c_str(), O_RDONLY);
  REQUIRE(fd >= 0);
  REQUIRE(lseek(fd, static_cast<off_t>(garbage.size()), SEEK_SET) == 5);
  CaptureReader reader(path, fd);
  Frame f;
  REQUIRE(reader.next(f));
  CHECK(f.ts_ns == 1);
}
