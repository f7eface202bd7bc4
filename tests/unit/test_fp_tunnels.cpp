// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The tunnels group (userspace/fingerprint/tunnels.cpp): placeholder until its parsers land.
#include <doctest/doctest.h>

#include "test_fp_helpers.h"

using namespace fp_test;

TEST_CASE("tunnels: zero bytes name nothing") {
  for (std::size_t n : {1u, 4u, 16u, 64u}) {
    CHECK(tcp(Buf(n, 0)).app == fp::App::unknown);
  }
}
