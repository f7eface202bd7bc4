// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Capture files through CaptureReader and CaptureSequence: every link type, timestamps, frame
// numbers, truncated and bogus files, real pcapng from the corpus.
#include <doctest/doctest.h>
#include <pcap/pcap.h>

#include <filesystem>
#include <string>

#include "replay/capture_reader.h"
#include "replay/capture_sequence.h"
#include "replay_test_util.h"

using namespace protoport::replay;
using namespace protoport::replay::test;

namespace {

Bytes as_bytes(std::span<const std::uint8_t> s) { return Bytes(s.begin(), s.end()); }

std::vector<Frame> copy_frames(CaptureReader& reader, std::vector<Bytes>* bytes = nullptr) {
  std::vector<Frame> frames;
  Frame f;
  while (reader.next(f)) {
    frames.push_back(f);
    if (bytes != nullptr) bytes->push_back(as_bytes(f.bytes));
  }
  return frames;
}

// Message of the CaptureError thrown by `fn`, or "" when nothing was thrown.
template <class Fn>
std::string error_of(Fn&& fn) {
  try {
    fn();
  } catch (const CaptureError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

Bytes ether_frame(std::uint8_t marker) {
  return concat({ether_header(0x0800, 0x22), ipv4_udp(marker)});
}

constexpr std::size_t kPcapFileHeader = 24;
constexpr std::size_t kPcapRecordHeader = 16;

}  // namespace

TEST_CASE("Ethernet capture: frames in file order with ns timestamps, numbers and lengths") {
  TempDir dir;
  const auto path = dir.file("ether.pcap");
  // Deliberately not in time order: replay must keep the file's order, not sort.
  write_capture(path, DLT_EN10MB,
                {{1'700'000'000'123'456'789ull, ether_frame(1), 1514},
                 {1'700'000'000'000'000'001ull, ether_frame(2)},
                 {1'700'000'005'999'999'999ull, ether_frame(3)}});
  CaptureReader reader(path);
  CHECK(reader.datalink() == DLT_EN10MB);
  std::vector<Bytes> bytes;
  const auto frames = copy_frames(reader, &bytes);
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].number == 1);
  CHECK(frames[1].number == 2);
  CHECK(frames[2].number == 3);
  CHECK(frames[0].ts_ns == 1'700'000'000'123'456'789ull);
  CHECK(frames[1].ts_ns == 1'700'000'000'000'000'001ull);
  CHECK(frames[2].ts_ns == 1'700'000'005'999'999'999ull);
  CHECK(frames[0].orig_len == 1514);
  CHECK(frames[1].orig_len == ether_frame(2).size());
  CHECK(bytes[0] == ether_frame(1));
  CHECK(bytes[2] == ether_frame(3));
  CHECK(reader.stats().records == 3);
  CHECK(reader.stats().frames == 3);
  CHECK(reader.file_offset() == reader.file_size());
}

TEST_CASE("microsecond pcap files give ns timestamps too") {
  TempDir dir;
  const auto path = dir.file("usec.pcap");
  pcap_t* dead = pcap_open_dead(DLT_EN10MB, 65535);  // microsecond magic
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  REQUIRE(dumper != nullptr);
  pcap_pkthdr hdr{};
  hdr.ts.tv_sec = 1'600'000'000;
  hdr.ts.tv_usec = 654'321;
  const Bytes frame = ether_frame(1);
  hdr.caplen = hdr.len = static_cast<bpf_u_int32>(frame.size());
  pcap_dump(reinterpret_cast<u_char*>(dumper), &hdr, frame.data());
  pcap_dump_close(dumper);
  pcap_close(dead);

  CaptureReader reader(path);
  Frame f;
  REQUIRE(reader.next(f));
  CHECK(f.ts_ns == 1'600'000'000'654'321'000ull);
}

