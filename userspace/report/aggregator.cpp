// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/aggregator.h"

#include <algorithm>
#include <functional>
#include <random>

namespace protoport::report {

namespace {

constexpr std::uint64_t kFnvBasis = 0xcbf29ce484222325ull;

// FNV-1a over every field of the key, from `basis`.
std::uint64_t hash_key(const RowKey& key, std::uint64_t basis) {
  std::uint64_t h = basis;
  const auto mix = [&h](std::uint8_t byte) {
    h ^= byte;
    h *= 0x100000001b3ull;
  };
  for (const auto b : key.src_ip.bytes) mix(b);
  for (const auto b : key.dest_ip.bytes) mix(b);
  mix(key.src_ip.v4);
  mix(key.dest_ip.v4);
  mix(static_cast<std::uint8_t>(key.app));
  mix(static_cast<std::uint8_t>(key.transport));
  mix(static_cast<std::uint8_t>(key.dest_port >> 8));
  mix(static_cast<std::uint8_t>(key.dest_port));
  for (const char c : key.rule) mix(static_cast<std::uint8_t>(c));
  return h;
}

}  // namespace

std::size_t RowKeyHash::operator()(const RowKey& key) const {
  return static_cast<std::size_t>(hash_key(key, kFnvBasis));
}

Aggregator::Aggregator(std::size_t max_rows)
    : rows_(max_rows),
      evicted_keys_(kRememberedPerRow * rows_.capacity()),
      seed_((static_cast<std::uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}()) {}

std::uint64_t Aggregator::fingerprint(const RowKey& key) const {
  return hash_key(key, kFnvBasis ^ seed_);  // a seeded basis: collisions cannot be aimed at
}

namespace {

void note_process(Row& row, const std::shared_ptr<const ProcessInfo>& process) {
  if (!process) return;
  if (!row.process) row.process = process;
  const std::pair<std::uint32_t, std::uint64_t> id{process->pid, process->start_ns};
  if (row.processes.size() < Row::kMaxProcessesCounted &&
      std::find(row.processes.begin(), row.processes.end(), id) == row.processes.end())
    row.processes.push_back(id);
}

}  // namespace

Aggregator::AddResult Aggregator::add(const policy::Mismatch& m) {
  RowKey key = row_key(m);
  if (auto* slot = rows_.find(key)) {
    Row& row = slot->value;
    ++row.count;
    note_process(row, m.process);
    // Verdicts can arrive out of time order (a flow is judged when its samples allow).
    row.first_ns = std::min(row.first_ns, m.time_ns);
    row.last_ns = std::max(row.last_ns, m.time_ns);
    rows_.touch(*slot);
    return {false, false};
  }
  AddResult result{true, false};
  if (evicted_rows_ > 0 && evicted_keys_.contains(fingerprint(key))) {
    result.seen_before = true;
    ++seen_again_;
  }
  if (rows_.full()) {
    auto& victim = *rows_.oldest();
    ++evicted_rows_;
    evicted_flows_ += victim.value.count;
    evicted_keys_.insert(fingerprint(victim.value.key));
    rows_.erase(victim);
    result.evicted = true;
  }
  Row& row = rows_.insert(key).value;
  row = Row{key, m.expected, 1, m.time_ns, m.time_ns, m.evidence, m.direction_by, {}, {}};
  note_process(row, m.process);
  return result;
}

ReportSnapshot Aggregator::snapshot() const {
  ReportSnapshot snap;
  snap.rows.reserve(rows_.size());
  for (const auto* slot = rows_.oldest(); slot; slot = slot->newer())
    snap.rows.push_back(slot->value);
  std::sort(snap.rows.begin(), snap.rows.end(),
            [](const Row& a, const Row& b) { return a.key < b.key; });
  for (const Row& row : snap.rows) snap.flows += row.count;
  snap.evicted_rows = evicted_rows_;
  snap.evicted_flows = evicted_flows_;
  return snap;
}

}  // namespace protoport::report
