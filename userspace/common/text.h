// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Small text helpers for messages: quoting text that came from a file, a packet or the command
// line (escaped, so that it can be shown on a terminal), and trimming.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace protoport {

// 'text' for an error message: escaped with for_terminal() and cut to max_width characters.
std::string quote(std::string_view text, std::size_t max_width = 64);

// `text` without leading and trailing ASCII white space (space, tab, CR, LF, VT, FF).
std::string_view trim(std::string_view text);

}  // namespace protoport