TEST_CASE("Linux SLL and SLL2 captures become Ethernet frames") {
  TempDir dir;
  const Bytes mac = {1, 2, 3, 4, 5, 6};
  const Bytes sll = concat({{0, 0, 0, 1, 0, 6}, mac, {0, 0}, {0x08, 0x00}, ipv4_udp(1)});
  const Bytes sll2 = concat({{0x86, 0xDD, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6}, mac, {0, 0}, ipv6_udp(2)});
  write_capture(dir.file("sll.pcap"), DLT_LINUX_SLL, {{10, sll}});
  write_capture(dir.file("sll2.pcap"), DLT_LINUX_SLL2, {{20, sll2}});

  CaptureReader r1(dir.file("sll.pcap"));
  std::vector<Bytes> b1;
  REQUIRE(copy_frames(r1, &b1).size() == 1);
  CHECK(b1[0] == concat({Bytes(6, 0), mac, {0x08, 0x00}, ipv4_udp(1)}));

  CaptureReader r2(dir.file("sll2.pcap"));
  std::vector<Bytes> b2;
  const auto f2 = copy_frames(r2, &b2);
  REQUIRE(f2.size() == 1);
  CHECK(f2[0].ts_ns == 20);
  CHECK(b2[0] == concat({Bytes(6, 0), mac, {0x86, 0xDD}, ipv6_udp(2)}));
}

TEST_CASE("raw IP captures (DLT_RAW, DLT_IPV4, DLT_IPV6) get an Ethernet header") {
  TempDir dir;
  for (const int dlt : {DLT_RAW, DLT_IPV4, DLT_IPV6}) {
    CAPTURE(dlt);
    const auto path = dir.file("raw" + std::to_string(dlt) + ".pcap");
    write_capture(path, dlt, {{1, ipv4_udp(1)}, {2, ipv6_udp(2)}});
    CaptureReader reader(path);
    std::vector<Bytes> bytes;
    REQUIRE(copy_frames(reader, &bytes).size() == 2);
    CHECK(bytes[0] == concat({Bytes(12, 0), {0x08, 0x00}, ipv4_udp(1)}));
    CHECK(bytes[1] == concat({Bytes(12, 0), {0x86, 0xDD}, ipv6_udp(2)}));
  }
}

TEST_CASE("BSD loopback captures (DLT_NULL host order, DLT_LOOP network order)") {
  TempDir dir;
  write_capture(
      dir.file("null.pcap"), DLT_NULL,
      {{1, concat({{2, 0, 0, 0}, ipv4_udp(1)})}, {2, concat({{30, 0, 0, 0}, ipv6_udp(2)})}});
  write_capture(dir.file("loop.pcap"), DLT_LOOP, {{1, concat({{0, 0, 0, 24}, ipv6_udp(3)})}});
  CaptureReader null_reader(dir.file("null.pcap"));
  std::vector<Bytes> b;
  REQUIRE(copy_frames(null_reader, &b).size() == 2);
  CHECK(b[0] == concat({Bytes(12, 0), {0x08, 0x00}, ipv4_udp(1)}));
  CHECK(b[1] == concat({Bytes(12, 0), {0x86, 0xDD}, ipv6_udp(2)}));

  CaptureReader loop_reader(dir.file("loop.pcap"));
  b.clear();
  REQUIRE(copy_frames(loop_reader, &b).size() == 1);
  CHECK(b[0] == concat({Bytes(12, 0), {0x86, 0xDD}, ipv6_udp(3)}));
}

TEST_CASE("records that cannot become frames are counted, and frame numbers still count them") {
  TempDir dir;
  const auto path = dir.file("mixed.pcap");
  write_capture(path, DLT_RAW,
                {{1, ipv4_udp(1)}, {2, Bytes{}}, {3, Bytes{0x50, 0, 0}}, {4, ipv6_udp(4)}});
  CaptureReader reader(path);
  const auto frames = copy_frames(reader);
  REQUIRE(frames.size() == 2);
  CHECK(frames[0].number == 1);
  CHECK(frames[1].number == 4);  // Wireshark's number for the same packet
  CHECK(reader.stats().records == 4);
  CHECK(reader.stats().frames == 2);
  CHECK(reader.stats().truncated == 1);
  CHECK(reader.stats().unknown_family == 1);
}

