// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/settings.h"

#include <iterator>

namespace protoport::exporters {

std::optional<int> facility_code(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "kern",   "user",   "mail",     "daemon", "auth",   "syslog",   "lpr",     "news",
      "uucp",   "cron",   "authpriv", "ftp",    "ntp",    "security", "console", "solaris-cron",
      "local0", "local1", "local2",   "local3", "local4", "local5",   "local6",  "local7"};
  for (std::size_t i = 0; i < std::size(kNames); ++i)
    if (kNames[i] == name) return static_cast<int>(i);
  return std::nullopt;
}

bool valid_sd_name(std::string_view name) {
  if (name.empty() || name.size() > 32) return false;
  for (const char c : name)
    if (c < 33 || c > 126 || c == '=' || c == ']' || c == '"') return false;
  return true;
}

bool valid_sd_id(std::string_view id) {
  const auto at = id.find('@');
  if (!valid_sd_name(id) || at == std::string_view::npos || at == 0 || at + 1 == id.size())
    return false;
  for (const char c : id.substr(at + 1))
    if ((c < '0' || c > '9') && c != '.') return false;
  return id.find('@', at + 1) == std::string_view::npos;
}

}  // namespace protoport::exporters
