// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the TLS parser (record layer, ClientHello/ServerHello and their
// extensions, SSLv2-format ClientHello).
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  Result r;
  bool ok = detail::match_tls(std::span<const std::uint8_t>(data, size), r);
  fuzz::check_match(ok, r, {App::ssl});
  return 0;
}
