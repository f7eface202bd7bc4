// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Builders shared by the policy and report unit tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "detect/flow_verdict.h"

namespace protoport::test {

inline IpAddr ip(const char* text) {
  const auto addr = IpAddr::parse(text);
  if (!addr) throw std::invalid_argument(std::string("bad test address ") + text);
  return *addr;
}

inline FlowVerdict verdict(fingerprint::App app, std::uint16_t dest_port,
                           fingerprint::Transport transport = fingerprint::Transport::udp,
                           const char* src = "192.0.2.10", const char* dest = "198.51.100.53",
                           std::int64_t time_ns = 1'700'000'000'000'000'000,
                           std::vector<fingerprint::Evidence> evidence = {}) {
  FlowVerdict v;
  v.src_ip = ip(src);
  v.dest_ip = ip(dest);
  v.src_port = 40000;
  v.dest_port = dest_port;
  v.transport = transport;
  v.fp.app = app;
  v.fp.evidence = std::move(evidence);
  v.time_ns = time_ns;
  return v;
}

}  // namespace protoport::test
