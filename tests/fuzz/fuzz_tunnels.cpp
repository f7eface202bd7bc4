// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the tunnels group's parsers (QUIC, DTLS, OpenVPN, WireGuard, STUN/TURN,
// SOCKS) over both transports. Beyond check_match: they never take bytes that the DNS or TLS
// parser accepts (those protocols win a tie, tunnels.cpp), and a continuation form is asked of
// the same bytes so that it is fuzzed too.
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  std::span<const std::uint8_t> bytes(data, size);
  for (const Transport t : {Transport::tcp, Transport::udp}) {
    Result r;
    const bool matched = detail::match_tunnels(bytes, t, r);
    fuzz::check_match(matched, r,
                      {App::quic, App::dtls, App::openvpn, App::wireguard, App::stun, App::socks});
    if (matched) {
      Result other;
      fuzz::require(!detail::match_dns(bytes, t, other));
      fuzz::require(!detail::match_tls(bytes, other));
    }
    (void)detail::continuation_tunnels(bytes, t);
  }
  return 0;
}
