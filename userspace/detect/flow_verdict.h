// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// What the detector knows about one flow once its samples are fingerprinted: the boundary between
// detection (userspace/detect) and policy/reporting (userspace/policy, userspace/report).
#pragma once

#include <cstdint>

#include "common/ip_addr.h"
#include "fingerprint/fingerprint.h"

namespace protoport {

struct FlowVerdict {
  IpAddr src_ip;   // the initiator (CIM src)
  IpAddr dest_ip;  // the responder (CIM dest)
  std::uint16_t src_port = 0;
  std::uint16_t dest_port = 0;  // the responder's port
  fingerprint::Transport transport = fingerprint::Transport::tcp;
  fingerprint::Result fp;    // app, and evidence taken from the payload
  std::int64_t time_ns = 0;  // wall-clock (Unix epoch, ns) of the flow's first sample
};

}  // namespace protoport
