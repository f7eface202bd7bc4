// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/format.h"

namespace protoport::report {

// Defined next to each format's implementation.
std::unique_ptr<Formatter> make_json_formatter();
std::unique_ptr<Formatter> make_csv_formatter();
std::unique_ptr<Formatter> make_table_formatter(const FormatOptions& options);

std::optional<Format> parse_format(std::string_view name) {
  if (name == "table") return Format::table;
  if (name == "json") return Format::json;
  if (name == "csv") return Format::csv;
  return std::nullopt;
}

std::string_view to_string(Format format) {
  switch (format) {
    case Format::json: return "json";
    case Format::csv: return "csv";
    case Format::table: break;
  }
  return "table";
}

std::unique_ptr<Formatter> make_formatter(Format format, const FormatOptions& options) {
  switch (format) {
    case Format::json: return make_json_formatter();
    case Format::csv: return make_csv_formatter();
    case Format::table: break;
  }
  return make_table_formatter(options);
}

}  // namespace protoport::report
