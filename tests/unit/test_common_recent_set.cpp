// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The bounded fingerprint set behind the aggregator's memory of evicted keys.
#include <doctest/doctest.h>

#include <cstdint>

#include "common/recent_set.h"

TEST_CASE("RecentSet remembers up to its capacity and forgets the oldest first") {
  protoport::RecentSet set(100);
  for (std::uint64_t k = 0; k < 100; ++k) set.insert(k * 0x9e3779b97f4a7c15ull);
  for (std::uint64_t k = 0; k < 100; ++k) CHECK(set.contains(k * 0x9e3779b97f4a7c15ull));
  CHECK(set.size() == 100);
  for (std::uint64_t k = 100; k < 150; ++k) set.insert(k * 0x9e3779b97f4a7c15ull);
  CHECK(set.size() == 100);
  CHECK(set.forgotten() == 50);
  for (std::uint64_t k = 0; k < 50; ++k) CHECK_FALSE(set.contains(k * 0x9e3779b97f4a7c15ull));
  for (std::uint64_t k = 50; k < 150; ++k) CHECK(set.contains(k * 0x9e3779b97f4a7c15ull));
  set.insert(0);  // fingerprint 0 is a value like any other
  CHECK(set.contains(0));
  // Colliding home slots and deletions in long probe runs (the low bits alike).
  protoport::RecentSet dense(64);
  for (std::uint64_t round = 0; round < 20; ++round)
    for (std::uint64_t k = 0; k < 64; ++k) dense.insert((round * 64 + k) << 40);
  for (std::uint64_t k = 0; k < 64; ++k) CHECK(dense.contains((19 * 64 + k) << 40));
  CHECK_FALSE(dense.contains(std::uint64_t{18 * 64} << 40));
}