TEST_CASE("rebuilt frames reuse one buffer: no allocation per frame") {
  TempDir dir;
  const auto path = dir.file("many.pcap");
  std::vector<Record> records;
  for (int i = 0; i < 200; ++i)
    records.push_back({static_cast<std::uint64_t>(i),
                       concat({{2, 0, 0, 0}, ipv4_udp(static_cast<std::uint8_t>(i))})});
  write_capture(path, DLT_NULL, records);
  CaptureReader reader(path);
  Frame f;
  REQUIRE(reader.next(f));
  const auto* storage = f.bytes.data();
  int n = 1;
  while (reader.next(f)) {
    CHECK(f.bytes.data() == storage);
    ++n;
  }
  CHECK(n == 200);
}

TEST_CASE("an unsupported link type is refused, naming the file and the link type") {
  TempDir dir;
  const auto path = dir.file("wifi.pcap");
  write_capture(path, DLT_IEEE802_11, {{1, Bytes(40, 0)}});
  const auto msg = error_of([&] { CaptureReader reader(path); });
  CHECK(contains(msg, path));
  CHECK(contains(msg, "unsupported link type"));
  CHECK(contains(msg, "IEEE802_11 (105)"));
  CHECK(msg.find('\n') == std::string::npos);
}

TEST_CASE(
    "a capture cut inside a record: earlier frames delivered, then an error with the frame "
    "number") {
  TempDir dir;
  const auto path = dir.file("cut.pcap");
  std::vector<Record> records;
  for (std::uint8_t i = 1; i <= 5; ++i) records.push_back({i, ether_frame(i)});
  write_capture(path, DLT_EN10MB, records);
  const std::size_t rec_len = kPcapRecordHeader + ether_frame(0).size();
  REQUIRE(std::filesystem::file_size(path) == kPcapFileHeader + 5 * rec_len);
  const std::size_t record4 = kPcapFileHeader + 3 * rec_len;

  struct Cut {
    const char* where;
    std::size_t size;
  };
  for (const Cut cut :
       {Cut{"in the data", record4 + kPcapRecordHeader + 10}, Cut{"in the header", record4 + 7}}) {
    CAPTURE(cut.where);
    write_capture(path, DLT_EN10MB, records);
    std::filesystem::resize_file(path, cut.size);
    CaptureReader reader(path);
    Frame f;
    std::vector<std::uint64_t> seen;
    const auto msg = error_of([&] {
      while (reader.next(f)) seen.push_back(f.number);
    });
    CHECK(seen == std::vector<std::uint64_t>{1, 2, 3});
    CHECK(
        contains(msg, path + ": frame 4: truncated capture (truncated dump file; tried to read "));
    CHECK(msg.find('\n') == std::string::npos);
  }

  SUBCASE("cut exactly between records is a clean end") {
    write_capture(path, DLT_EN10MB, records);
    std::filesystem::resize_file(path, record4);
    CaptureReader reader(path);
    CHECK(copy_frames(reader).size() == 3);
  }
}

namespace {

// A pcapng file with a second interface whose snapshot length differs from the first, between
// two packets, as `mergecap` writes: libpcap 1.10 refuses to go past that interface block.
void write_pcapng_two_snaplens(const std::string& path, const Bytes& frame) {
  Bytes out;
  auto u16 = [&](std::uint16_t v) { out.push_back(v & 0xff), out.push_back(v >> 8); };
  auto u32 = [&](std::uint32_t v) { u16(v & 0xffff), u16(v >> 16); };
  u32(0x0A0D0D0A), u32(28), u32(0x1A2B3C4D), u16(1), u16(0), u32(0xffffffff), u32(0xffffffff),
      u32(28);  // SHB
  auto idb = [&](std::uint32_t snaplen) { u32(1), u32(20), u16(1), u16(0), u32(snaplen), u32(20); };
  auto epb = [&](std::uint32_t interface) {
    const std::uint32_t padded = (static_cast<std::uint32_t>(frame.size()) + 3) & ~3u;
    u32(6), u32(32 + padded), u32(interface), u32(0), u32(1000);
    u32(static_cast<std::uint32_t>(frame.size())), u32(static_cast<std::uint32_t>(frame.size()));
    out.insert(out.end(), frame.begin(), frame.end());
    out.insert(out.end(), padded - frame.size(), 0);
    u32(32 + padded);
  };
  idb(65535);
  epb(0);
  idb(2000);
  epb(1);
  write_file(path, std::string(out.begin(), out.end()));
}

}  // namespace

