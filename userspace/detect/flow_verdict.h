// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// What the detector knows about one flow once its samples are fingerprinted: the boundary between
// detection (userspace/detect) and policy/reporting (userspace/policy, userspace/report).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/ip_addr.h"
#include "fingerprint/fingerprint.h"

namespace protoport {

// How the tracker decided which endpoint initiated a flow (rows print it as direction_by), most
// trusted first.
enum class DirectionBy : std::uint8_t {
  syn,           // the TCP handshake: a SYN or SYN+ACK was seen
  payload,       // the bytes say who is the client (a query, a request, a greeting)
  known_server,  // one endpoint was seen accepting a connection (on this or another flow)
  first_packet,  // UDP: the first datagram's sender
  port,          // a guess for TCP seen mid-stream: the lower port is the server's
};

constexpr std::string_view to_string(DirectionBy d) {
  switch (d) {
    case DirectionBy::syn: return "syn";
    case DirectionBy::payload: return "payload";
    case DirectionBy::known_server: return "known_server";
    case DirectionBy::first_packet: return "first_packet";
    case DirectionBy::port: return "port";
  }
  return "port";
}

// One sample a verdict was made on, kept for evidence (--pcap-out) when asked.
struct SampledPacket {
  std::int64_t wall_ns = 0;
  bool v6 = false;
  std::uint8_t saddr[16] = {};  // this packet's source (v4-mapped for IPv4)
  std::uint8_t daddr[16] = {};
  std::uint16_t sport = 0, dport = 0;
  bool tcp = true;
  std::uint8_t tcp_flags = 0;
  std::uint32_t tcp_seq = 0;
  std::uint32_t payload_len = 0;      // what the packet carried
  std::vector<std::uint8_t> payload;  // what was sampled
};

struct FlowVerdict {
  IpAddr src_ip;   // the initiator (CIM src)
  IpAddr dest_ip;  // the responder (CIM dest)
  std::uint16_t src_port = 0;
  std::uint16_t dest_port = 0;  // the responder's port
  fingerprint::Transport transport = fingerprint::Transport::tcp;
  fingerprint::Result fp;    // app, and evidence taken from the payload
  std::int64_t time_ns = 0;  // wall-clock (Unix epoch, ns) of the flow's first sample
  // The cookie of the local socket that sent the flow's first egress sample (0: none seen, or
  // forwarded traffic): ProcessTable::find() names its process.
  std::uint64_t sock_cookie = 0;
  DirectionBy direction_by = DirectionBy::syn;
  // For fp.app unknown: the opening was seen whole (TCP from its handshake; each side from its
  // first payload; no form that only follows an opening, such as a QUIC short header) and holds
  // enough bytes to say it is no protocol we know (FlowTracker::kMinUnknownOpening). A flow
  // seen mid-stream or with too few bytes is undecided, never evidence. True for a named app.
  bool opening_complete = true;
  // fingerprint::plausible_apps() of an unknown flow's opening: what its bytes are loosely
  // shaped like (a port rule does not call a variant of the expected protocol something else).
  std::uint64_t plausible = 0;
  // With FlowTrackerLimits::keep_samples: the flow's samples up to its verdict, in arrival order.
  std::vector<SampledPacket> samples;
};

}  // namespace protoport
