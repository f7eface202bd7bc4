// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// CSV per RFC 4180 with one header for every event type (the union of their fields, see
// csv_columns()); a field an event lacks is an empty cell. Lines end in "\n" (RFC 4180 readers
// accept it; a raw CR or LF never appears inside a cell, as payload text is
// for_terminal()-escaped).
#include "common/escape.h"
#include "report/format.h"
#include "report/record.h"

namespace protoport::report {

std::string csv_header() {
  std::string out;
  for (const auto name : csv_columns()) {
    if (!out.empty()) out += ',';
    out += csv_cell(name);
  }
  return out + '\n';
}

std::string csv_line(const Record& record) {
  std::string out;
  bool first = true;
  for (const auto name : csv_columns()) {
    if (!first) out += ',';
    first = false;
    for (const Field& f : record) {
      if (f.name != name) continue;
      out += f.payload ? for_csv(f.value) : csv_cell(f.value);
      break;
    }
  }
  return out + '\n';
}

namespace {

class CsvFormatter final : public Formatter {
 public:
  std::string header() const override { return csv_header(); }
  std::string new_mismatch(const policy::Mismatch& m) const override {
    return csv_line(record_new_mismatch(m));
  }
  std::string risk(const RiskEvent& e) const override { return csv_line(record_risk(e)); }
  std::string report(const ReportSnapshot& s, std::int64_t now_ns) const override {
    std::string out;
    for (const Row& row : s.rows) out += csv_line(record_row(row));
    return out + csv_line(record_summary(s, now_ns));
  }
};

}  // namespace

std::unique_ptr<Formatter> make_csv_formatter() { return std::make_unique<CsvFormatter>(); }

}  // namespace protoport::report
