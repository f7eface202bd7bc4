// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// What the detection pipeline hands to exporters: one event (a new mismatch, an aggregated report
// row, or a risk event) as the same CIM record the JSON and CSV formats print, plus its time.
// Exporters turn the record into their wire format; none of them sees pipeline internals.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "report/record.h"

namespace protoport::exporters {

enum class EventKind : std::uint8_t { new_mismatch, report_row, risk };
inline constexpr EventKind kAllEventKinds[] = {EventKind::new_mismatch, EventKind::report_row,
                                               EventKind::risk};

std::string_view to_string(EventKind kind);  // "new_mismatch", "report_row", "risk"
std::optional<EventKind> parse_event_kind(std::string_view name);

// A set of kinds, as a bit mask (an exporter's `events:` list).
class EventKinds {
 public:
  constexpr EventKinds() = default;
  constexpr EventKinds(std::initializer_list<EventKind> kinds) {
    for (const EventKind k : kinds) add(k);
  }
  constexpr void add(EventKind k) { bits_ |= bit(k); }
  constexpr bool contains(EventKind k) const { return (bits_ & bit(k)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const EventKinds&) const = default;

 private:
  static constexpr std::uint8_t bit(EventKind k) {
    return static_cast<std::uint8_t>(1u << static_cast<unsigned>(k));
  }
  std::uint8_t bits_ = 0;
};

// Default for every exporter: what is found live. Report rows repeat every --interval (their
// counts are cumulative), so a SIEM gets them only when asked.
inline constexpr EventKinds kDefaultEventKinds{EventKind::new_mismatch, EventKind::risk};

struct Event {
  EventKind kind = EventKind::new_mismatch;
  std::int64_t time_ns = 0;  // the event's own time (Unix ns): the flow's, or the row's lastTime
  report::Record record;     // CIM fields; payload fields raw (each exporter escapes for its sink)
};

// The text value of a field of the record, or empty.
std::string_view field(const report::Record& record, std::string_view name);

}  // namespace protoport::exporters
