// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// JSON lines with CIM field names. Payload text is made valid UTF-8 by for_json (with the exact
// bytes in <field>_hex beside a value that was not UTF-8), and dump() uses
// ensure_ascii (the line is pure ASCII: no raw control or C1 byte reaches a terminal) and the
// replace error handler as a second guard, so a payload can never make dump() throw.
#include <nlohmann/json.hpp>

#include "common/escape.h"
#include "report/format.h"
#include "report/record.h"

namespace protoport::report {

namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    out += kDigits[static_cast<unsigned char>(c) >> 4];
    out += kDigits[static_cast<unsigned char>(c) & 0x0f];
  }
  return out;
}

}  // namespace

std::string json_line(const Record& record) {
  nlohmann::ordered_json object = nlohmann::ordered_json::object();
  for (const Field& f : record) {
    if (f.number) {
      object[f.name] = *f.number;
    } else if (!f.payload) {
      object[f.name] = f.value;
    } else {
      std::string text = for_json(f.value);
      const bool changed = text != f.value;
      object[f.name] = std::move(text);
      // Bytes that are not UTF-8 became the text \xNN, which a payload could also hold
      // literally: the exact bytes go next to it, so the value is never ambiguous.
      if (changed) object[f.name + "_hex"] = hex(f.value);
    }
  }
  return object.dump(-1, ' ', true, nlohmann::ordered_json::error_handler_t::replace) + '\n';
}

namespace {

class JsonFormatter final : public Formatter {
 public:
  std::string header() const override { return {}; }
  std::string new_mismatch(const policy::Mismatch& m) const override {
    return json_line(record_new_mismatch(m));
  }
  std::string risk(const RiskEvent& e) const override { return json_line(record_risk(e)); }
  std::string report(const ReportSnapshot& s, std::int64_t now_ns) const override {
    std::string out;
    for (const Row& row : s.rows) out += json_line(record_row(row));
    return out + json_line(record_summary(s, now_ns));
  }
};

}  // namespace

std::unique_ptr<Formatter> make_json_formatter() { return std::make_unique<JsonFormatter>(); }

}  // namespace protoport::report
