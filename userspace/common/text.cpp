// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "common/text.h"

#include "common/escape.h"

namespace protoport {

std::string quote(std::string_view text, std::size_t max_width) {
  return "'" + for_terminal(text, max_width) + "'";
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n\v\f";
  const auto first = text.find_first_not_of(kSpace);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kSpace) - first + 1);
}

}  // namespace protoport
