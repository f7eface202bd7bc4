// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "pipeline/sample_dump.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "common/escape.h"
#include "common/ip_addr.h"
#include "report/time_format.h"

namespace protoport::pipeline {

namespace {

constexpr std::size_t kDumpBytes = 64;  // first bytes shown; the rest is summarised by lengths

std::string endpoint(const std::uint8_t (&addr)[16], std::uint8_t family, std::uint16_t port) {
  const auto ip = IpAddr::from_v4_mapped(addr, family == PP_FAMILY_V4).to_string();
  return family == PP_FAMILY_V6 ? "[" + ip + "]:" + std::to_string(port)
                                : ip + ":" + std::to_string(port);
}

std::string_view dir_name(std::uint8_t dir) {
  switch (dir) {
    case PP_DIR_TO_RESP: return "to-responder";
    case PP_DIR_TO_INIT: return "to-initiator";
    default: return "initiator-unknown";
  }
}

std::string tcp_flags(std::uint8_t f) {
  static constexpr char kNames[] = "FSRPAUEC";
  std::string out;
  for (int bit = 0; bit < 8; ++bit)
    if (f & (1u << bit)) out += kNames[bit];
  return out.empty() ? "-" : out;
}

}  // namespace

std::string SampleDump::format(const pp_sample& s, std::span<const std::uint8_t> payload,
                               std::int64_t wall_ns) {
  const std::size_t shown = std::min(payload.size(), kDumpBytes);
  const std::string_view head(reinterpret_cast<const char*>(payload.data()), shown);
  std::string line = report::format_utc(wall_ns);
  line += s.proto == PP_IPPROTO_TCP ? " tcp " : " udp ";
  line += endpoint(s.saddr, s.family, s.sport) + " -> " + endpoint(s.daddr, s.family, s.dport);
  line += " dir=" + std::string(dir_name(s.dir));
  line += " seq=" + std::to_string(s.seq);
  if (s.proto == PP_IPPROTO_TCP) line += " flags=" + tcp_flags(s.tcp_flags);
  line += " len=" + std::to_string(s.payload_len) + " cap=" + std::to_string(s.cap_len);
  line += " \"" + protoport::for_terminal(head) + (payload.size() > shown ? "\"..." : "\"");
  return line;
}

void SampleDump::on_sample(const pp_sample& s, std::span<const std::uint8_t> payload,
                           std::int64_t wall_ns) {
  // As the pipeline's rows: a closed stdout (`watch --dump | head`) is said, counted, not fatal.
  out_.write(format(s, payload, wall_ns) + "\n");
}

void SampleDump::print_stats(std::FILE* err) const {
  if (out_.writes_lost() > 0) std::fprintf(err, "output: %s\n", out_.summary().c_str());
}

}  // namespace protoport::pipeline
