// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "report/time_format.h"

#include <ctime>

namespace protoport::report {

std::string format_utc(std::int64_t unix_ns) {
  constexpr std::int64_t kNsPerSecond = 1'000'000'000;
  // Floor, not truncate, so that -1 ns is 1969-12-31T23:59:59 rather than the epoch.
  std::int64_t seconds = unix_ns / kNsPerSecond;
  if (unix_ns % kNsPerSecond < 0) --seconds;
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  char buf[64];
  if (!gmtime_r(&t, &tm) || std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm) == 0)
    return "invalid-time";
  return buf;
}

}  // namespace protoport::report
