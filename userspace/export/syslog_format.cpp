// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/syslog_format.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/escape.h"

namespace protoport::exporters {

namespace {

constexpr int kSeverityWarning = 4;
constexpr int kSeverityInfo = 6;
constexpr std::size_t kMinEvidenceValue = 16;  // evidence values are not cut shorter than this

// The fields that form the aggregation key and the event itself: never dropped for size.
bool is_core_field(const report::Field& f) { return !f.payload; }

// A PARAM-NAME (RFC 5424: 1..32 printable ASCII except = ] " and space). Our names already are;
// anything else is replaced so that the message always parses.
std::string param_name(std::string_view name) {
  std::string out;
  for (const char c : name.substr(0, 32))
    out += (c < 33 || c > 126 || c == '=' || c == ']' || c == '"') ? '_' : c;
  return out.empty() ? "_" : out;
}

std::string summary(const Event& e) {
  const auto& r = e.record;
  const std::string where = std::string(field(r, "app")) + " on " +
                            std::string(field(r, "dest_port")) + "/" +
                            std::string(field(r, "transport"));
  const std::string pair =
      std::string(field(r, "src_ip")) + " -> " + std::string(field(r, "dest_ip"));
  std::string text;
  switch (e.kind) {
    case EventKind::new_mismatch:
      text = where + " from " + pair + ", expected " + std::string(field(r, "expected"));
      break;
    case EventKind::report_row:
      text = where + " from " + pair + ", expected " + std::string(field(r, "expected")) + ": " +
             std::string(field(r, "count")) + " flows";
      break;
    case EventKind::risk:
      text = std::string(field(r, "message")) + ": " + pair + " (" + where + ")";
      break;
  }
  return protoport::for_terminal(text);  // our own fields; still kept to one printable line
}

std::string render(const Event& e, const std::string& head, const std::string& sd_id,
                   const std::vector<const report::Field*>& fields, std::size_t evidence_cut) {
  std::string sd = "[" + sd_id;
  for (const report::Field* f : fields) {
    std::string_view value = f->value;
    if (f->payload && value.size() > evidence_cut) value = value.substr(0, evidence_cut);
    sd += " " + param_name(f->name) + "=\"" + protoport::for_syslog_param(value) + "\"";
  }
  sd += "]";
  return head + sd + " " + summary(e);
}

}  // namespace

std::string rfc5424_timestamp(std::int64_t unix_ns) {
  if (unix_ns < 0) unix_ns = 0;
  const std::time_t secs = static_cast<std::time_t>(unix_ns / 1'000'000'000);
  const long micros = static_cast<long>((unix_ns % 1'000'000'000) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  return buf;
}

std::string header_field(std::string_view text, std::size_t max_len) {
  std::string out;
  for (const char c : text) {
    if (out.size() == max_len) break;
    if (c >= 33 && c <= 126) out += c;
  }
  return out.empty() ? "-" : out;
}

SyslogMessage format_rfc5424(const Event& e, const SyslogHeader& h) {
  const int severity = e.kind == EventKind::report_row ? kSeverityInfo : kSeverityWarning;
  const std::string head = "<" + std::to_string(h.facility * 8 + severity) + ">1 " +
                           rfc5424_timestamp(e.time_ns) + " " + header_field(h.hostname, 255) +
                           " " + header_field(h.app_name, 48) + " " + header_field(h.procid, 128) +
                           " " + header_field(to_string(e.kind), 32) + " ";
  std::vector<const report::Field*> fields;
  for (const report::Field& f : e.record)
    if (f.name != "event") fields.push_back(&f);  // the kind is the MSGID already

  SyslogMessage m;
  std::size_t cut = std::string::npos;
  m.text = render(e, head, h.sd_id, fields, cut);
  // Too long: drop evidence fields from the end, then cut what evidence is left.
  while (m.text.size() > h.max_bytes) {
    m.truncated = true;
    const auto last_payload = std::find_if(
        fields.rbegin(), fields.rend(), [](const report::Field* f) { return !is_core_field(*f); });
    std::size_t evidence_fields = static_cast<std::size_t>(std::count_if(
        fields.begin(), fields.end(), [](const report::Field* f) { return f->payload; }));
    if (evidence_fields > 1 && last_payload != fields.rend()) {
      fields.erase(std::next(last_payload).base());
    } else if (evidence_fields == 1 && cut > kMinEvidenceValue) {
      std::size_t longest = 0;
      for (const report::Field* f : fields)
        if (f->payload) longest = std::max(longest, f->value.size());
      cut = std::max(kMinEvidenceValue, std::min(cut, longest) / 2);
    } else if (evidence_fields == 1) {
      fields.erase(std::next(last_payload).base());
    } else {
      break;  // only our own fields are left: a configuration limit that small is refused earlier
    }
    m.text = render(e, head, h.sd_id, fields, cut);
  }
  return m;
}

}  // namespace protoport::exporters
