// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the HTTP parser (request line, status line, h2c preface, Host header).
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  Result r;
  bool ok = detail::match_http(std::span<const std::uint8_t>(data, size), r);
  fuzz::check_match(ok, r, {App::http});
  return 0;
}
