// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// doctest main for the BPF tests: they load programs and need root. Without root the binary
// reports "skipped" (exit 77, SKIP_RETURN_CODE in ctest) instead of failing on EPERM.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (geteuid() != 0) {
    std::fprintf(stderr, "skipped: the BPF tests load XDP programs and need root\n");
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
