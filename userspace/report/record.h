// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The events protoport emits, as ordered (CIM field, value) lists shared by the JSON and CSV
// formatters, so that both carry exactly the same fields under the same names.
//   new_mismatch  a mismatch the moment it is found (has src_port; count 1)
//   report_row    one aggregated row (no src_port)
//   risk          one per mismatching (src_ip, dest_ip) pair
//   report_summary  after the rows: rows, flows (count), evicted rows/flows, filtered flows
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/policy.h"
#include "report/aggregator.h"
#include "report/risk.h"

namespace protoport::report {

// The evidence fields, in output order: every key of the fingerprints' registry
// (fingerprint::EvidenceKey), so that no format can miss one.
inline constexpr auto kEvidenceFields = [] {
  std::array<std::string_view, fingerprint::kEvidenceKeyCount> names{};
  for (std::size_t i = 0; i < names.size(); ++i)
    names[i] = fingerprint::to_string(static_cast<fingerprint::EvidenceKey>(i));
  return names;
}();

// Process attribution's fields (CIM Endpoint names where they exist): in records after
// direction_by, in the CSV header after the evidence columns; present only when a process is
// known; process_count on report rows only.
inline constexpr std::array<std::string_view, 8> kProcessFields = {
    "process_id", "process_name", "process_path", "user",
    "user_id",    "cgroup",       "container_id", "process_count"};

// Every field any event carries, in CSV column order (the CSV header).
const std::vector<std::string_view>& csv_columns();

struct Field {
  std::string name;
  std::string value;                    // text (raw bytes when `payload`)
  std::optional<std::uint64_t> number;  // set for numeric fields (count, ports, ...)
  bool payload = false;                 // from the packet: escape for the sink
};
using Record = std::vector<Field>;

// Evidence values joined per key with "," (a key may repeat), in kEvidenceFields order, then any
// other key (none from the fingerprints) in order of appearance. Values stay raw.
std::vector<std::pair<std::string, std::string>> evidence_fields(
    const std::vector<fingerprint::Evidence>& evidence);

// Appends the process fields (process_count when given) to a record.
void add_process(Record& record, const ProcessInfo& p, std::optional<std::size_t> count);

Record record_new_mismatch(const policy::Mismatch& m);
Record record_row(const Row& row);
Record record_risk(const RiskEvent& e);
Record record_summary(const ReportSnapshot& snapshot, std::int64_t now_ns);

}  // namespace protoport::report
