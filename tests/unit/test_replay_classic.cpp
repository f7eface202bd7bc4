// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The classic-pcap fast path (ClassicPcapReader behind CaptureReader) against libpcap itself:
// for well-formed, byte-swapped, over-snaplen, truncated and randomly corrupted files, the frames,
// numbers, timestamps, lengths, counters and error text must be exactly libpcap's.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

#include "replay/capture_reader.h"
#include "replay/classic_pcap.h"
#include "replay_test_util.h"

using namespace protoport::replay;
using namespace protoport::replay::test;

namespace {

struct Seen {
  std::uint64_t number, ts_ns;
  std::uint32_t orig_len;
  Bytes bytes;
};

struct Outcome {
  std::vector<Seen> frames;
  std::uint64_t records = 0, runts = 0;
  std::string error;  // libpcap's text of the error that ended the file, "" at a clean end
};

// What libpcap itself reads from `path`, mapped as CaptureReader maps Ethernet records.
Outcome with_libpcap(const std::string& path) {
  char errbuf[PCAP_ERRBUF_SIZE] = {};
  pcap_t* p = pcap_open_offline_with_tstamp_precision(path.c_str(), PCAP_TSTAMP_PRECISION_NANO, errbuf);
  REQUIRE(p != nullptr);
  Outcome out;
  pcap_pkthdr* h = nullptr;
  const u_char* data = nullptr;
  int rc;
  while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
    ++out.records;
    if (h->caplen < 14) {
      ++out.runts;
      continue;
    }
    // CaptureReader's conversion of libpcap's timestamps (tv_usec holds ns; before 1970 is 0).
    const auto ts = h->ts.tv_sec < 0 ? 0 : static_cast<std::uint64_t>(h->ts.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(h->ts.tv_usec);
    out.frames.push_back({out.records, ts, h->len, Bytes(data, data + h->caplen)});
  }
  if (rc != PCAP_ERROR_BREAK) out.error = pcap_geterr(p);
  pcap_close(p);
  return out;
}

Outcome with_reader(const std::string& path) {
  Outcome out;
  CaptureReader reader(path);
  Frame f;
  try {
    while (reader.next(f)) out.frames.push_back({f.number, f.ts_ns, f.orig_len, Bytes(f.bytes.begin(), f.bytes.end())});
  } catch (const CaptureError& e) {
    const std::string msg = e.what();
    const auto open = msg.find(" (");
    REQUIRE(open != std::string::npos);
    REQUIRE(msg.back() == ')');
    CHECK(msg.rfind(path + ": frame " + std::to_string(reader.stats().records + 1) + ": ", 0) == 0);
    out.error = msg.substr(open + 2, msg.size() - open - 3);
  }
  out.records = reader.stats().records;
  out.runts = reader.stats().truncated;
  return out;
}

bool fast_path_takes(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  const bool taken = ClassicPcapReader::open(fd, path).has_value();  // closes fd if taken
  if (!taken) ::close(fd);
  return taken;
}

void check_same(const std::string& path) {
  const Outcome want = with_libpcap(path);
  const Outcome got = with_reader(path);
  CHECK(got.records == want.records);
  CHECK(got.runts == want.runts);
  CHECK(got.error == want.error);
  REQUIRE(got.frames.size() == want.frames.size());
  for (std::size_t i = 0; i < want.frames.size(); ++i) {
    CAPTURE(i);
    CHECK(got.frames[i].number == want.frames[i].number);
    CHECK(got.frames[i].ts_ns == want.frames[i].ts_ns);
    CHECK(got.frames[i].orig_len == want.frames[i].orig_len);
    CHECK(got.frames[i].bytes == want.frames[i].bytes);
  }
}

// A classic pcap file written by hand, in either byte order and timestamp precision.
struct Writer {
  bool big_endian, nanos;
  Bytes out;
  void u16(std::uint16_t v) {
    if (big_endian) out.push_back(v >> 8), out.push_back(v & 0xff);
    else out.push_back(v & 0xff), out.push_back(v >> 8);
  }
  void u32(std::uint32_t v) {
    if (big_endian) u16(v >> 16), u16(v & 0xffff);
    else u16(v & 0xffff), u16(v >> 16);
  }
  Writer(bool be, bool ns, std::uint32_t snaplen, std::uint32_t linktype = 1) : big_endian(be), nanos(ns) {
    u32(ns ? 0xa1b23c4d : 0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(snaplen), u32(linktype);
  }
  void record(std::uint32_t sec, std::uint32_t frac, const Bytes& data, std::uint32_t len) {
    u32(sec), u32(frac), u32(static_cast<std::uint32_t>(data.size())), u32(len);
    out.insert(out.end(), data.begin(), data.end());
  }
  void save(const std::string& path) const { write_file(path, std::string(out.begin(), out.end())); }
};

Bytes frame_of(std::size_t n, std::uint8_t seed) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(seed + i * 7);
  return b;
}

}  // namespace

