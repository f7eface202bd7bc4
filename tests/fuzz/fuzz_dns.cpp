// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the DNS parser, over UDP (raw message) and TCP (length-prefixed).
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  std::span<const std::uint8_t> bytes(data, size);
  for (Transport t : {Transport::udp, Transport::tcp}) {
    Result r;
    bool ok = detail::match_dns(bytes, t, r);
    fuzz::check_match(ok, r, {App::dns});
  }
  return 0;
}
