// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Output formats for `watch` (--format table|json|csv). Every function returns complete lines,
// each ending in '\n', ready for stdout or AppendFile::write. Payload text goes through
// common/escape.h, so no format can carry a terminal escape, a stray line break, an extra CSV
// cell or invalid JSON.
//
// Order a caller follows: header() once, then new_mismatch() per mismatch as found, risk() per
// risk event (--risk), and report() every interval and at exit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "policy/policy.h"
#include "report/aggregator.h"
#include "report/record.h"
#include "report/risk.h"

namespace protoport::report {

enum class Format { table, json, csv };
std::optional<Format> parse_format(std::string_view name);  // "table", "json", "csv"
std::string_view to_string(Format format);

struct FormatOptions {
  std::size_t width = 80;  // table: the terminal's columns (lines fit when the content allows)
};

class Formatter {
 public:
  virtual ~Formatter() = default;
  // Printed once before anything else: the CSV header line; empty for JSON and table.
  virtual std::string header() const = 0;
  virtual std::string new_mismatch(const policy::Mismatch& mismatch) const = 0;
  virtual std::string risk(const RiskEvent& event) const = 0;
  // All rows of the snapshot and a summary (rows, flows, evicted, filtered); now_ns stamps it.
  virtual std::string report(const ReportSnapshot& snapshot, std::int64_t now_ns) const = 0;
};

std::unique_ptr<Formatter> make_formatter(Format format, const FormatOptions& options = {});

// One JSON line (with '\n') for a record: used by the JSON formatter and by --output files.
std::string json_line(const Record& record);
// One CSV line (with '\n') for a record, cells in csv_columns() order: every evidence key of the
// fingerprints has a column (kEvidenceFields is their registry); a field of any other name
// would appear only in JSON and the table.
std::string csv_line(const Record& record);
std::string csv_header();

}  // namespace protoport::report
