// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/record.h"

#include <algorithm>
#include <optional>

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

void add_process(Record& record, const ProcessInfo& p, std::optional<std::size_t> count) {
  // Names, paths and cgroups are the process's own choice: escaped like payload text.
  record.push_back(number("process_id", p.pid));
  record.push_back(Field{"process_name", p.name, {}, true});
  if (!p.path.empty()) record.push_back(Field{"process_path", p.path, {}, true});
  if (!p.user.empty()) record.push_back(Field{"user", p.user, {}, true});
  record.push_back(number("user_id", p.uid));
  if (!p.cgroup.empty()) record.push_back(Field{"cgroup", p.cgroup, {}, true});
  if (!p.container_id.empty()) record.push_back(text("container_id", p.container_id));
  if (count) record.push_back(number("process_count", *count));
}

const std::vector<std::string_view>& csv_columns() {
  static const std::vector<std::string_view> columns = [] {
    std::vector<std::string_view> c{"event",     "src_ip",    "src_port", "dest_ip",     "app",
                                    "dest_port", "transport", "action",   "rule",        "count",
                                    "firstTime", "lastTime",  "expected", "direction_by"};
    c.insert(c.end(), std::begin(kEvidenceFields), std::end(kEvidenceFields));
    // After the evidence: the columns a CSV had before attribution keep their places.
    c.insert(c.end(), std::begin(kProcessFields), std::end(kProcessFields));
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

namespace {

// The fields the detection aggregates by (as the Splunk search's `by` clause), then count,
// firstTime, lastTime, what was expected (ports, or apps for a port rule) and how the direction
// was decided: one list for new_mismatch and report_row events,
// so that both carry the same CIM names in the same order. src_port only on new_mismatch (a
// row aggregates flows from many source ports).
Record cim_record(std::string_view event, const RowKey& key, std::optional<std::uint16_t> src_port,
                  std::uint64_t count, std::int64_t first_ns, std::int64_t last_ns,
                  const std::string& expected, DirectionBy direction_by,
                  const std::vector<fingerprint::Evidence>& evidence, const ProcessInfo* process,
                  std::optional<std::size_t> process_count) {
  Record r{text("event", std::string(event)), text("src_ip", key.src_ip.to_string())};
  if (src_port) r.push_back(number("src_port", *src_port));
  r.insert(r.end(), {text("dest_ip", key.dest_ip.to_string()),
                     text("app", std::string(fingerprint::to_string(key.app))),
                     number("dest_port", key.dest_port),
                     text("transport", std::string(fingerprint::to_string(key.transport))),
                     text("action", std::string(kAction)), text("rule", key.rule),
                     number("count", count), text("firstTime", format_utc(first_ns)),
                     text("lastTime", format_utc(last_ns)), text("expected", expected),
                     text("direction_by", std::string(to_string(direction_by)))});
  if (process) add_process(r, *process, process_count);
  add_evidence(r, evidence);
  return r;
}

}  // namespace

Record record_new_mismatch(const policy::Mismatch& m) {
  return cim_record("new_mismatch", row_key(m), m.src_port, 1, m.time_ns, m.time_ns, m.expected,
                    m.direction_by, m.evidence, m.process.get(), std::nullopt);
}

Record record_row(const Row& row) {
  return cim_record("report_row", row.key, std::nullopt, row.count, row.first_ns, row.last_ns,
                    row.expected, row.direction_by, row.evidence, row.process.get(),
                    row.processes.size());
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