TEST_CASE("both byte orders and precisions, runts, empty and over-snaplen records: as libpcap") {
  TempDir dir;
  for (const bool be : {false, true}) {
    for (const bool ns : {false, true}) {
      CAPTURE(be);
      CAPTURE(ns);
      Writer w(be, ns, 100);
      w.record(1'700'000'000, ns ? 999'999'999 : 999'999, frame_of(60, 1), 60);
      w.record(4'000'000'000u, 0, frame_of(5, 2), 5);      // runt: counted, not a frame
      w.record(1, 2, Bytes{}, 0);                          // empty record
      w.record(3, 4, frame_of(100, 3), 1514);              // exactly the snaplen
      w.record(5, 6, frame_of(180, 4), 180);               // longer than the snaplen: cut to it
      w.record(7, 8, frame_of(14, 5), 14);
      const auto path = dir.file("f.pcap");
      w.save(path);
      REQUIRE(fast_path_takes(path));
      check_same(path);
      const Outcome got = with_reader(path);
      REQUIRE(got.frames.size() == 4);
      CHECK(got.frames[0].ts_ns == (ns ? 1'700'000'000'999'999'999ull : 1'700'000'000'999'999'000ull));
      CHECK(got.frames[2].bytes.size() == 100);
      CHECK(got.frames[2].number == 5);
    }
  }
}

TEST_CASE("impossible capture lengths and cuts at every byte: as libpcap, never past the data") {
  TempDir dir;
  const auto path = dir.file("cut.pcap");
  Writer w(false, true, 0);  // snaplen 0: libpcap uses its maximum
  w.record(1, 1, frame_of(70, 1), 70);
  w.record(2, 2, frame_of(300, 2), 300);
  w.record(3, 3, frame_of(20, 3), 20);
  Writer huge = w;
  huge.record(4, 4, Bytes{}, 0);
  for (std::size_t at = huge.out.size() - 8; at < huge.out.size() - 4; ++at) huge.out[at] = 0xff;  // caplen 2^32-1
  huge.save(path);
  REQUIRE(fast_path_takes(path));
  check_same(path);
  CHECK(with_reader(path).error.find("invalid packet capture length 4294967295") != std::string::npos);

  // Then cut at every byte, with a snapshot length that record 2 exceeds (libpcap reads it in two
  // steps) and without.
  for (const std::uint8_t snaplen : {0, 100}) {
    w.out[16] = snaplen;
    for (std::size_t size = 24; size <= w.out.size(); ++size) {
      CAPTURE(snaplen);
      CAPTURE(size);
      write_file(path, std::string(w.out.begin(), w.out.begin() + static_cast<std::ptrdiff_t>(size)));
      check_same(path);
    }
  }
}

TEST_CASE("randomly corrupted records give what libpcap gives") {
  TempDir dir;
  const auto path = dir.file("junk.pcap");
  std::mt19937 rng(20261126);
  for (int round = 0; round < 300; ++round) {
    Writer w(round % 2 == 1, round % 3 == 0, round % 5 == 0 ? 64 : 65535);
    for (int i = 0; i < 6; ++i) {
      const auto n = static_cast<std::size_t>(rng() % 120);
      w.record(static_cast<std::uint32_t>(rng()), static_cast<std::uint32_t>(rng()), frame_of(n, static_cast<std::uint8_t>(i)),
               static_cast<std::uint32_t>(n));
    }
    // Corrupt a few bytes anywhere after the file header (lengths included), sometimes cut the end.
    for (int k = 0; k < 3; ++k) w.out[24 + rng() % (w.out.size() - 24)] = static_cast<std::uint8_t>(rng());
    if (round % 4 == 0) w.out.resize(24 + rng() % (w.out.size() - 24));
    w.save(path);
    CAPTURE(round);
    REQUIRE(fast_path_takes(path));
    check_same(path);
  }
}

TEST_CASE("pcapng, other link types and other versions are left to libpcap") {
  TempDir dir;
  const auto path = dir.file("other.pcap");
  Writer raw(false, false, 65535, 101);  // LINKTYPE_RAW
  raw.save(path);
  CHECK_FALSE(fast_path_takes(path));
  Writer fcs(false, false, 65535, 1 | 0x14000000);  // Ethernet with FCS-length bits
  fcs.save(path);
  CHECK_FALSE(fast_path_takes(path));
  Writer old(false, false, 65535);
  old.out[6] = 3;  // version 2.3
  old.save(path);
  CHECK_FALSE(fast_path_takes(path));
  CHECK_FALSE(fast_path_takes(std::string(PP_TEST_DATA_DIR) + "/ndpi__http2.pcapng"));
  write_file(path, std::string(10, '\xa1'));  // shorter than a file header
  CHECK_FALSE(fast_path_takes(path));
}
