// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The fast path does not touch the heap: a payload no parser names costs no allocation, and a
// named one allocates only its evidence (the list, and values too long for the string's own
// buffer). Counted with a replaced operator new, only while a check runs.
#include <doctest/doctest.h>

#include <cstdlib>
#include <new>

#include "test_fp_helpers.h"

namespace {
bool g_counting = false;
std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t n) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace fp_test;

namespace {
// Allocations made by one classification (the Result is destroyed inside the window too).
std::size_t allocations(const Buf& b, fp::Transport t, std::size_t* evidence = nullptr) {
  g_allocations = 0;
  g_counting = true;
  {
    fp::Result r = fp::classify_payload(b, t);
    if (evidence) *evidence = r.evidence.size();
  }
  g_counting = false;
  return g_allocations;
}
}  // namespace

TEST_CASE("alloc: payloads no parser names allocate nothing") {
  Rng rng{42};
  for (int i = 0; i < 2000; ++i) {
    Buf b = rng.bytes(1 + rng.next() % 256);
    CHECK(allocations(b, fp::Transport::tcp) == 0);
    CHECK(allocations(b, fp::Transport::udp) == 0);
  }
  for (const char* s : {"GETX / HTTP/1.1\r\n\r\n", "220 (vsFTPd 3.0.3)\r\n", "SSH-2.0-x\r\n",
                        "HTTP/1.1 999 x\r\n", "EHLO\r\n"})
    CHECK(allocations(text(s), fp::Transport::tcp) == 0);
  CHECK(allocations(client_hello({.sni = "x"}), fp::Transport::udp) == 0);
}

TEST_CASE("alloc: a named payload allocates only its evidence") {
  struct Case {
    Buf bytes;
    fp::Transport t;
  };
  std::vector<Case> cases = {
      {dns_message({}, "a-rather-long-name.example.com", 1), fp::Transport::udp},
      {text("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n"), fp::Transport::tcp},
      {client_hello({.sni = "www.example.com", .alpn = {"h2"}, .versions = {0x0304}}),
       fp::Transport::tcp},
      {text("220 mx.example.com ESMTP Postfix\r\n"), fp::Transport::tcp},
  };
  for (const Case& c : cases) {
    std::size_t evidence = 0;
    std::size_t n = allocations(c.bytes, c.t, &evidence);
    CHECK(evidence > 0);
    CHECK(n <= 1 + evidence);  // the evidence list once, each value at most once
  }
}