TEST_CASE("a pcapng file libpcap cannot read past: frame 1, then an error naming frame 2") {
  TempDir dir;
  const auto path = dir.file("merged.pcapng");
  write_pcapng_two_snaplens(path, ether_frame(1));
  CaptureReader reader(path);
  Frame f;
  REQUIRE(reader.next(f));
  CHECK(f.number == 1);
  CHECK(as_bytes(f.bytes) == ether_frame(1));
  const auto msg = error_of([&] { reader.next(f); });
  CHECK(contains(msg, path + ": frame 2: unreadable record ("));
  CHECK(contains(msg, "snapshot length"));
}

TEST_CASE("a pcapng capture from the corpus (Linux cooked, ns timestamps)") {
  const std::string path = std::string(PP_TEST_DATA_DIR) + "/ndpi__http2.pcapng";
  CaptureReader reader(path);
  CHECK(reader.datalink() == DLT_LINUX_SLL);
  std::vector<Bytes> bytes;
  const auto frames = copy_frames(reader, &bytes);
  // Expected values from tshark 4.0 on the same file.
  REQUIRE(frames.size() == 10);
  CHECK(frames.front().ts_ns == 1'591'863'460'344'658'428ull);
  CHECK(frames.back().ts_ns == 1'591'863'460'348'007'941ull);
  CHECK(frames.front().orig_len == 132);
  const std::uint16_t ip_total_len[] = {116, 154, 196, 85, 74, 65, 144, 147, 61, 69};
  for (std::size_t i = 0; i < frames.size(); ++i) {
    CAPTURE(i);
    CHECK(frames[i].number == i + 1);
    REQUIRE(bytes[i].size() == 14u + ip_total_len[i]);  // SLL's 16 bytes became Ethernet's 14
    CHECK(bytes[i][12] == 0x08);
    CHECK(bytes[i][13] == 0x00);
    CHECK(bytes[i][14] == 0x45);
    CHECK(((bytes[i][16] << 8) | bytes[i][17]) == ip_total_len[i]);
  }
}

TEST_CASE("a real BSD loopback capture from the corpus") {
  const std::string path =
      std::string(PP_TEST_DATA_DIR) + "/suricata-verify__http-auth-bearer__input.pcap";
  CaptureReader reader(path);
  CHECK(reader.datalink() == DLT_NULL);
  std::vector<Bytes> bytes;
  const auto frames = copy_frames(reader, &bytes);
  REQUIRE(frames.size() == 12);
  CHECK(frames.front().ts_ns == 1'687'260'767'233'819'000ull);
  REQUIRE(bytes[0].size() == 14u + 64);  // 68-byte record: 4-byte family + 64-byte IPv4 packet
  CHECK(bytes[0][12] == 0x08);
  CHECK(bytes[0][14] == 0x45);
  CHECK(reader.stats().frames == 12);
}

TEST_CASE("empty, bogus, missing files and directories give one clear line") {
  TempDir dir;
  write_file(dir.file("empty.pcap"), "");
  auto msg = error_of([&] { CaptureReader r(dir.file("empty.pcap")); });
  CHECK(contains(msg, dir.file("empty.pcap") + ": empty file"));

  write_file(dir.file("notes.txt"), "This is a text file, certainly not a capture.\n");
  msg = error_of([&] { CaptureReader r(dir.file("notes.txt")); });
  CHECK(contains(msg, dir.file("notes.txt") + ": not a pcap or pcapng capture"));

  msg = error_of([&] { CaptureReader r(dir.file("missing.pcap")); });
  CHECK(contains(msg, dir.file("missing.pcap") + ": cannot open: No such file or directory"));

  msg = error_of([&] { CaptureReader r(dir.file("")); });
  CHECK(contains(msg, "is a directory"));

  for (const auto& m : {msg}) CHECK(m.find('\n') == std::string::npos);
}

