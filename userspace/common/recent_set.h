// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// A bounded set of 64-bit fingerprints that forgets the oldest first: "have I seen this before?"
// for more things than are kept in full (report rows evicted from the aggregator). 16 bytes per
// entry at most (an open-addressing table at most half full, and the insertion order), allocated
// as entries arrive, never more than the capacity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace protoport {

class RecentSet {
 public:
  explicit RecentSet(std::size_t capacity);

  bool contains(std::uint64_t fingerprint) const;
  // Adds it (a no-op if present); at capacity the oldest fingerprint is forgotten first.
  void insert(std::uint64_t fingerprint);
  std::size_t size() const { return count_; }
  std::size_t capacity() const { return capacity_; }
  std::uint64_t forgotten() const { return forgotten_; }

 private:
  std::size_t slot_of(std::uint64_t key) const;  // its slot, or the empty one ending its probe
  void erase(std::uint64_t key);
  void grow();

  std::size_t capacity_;
  std::vector<std::uint64_t> slots_;  // 0: empty (fingerprint 0 is stored as 1)
  std::vector<std::uint64_t> order_;  // ring of fingerprints in insertion order
  std::size_t oldest_ = 0;            // index in order_ once it is full
  std::size_t count_ = 0;
  std::uint64_t forgotten_ = 0;
};

}  // namespace protoport
