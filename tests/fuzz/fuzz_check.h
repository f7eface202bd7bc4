// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Invariants every fuzz target checks on a parser's answer, beyond "no crash, no sanitizer
// report": a rejection leaves the result untouched, an acceptance names the right app, and each
// evidence's printable flag tells the truth about its bytes.
#pragma once

#include <cstdlib>
#include <span>

#include "fingerprint/fingerprint.h"
#include "fingerprint/parsers.h"

namespace fuzz {

namespace fp = protoport::fingerprint;

// Traps (a crash libFuzzer reports with the input) when an invariant fails.
inline void require(bool ok) {
  if (!ok) __builtin_trap();
}

inline void check_evidence(const fp::Result& r) {
  for (const fp::Evidence& e : r.evidence) {
    auto bytes = std::span(reinterpret_cast<const std::uint8_t*>(e.value.data()), e.value.size());
    require(!e.key.empty());
    require(e.printable == fp::is_printable(bytes));
  }
}

inline void check_match(bool matched, const fp::Result& r, std::initializer_list<fp::App> apps) {
  if (!matched) {
    require(r.app == fp::App::unknown && r.role == fp::Role::unknown && r.evidence.empty());
    return;
  }
  bool known = false;
  for (fp::App a : apps) known = known || r.app == a;
  require(known);
  check_evidence(r);
}

// As check_match, for an answer that may name any app (the public classify_* entry points).
inline void check_named(bool matched, const fp::Result& r) {
  if (!matched) {
    require(r.app == fp::App::unknown && r.role == fp::Role::unknown && r.evidence.empty());
    return;
  }
  require(static_cast<std::size_t>(r.app) < fp::kAppCount);
  check_evidence(r);
}

}  // namespace fuzz