TEST_CASE("a capture with a header and no records is valid and empty") {
  TempDir dir;
  write_capture(dir.file("none.pcap"), DLT_EN10MB, {});
  CaptureReader reader(dir.file("none.pcap"));
  Frame f;
  CHECK_FALSE(reader.next(f));
  CHECK_FALSE(reader.next(f));  // stays at the end
  CHECK(reader.stats().records == 0);
}

TEST_CASE("a sequence reads files in order; numbers restart per file") {
  TempDir dir;
  write_capture(dir.file("a.pcap"), DLT_EN10MB, {{1, ether_frame(1)}, {2, ether_frame(2)}});
  write_capture(dir.file("b.pcap"), DLT_RAW, {{3, ipv4_udp(3)}});
  write_capture(dir.file("empty.pcap"), DLT_EN10MB, {});
  write_capture(dir.file("c.pcap"), DLT_EN10MB, {{4, ether_frame(4)}});
  CaptureSequence seq(
      {dir.file("a.pcap"), dir.file("b.pcap"), dir.file("empty.pcap"), dir.file("c.pcap")});
  CHECK(seq.file_count() == 4);
  Frame f;
  std::vector<std::pair<std::size_t, std::uint64_t>> seen;  // (file, number)
  std::vector<std::uint64_t> ts;
  while (seq.next(f)) {
    seen.emplace_back(seq.file_index(), f.number);
    ts.push_back(f.ts_ns);
    REQUIRE(seq.current() != nullptr);
  }
  CHECK(seen == std::vector<std::pair<std::size_t, std::uint64_t>>{{0, 1}, {0, 2}, {1, 1}, {3, 1}});
  CHECK(ts == std::vector<std::uint64_t>{1, 2, 3, 4});
  CHECK(seq.current() == nullptr);
  CHECK(seq.stats().frames == 4);
  CHECK_FALSE(seq.next(f));
}

TEST_CASE("a sequence checks every file before reading any") {
  TempDir dir;
  write_capture(dir.file("good.pcap"), DLT_EN10MB, {{1, ether_frame(1)}});
  write_capture(dir.file("wifi.pcap"), DLT_IEEE802_11, {{1, Bytes(40, 0)}});
  const auto msg = error_of([&] {
    CaptureSequence seq({dir.file("good.pcap"), dir.file("wifi.pcap")});
  });
  CHECK(contains(msg, dir.file("wifi.pcap") + ": unsupported link type IEEE802_11"));
}

TEST_CASE("a corrupt file in a sequence: frames up to it, the error, then the end") {
  TempDir dir;
  write_capture(dir.file("a.pcap"), DLT_EN10MB, {{1, ether_frame(1)}});
  write_capture(dir.file("b.pcap"), DLT_EN10MB, {{2, ether_frame(2)}, {3, ether_frame(3)}});
  write_capture(dir.file("c.pcap"), DLT_EN10MB, {{4, ether_frame(4)}});
  std::filesystem::resize_file(dir.file("b.pcap"),
                               std::filesystem::file_size(dir.file("b.pcap")) - 5);
  CaptureSequence seq({dir.file("a.pcap"), dir.file("b.pcap"), dir.file("c.pcap")});
  Frame f;
  std::vector<std::uint64_t> ts;
  const auto msg = error_of([&] {
    while (seq.next(f)) ts.push_back(f.ts_ns);
  });
  CHECK(ts == std::vector<std::uint64_t>{1, 2});
  CHECK(contains(msg, dir.file("b.pcap") + ": frame 2: "));
  CHECK_FALSE(seq.next(f));
  CHECK(seq.stats().frames == 2);
}
