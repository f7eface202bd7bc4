// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/event.h"

namespace protoport::exporters {

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::new_mismatch: return "new_mismatch";
    case EventKind::report_row: return "report_row";
    case EventKind::risk: return "risk";
  }
  return "unknown";
}

std::optional<EventKind> parse_event_kind(std::string_view name) {
  for (const EventKind k : kAllEventKinds)
    if (to_string(k) == name) return k;
  return std::nullopt;
}

std::string_view field(const report::Record& record, std::string_view name) {
  for (const report::Field& f : record)
    if (f.name == name) return f.value;
  return {};
}

}  // namespace protoport::exporters
