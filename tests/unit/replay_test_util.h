// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Helpers for the replay tests: a temporary directory removed on every path, and tiny captures of
// any link type written with libpcap itself (pcap_open_dead + pcap_dump), nanosecond precision.
#pragma once

#include <pcap/pcap.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace protoport::replay::test {

using Bytes = std::vector<std::uint8_t>;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pp-replay-test-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct Record {
  std::uint64_t ts_ns = 0;
  Bytes bytes;
  std::uint32_t orig_len = 0;  // 0: same as bytes.size()
};

// Writes a pcap file (nanosecond magic) with the given link type and records.
inline void write_capture(const std::string& path, int dlt, const std::vector<Record>& records) {
  pcap_t* dead = pcap_open_dead_with_tstamp_precision(dlt, 65535, PCAP_TSTAMP_PRECISION_NANO);
  if (dead == nullptr) throw std::runtime_error("pcap_open_dead failed");
  pcap_dumper_t* dumper = pcap_dump_open(dead, path.c_str());
  if (dumper == nullptr) {
    pcap_close(dead);
    throw std::runtime_error("pcap_dump_open failed for " + path);
  }
  for (const auto& rec : records) {
    pcap_pkthdr hdr{};
    hdr.ts.tv_sec = static_cast<time_t>(rec.ts_ns / 1'000'000'000ull);
    hdr.ts.tv_usec =
        static_cast<suseconds_t>(rec.ts_ns % 1'000'000'000ull);  // ns with NANO precision
    hdr.caplen = static_cast<bpf_u_int32>(rec.bytes.size());
    hdr.len = rec.orig_len != 0 ? rec.orig_len : hdr.caplen;
    pcap_dump(reinterpret_cast<u_char*>(dumper), &hdr, rec.bytes.data());
  }
  pcap_dump_close(dumper);
  pcap_close(dead);
}

inline void write_file(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

inline Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// A minimal IPv4/UDP packet and IPv6/UDP packet (headers plus a 4-byte payload). The tests only
// need recognisable bytes with the right version nibble; the marker makes each packet unique.
inline Bytes ipv4_udp(std::uint8_t marker) {
  return {0x45, 0, 0, 32, 0,    0,    0x40, 0,  64, 17, 0, 0, 10,  0,   0,   1,
          10,   0, 0, 2,  0x30, 0x39, 0,    53, 0,  12, 0, 0, 'd', 'n', 's', marker};
}
inline Bytes ipv6_udp(std::uint8_t marker) {
  Bytes b = {0x60, 0, 0, 0, 0, 12, 17, 64};
  for (int i = 0; i < 32; ++i) b.push_back(i == 15 || i == 31 ? 1 : 0);  // ::1 -> ::1
  Bytes udp = {0x30, 0x39, 0, 53, 0, 12, 0, 0, 'd', 'n', 's', marker};
  b.insert(b.end(), udp.begin(), udp.end());
  return b;
}

inline Bytes ether_header(std::uint16_t ether_type, std::uint8_t mac_fill = 0) {
  Bytes b(12, mac_fill);
  b.push_back(static_cast<std::uint8_t>(ether_type >> 8));
  b.push_back(static_cast<std::uint8_t>(ether_type & 0xff));
  return b;
}

}  // namespace protoport::replay::test
