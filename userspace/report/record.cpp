// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/record.h"

#include <algorithm>

#include "report/time_format.h"

namespace protoport::report {

namespace {

Field text(std::string_view name, std::string value) {
  return Field{std::string(name), std::move(value), {}, false};
}
Field number(std::string_view name, std::uint64_t value) {
  return Field{std::string(name), std::to_string(value), value, false};
}

void add_evidence(Record& record, const std::vector<fingerprint::Evidence>& evidence) {
  // Keys are the fingerprint library's constants, never payload: usable as field names.
  for (auto& [key, value] : evidence_fields(evidence))
    record.push_back(Field{std::move(key), std::move(value), {}, true});
}

}  // namespace

const std::vector<std::string_view>& csv_columns() {
  static const std::vector<std::string_view> columns = [] {
    std::vector<std::string_view> c{"event",     "src_ip",    "src_port", "dest_ip", "app",
                                    "dest_port", "transport", "action",   "rule",    "count",
                                    "firstTime", "lastTime",  "expected"};
    c.insert(c.end(), std::begin(kEvidenceFields), std::end(kEvidenceFields));
    for (const auto name :
         {"risk_object", "risk_object_type", "risk_score", "threat_object", "threat_object_type",
          "message", "rows", "evicted_rows", "evicted_flows", "filtered", "time"})
      c.emplace_back(name);
    return c;
  }();
  return columns;
}

std::vector<std::pair<std::string, std::string>> evidence_fields(
    const std::vector<fingerprint::Evidence>& evidence) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto append = [&out](const fingerprint::Evidence& e) {
    const auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& f) { return f.first == e.key; });
    if (it == out.end())
      out.emplace_back(e.key, e.value);
    else
      it->second += "," + e.value;
  };
  for (const auto name : kEvidenceFields)
    for (const auto& e : evidence)
      if (e.key == name) append(e);
  for (const auto& e : evidence)
    if (std::find(std::begin(kEvidenceFields), std::end(kEvidenceFields), e.key) ==
        std::end(kEvidenceFields))
      append(e);
  return out;
}

Record record_new_mismatch(const policy::Mismatch& m) {
  Record r{text("event", "new_mismatch"),
           text("src_ip", m.src_ip.to_string()),
           number("src_port", m.src_port),
           text("dest_ip", m.dest_ip.to_string()),
           text("app", std::string(fingerprint::to_string(m.app))),
           number("dest_port", m.dest_port),
           text("transport", std::string(fingerprint::to_string(m.transport))),
           text("action", std::string(kAction)),
           text("rule", m.rule),
           number("count", 1),
           text("firstTime", format_utc(m.time_ns)),
           text("lastTime", format_utc(m.time_ns)),
           text("expected", m.expected)};
  add_evidence(r, m.evidence);
  return r;
}

Record record_row(const Row& row) {
  Record r{text("event", "report_row"),
           text("src_ip", row.key.src_ip.to_string()),
           text("dest_ip", row.key.dest_ip.to_string()),
           text("app", std::string(fingerprint::to_string(row.key.app))),
           number("dest_port", row.key.dest_port),
           text("transport", std::string(fingerprint::to_string(row.key.transport))),
           text("action", std::string(kAction)),
           text("rule", row.key.rule),
           number("count", row.count),
           text("firstTime", format_utc(row.first_ns)),
           text("lastTime", format_utc(row.last_ns)),
           text("expected", row.expected)};
  add_evidence(r, row.evidence);
  return r;
}

Record record_risk(const RiskEvent& e) {
  return Record{text("event", "risk"),
                text("risk_object", e.src_ip.to_string()),
                text("risk_object_type", std::string(kRiskObjectType)),
                number("risk_score", kRiskScore),
                text("threat_object", e.dest_ip.to_string()),
                text("threat_object_type", std::string(kThreatObjectType)),
                text("message", std::string(kRiskMessage)),
                text("src_ip", e.src_ip.to_string()),
                text("dest_ip", e.dest_ip.to_string()),
                text("app", std::string(fingerprint::to_string(e.app))),
                number("dest_port", e.dest_port),
                text("transport", std::string(fingerprint::to_string(e.transport))),
                text("rule", e.rule),
                number("count", e.count),
                text("firstTime", format_utc(e.first_ns))};
}

Record record_summary(const ReportSnapshot& s, std::int64_t now_ns) {
  return Record{text("event", "report_summary"),        text("time", format_utc(now_ns)),
                number("rows", s.rows.size()),          number("count", s.flows),
                number("evicted_rows", s.evicted_rows), number("evicted_flows", s.evicted_flows),
                number("filtered", s.filtered)};
}

}  // namespace protoport::report
