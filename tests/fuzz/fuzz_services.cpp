// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the services group's parsers (MQTT, RDP, SMB, DCE/RPC, LDAP, VNC, Telnet,
// Redis, MySQL, PostgreSQL) over both transports. Beyond check_match: they never take bytes that
// the DNS or TLS parser accepts (several start as a DNS-over-TCP length prefix does; services.cpp
// checks magics for that), only LDAP is ever named on UDP, and the continuation forms are asked
// of the same bytes so that they are fuzzed too.
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  std::span<const std::uint8_t> bytes(data, size);
  for (const Transport t : {Transport::tcp, Transport::udp}) {
    Result r;
    const bool matched = detail::match_services(bytes, t, r);
    fuzz::check_match(matched, r,
                      {App::mqtt, App::rdp, App::smb, App::dcerpc, App::ldap, App::vnc,
                       App::telnet, App::redis, App::mysql, App::postgresql});
    if (matched) {
      Result other;
      fuzz::require(!detail::match_dns(bytes, t, other));
      fuzz::require(!detail::match_tls(bytes, other));
      fuzz::require(t == Transport::tcp || r.app == App::ldap);
    }
    (void)detail::continuation_services(bytes, t);
  }
  return 0;
}
