// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// RFC 5424 messages, one per event:
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID name="value" ...] MSG
// PRI = facility * 8 + severity (warning for mismatches and risk events, info for report rows);
// TIMESTAMP is the event's time in UTC with microseconds; MSGID is the event kind; the
// structured data holds every CIM field of the record, each value escaped per RFC 5424 6.3.3
// (protoport::for_syslog_param: ", \ and ] backslashed, control bytes and invalid UTF-8 as \xNN);
// MSG is a one-line summary made only of our own fields (no payload bytes).
// Header fields are cut to their RFC lengths and limited to printable ASCII. A message longer
// than max_bytes loses evidence fields from the end (payload text, never the CIM key fields),
// then has its remaining evidence values cut; `truncated` says so.
#pragma once

#include <cstddef>
#include <string>

#include "export/event.h"

namespace protoport::exporters {

struct SyslogHeader {
  int facility = 16;  // local0
  std::string hostname;
  std::string app_name = "protoport";
  std::string procid;  // our pid
  std::string sd_id = "protoport@32473";
  std::size_t max_bytes = 2048;
};

struct SyslogMessage {
  std::string text;  // without any transport framing
  bool truncated = false;
};

SyslogMessage format_rfc5424(const Event& event, const SyslogHeader& header);

// "2021-07-02T08:47:04.123456Z"
std::string rfc5424_timestamp(std::int64_t unix_ns);

// Printable US-ASCII (33..126) only, cut to max_len; "-" when empty (the RFC's NILVALUE).
std::string header_field(std::string_view text, std::size_t max_len);

}  // namespace protoport::exporters
