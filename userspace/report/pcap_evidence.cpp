// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/pcap_evidence.h"

#include <cerrno>
#include <cstring>

#include "report/output_file.h"

namespace protoport::report {

namespace {

void le16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v));
  b.push_back(static_cast<std::uint8_t>(v >> 8));
}
void le32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void be16(std::vector<std::uint8_t>& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v));
}
void be32(std::vector<std::uint8_t>& b, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) b.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
void pad4(std::vector<std::uint8_t>& b) {
  while (b.size() % 4) b.push_back(0);
}

// A pcapng block: type, total length, body (padded), total length again.
std::vector<std::uint8_t> block(std::uint32_t type, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> b;
  const auto total = static_cast<std::uint32_t>(12 + body.size());
  le32(b, type);
  le32(b, total);
  b.insert(b.end(), body.begin(), body.end());
  le32(b, total);
  return b;
}

std::uint16_t ip_checksum(const std::uint8_t* h, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < n; i += 2) sum += (h[i] << 8) | h[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

}  // namespace

std::vector<std::uint8_t> PcapEvidence::frame(const EvidencePacket& p) {
  std::vector<std::uint8_t> f(12, 0);  // destination and source MAC: unknown, zero
  const std::size_t l4_len = (p.tcp ? 20 : 8) + p.payload.size();
  be16(f, p.v6 ? 0x86DD : 0x0800);
  if (p.v6) {
    be32(f, 0x60000000);
    be16(f, static_cast<std::uint16_t>(l4_len));
    f.push_back(p.tcp ? 6 : 17);
    f.push_back(64);
    f.insert(f.end(), p.saddr, p.saddr + 16);
    f.insert(f.end(), p.daddr, p.daddr + 16);
  } else {
    const std::size_t at = f.size();
    f.push_back(0x45);
    f.push_back(0);
    be16(f, static_cast<std::uint16_t>(20 + l4_len));
    be32(f, 0);  // identification, flags, fragment offset
    f.push_back(64);
    f.push_back(p.tcp ? 6 : 17);
    be16(f, 0);  // checksum, below
    f.insert(f.end(), p.saddr + 12, p.saddr + 16);
    f.insert(f.end(), p.daddr + 12, p.daddr + 16);
    const std::uint16_t sum = ip_checksum(&f[at], 20);
    f[at + 10] = static_cast<std::uint8_t>(sum >> 8);
    f[at + 11] = static_cast<std::uint8_t>(sum);
  }
  be16(f, p.sport);
  be16(f, p.dport);
  if (p.tcp) {
    be32(f, p.tcp_seq);
    be32(f, 0);  // acknowledgement: not sampled
    f.push_back(0x50);
    f.push_back(p.tcp_flags);
    be16(f, 65535);
    be16(f, 0);  // checksum: not recomputed (Wireshark flags it only when asked to check)
    be16(f, 0);
  } else {
    be16(f, static_cast<std::uint16_t>(8 + p.payload.size()));
    be16(f, 0);
  }
  f.insert(f.end(), p.payload.begin(), p.payload.end());
  return f;
}

PcapEvidence::PcapEvidence(const std::string& path, std::uint64_t max_bytes)
    : path_(path), max_bytes_(max_bytes) {
  file_ = std::fopen(path.c_str(), "wbe");
  if (!file_) throw OutputError(path + ": cannot open for writing: " + std::strerror(errno));
  // Section header (byte-order magic, version 1.0, section length unknown), then one Ethernet
  // interface with no snap length limit.
  std::vector<std::uint8_t> shb;
  le32(shb, 0x1A2B3C4D);
  le16(shb, 1);
  le16(shb, 0);
  le32(shb, 0xffffffff);
  le32(shb, 0xffffffff);
  std::vector<std::uint8_t> idb;
  le16(idb, 1);  // LINKTYPE_ETHERNET
  le16(idb, 0);
  le32(idb, 0);
  if (!put(block(0x0A0D0D0A, shb)) || !put(block(0x00000001, idb)))
    throw OutputError(path + ": cannot write: " + std::strerror(errno));
}

PcapEvidence::~PcapEvidence() {
  if (file_) std::fclose(file_);
}

bool PcapEvidence::put(const std::vector<std::uint8_t>& b) {
  if (failed_) return false;
  if (std::fwrite(b.data(), 1, b.size(), file_) != b.size() || std::fflush(file_) != 0) {
    failed_ = true;
    std::fprintf(stderr, "protoport: --pcap-out %s: write failed: %s; no more packets written\n",
                 path_.c_str(), std::strerror(errno));
    return false;
  }
  bytes_ += b.size();
  return true;
}

void PcapEvidence::write_flow(std::span<const EvidencePacket> packets, const std::string& comment) {
  for (const EvidencePacket& p : packets) {
    const auto data = frame(p);
    const std::uint64_t ts_us = p.wall_ns > 0 ? static_cast<std::uint64_t>(p.wall_ns) / 1000 : 0;
    const std::size_t headers = data.size() - p.payload.size();
    std::vector<std::uint8_t> epb;
    le32(epb, 0);  // interface 0
    le32(epb, static_cast<std::uint32_t>(ts_us >> 32));
    le32(epb, static_cast<std::uint32_t>(ts_us));
    le32(epb, static_cast<std::uint32_t>(data.size()));
    le32(epb, static_cast<std::uint32_t>(headers +
                                         std::max<std::size_t>(p.payload_len, p.payload.size())));
    epb.insert(epb.end(), data.begin(), data.end());
    pad4(epb);
    const std::size_t n = std::min<std::size_t>(comment.size(), 0xfff0);
    le16(epb, 1);  // opt_comment
    le16(epb, static_cast<std::uint16_t>(n));
    epb.insert(epb.end(), comment.begin(), comment.begin() + static_cast<std::ptrdiff_t>(n));
    pad4(epb);
    le32(epb, 0);  // opt_endofopt
    const auto b = block(0x00000006, epb);
    if (bytes_ + b.size() > max_bytes_ || !put(b)) {
      ++dropped_;
      continue;
    }
    ++written_;
  }
}

}  // namespace protoport::report
