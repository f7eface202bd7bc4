// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the tunnels group's parsers (placeholder until they land).
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  std::span<const std::uint8_t> bytes(data, size);
  for (const Transport t : {Transport::tcp, Transport::udp}) {
    Result r;
    const bool matched = detail::match_tunnels(bytes, t, r);
    fuzz::check_match(matched, r, {});
  }
  return 0;
}
