// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "common/recent_set.h"

#include <algorithm>
#include <bit>

namespace protoport {

namespace {

std::uint64_t stored(std::uint64_t fingerprint) { return fingerprint == 0 ? 1 : fingerprint; }

std::size_t mix(std::uint64_t k) {  // fingerprints are hashes already; spread the low bits anyway
  k ^= k >> 33;
  k *= 0xff51afd7ed558ccdull;
  k ^= k >> 33;
  return static_cast<std::size_t>(k);
}

}  // namespace

RecentSet::RecentSet(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

std::size_t RecentSet::slot_of(std::uint64_t key) const {
  const std::size_t mask = slots_.size() - 1;
  std::size_t i = mix(key) & mask;
  while (slots_[i] != 0 && slots_[i] != key) i = (i + 1) & mask;
  return i;
}

bool RecentSet::contains(std::uint64_t fingerprint) const {
  if (slots_.empty()) return false;
  const std::uint64_t key = stored(fingerprint);
  return slots_[slot_of(key)] == key;
}

void RecentSet::grow() {
  // At most half full, so that probes stay short; the table grows with the entries present.
  const std::size_t want = std::bit_ceil(std::max<std::size_t>(16, 2 * (count_ + 1)));
  if (slots_.size() >= want) return;
  std::vector<std::uint64_t> old = std::move(slots_);
  slots_.assign(want, 0);
  for (const std::uint64_t key : old)
    if (key != 0) slots_[slot_of(key)] = key;
}

void RecentSet::erase(std::uint64_t key) {
  // Linear probing: delete by shifting back the entries of the probe run that follow.
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = slot_of(key);
  if (slots_[hole] != key) return;
  slots_[hole] = 0;
  for (std::size_t j = (hole + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
    const std::size_t home = mix(slots_[j]) & mask;
    // Move j into the hole unless its home lies cyclically in (hole, j].
    const bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
    if (stays) continue;
    slots_[hole] = slots_[j];
    slots_[j] = 0;
    hole = j;
  }
}

void RecentSet::insert(std::uint64_t fingerprint) {
  const std::uint64_t key = stored(fingerprint);
  if (contains(key)) return;
  if (count_ == capacity_) {  // forget the oldest: its place in the ring takes the new one
    erase(order_[oldest_]);
    order_[oldest_] = key;
    oldest_ = (oldest_ + 1) % capacity_;
    ++forgotten_;
  } else {
    grow();
    order_.push_back(key);
    ++count_;
  }
  slots_[slot_of(key)] = key;
}

}  // namespace protoport
