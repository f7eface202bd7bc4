// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Times as the Splunk search's ctime macro prints them: %Y-%m-%dT%H:%M:%S, in UTC.
#pragma once

#include <cstdint>
#include <string>

namespace protoport::report {

// Wall-clock nanoseconds since the Unix epoch -> "2024-05-01T12:00:00" (UTC, seconds floored).
std::string format_utc(std::int64_t unix_ns);

}  // namespace protoport::report
