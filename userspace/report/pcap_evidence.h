// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `--pcap-out FILE`: the packets a mismatch's verdict was made on, as a pcapng file Wireshark and
// tshark read. The kernel samples payload, not frames, so each packet is rebuilt around its
// sampled bytes: Ethernet (zero MACs), IPv4 or IPv6 with the flow's addresses, TCP (its sequence
// number and flags) or UDP with its ports; the original length is the headers plus the payload
// length the packet carried. A comment on each packet names the rule, the app and the flow.
// Bounded: past max_bytes the file stops growing and further packets are counted, not written.
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

#include "detect/flow_verdict.h"

namespace protoport::report {

// One sampled packet of a flow, as the tracker kept it (FlowVerdict::samples).
using EvidencePacket = SampledPacket;

class PcapEvidence {
 public:
  // Creates (truncates) `path`; throws OutputError naming it.
  PcapEvidence(const std::string& path, std::uint64_t max_bytes);
  ~PcapEvidence();
  PcapEvidence(const PcapEvidence&) = delete;
  PcapEvidence& operator=(const PcapEvidence&) = delete;

  // Writes the packets of one mismatching flow, each with `comment`. A failed write is counted
  // and said once on stderr; detection goes on.
  void write_flow(std::span<const EvidencePacket> packets, const std::string& comment);

  std::uint64_t packets_written() const { return written_; }
  std::uint64_t packets_dropped() const { return dropped_; }  // past max_bytes, or a failed write
  const std::string& path() const { return path_; }

  // The frame for `p`: Ethernet + IP + TCP/UDP headers + the sampled payload (for tests).
  static std::vector<std::uint8_t> frame(const EvidencePacket& p);

 private:
  bool put(const std::vector<std::uint8_t>& block);

  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t max_bytes_;
  std::uint64_t bytes_ = 0;
  std::uint64_t written_ = 0;
  std::uint64_t dropped_ = 0;
  bool failed_ = false;
};

}  // namespace protoport::report
