// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the text group's parsers (SIP, RTSP, SSDP, IRC, an HTTP/2 server's SETTINGS)
// over both transports. Beyond check_match: they never take bytes the DNS parser, or on TCP the
// HTTP parser, accepts (a tie would mean two readings of one opening), SSDP and RTSP keep to
// their transports, and an http answer is only ever the SETTINGS frame.
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  std::span<const std::uint8_t> bytes(data, size);
  for (const Transport t : {Transport::tcp, Transport::udp}) {
    Result r;
    const bool matched = detail::match_text(bytes, t, r);
    fuzz::check_match(matched, r, {App::sip, App::rtsp, App::ssdp, App::irc, App::http});
    if (!matched) continue;
    Result other;
    // On TCP, HTTP is tried first; on UDP it is never named (SSDP's answer is a status line).
    fuzz::require(t == Transport::udp || !detail::match_http(bytes, other));
    fuzz::require(!detail::match_dns(bytes, t, other));
    fuzz::require(r.app != App::ssdp || t == Transport::udp);
    fuzz::require(r.app != App::rtsp || t == Transport::tcp);
    fuzz::require(r.app != App::irc || t == Transport::tcp);
    fuzz::require(r.app != App::http || (t == Transport::tcp && size > 0 && data[0] == 0));
  }
  return 0;
}
