// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The one place where payload-derived text (SNI, Host, DNS names, EHLO names, ...) is made safe
// for each sink. Every formatter calls these; none escapes on its own. Each function is total:
// any byte string in, a safe string out, nothing dropped silently (unsafe bytes become \xNN).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace protoport {

// Terminal and table: printable ASCII (0x20..0x7e) is kept, a backslash is doubled, every other
// byte (controls, ESC, CR, LF, DEL, NUL, anything >= 0x80 including UTF-8) becomes \xNN. The
// result is unambiguous (it can be decoded back to the bytes) and cannot move the cursor, change
// colours or break a line.
std::string for_terminal(std::string_view raw);

// for_terminal(), cut to at most `max_width` characters: when it does not fit, it ends in "..."
// and is never cut inside a \xNN or \\ sequence. max_width < 3 yields at most max_width dots.
std::string for_terminal(std::string_view raw, std::size_t max_width);

// A value in the table's "key=value  key=value" evidence lists: for_terminal(raw, max_width),
// except that when the raw value holds two spaces in a row, or starts or ends with a space, every
// space becomes \x20. Items are separated by two spaces, so a value can never be read back as
// several fields ("a  sni=bank.example" stays one value), and decodes like for_terminal().
std::string for_table_value(std::string_view raw, std::size_t max_width);

// JSON string content: valid UTF-8 is kept as is (the JSON serializer escapes control
// characters, and protoport dumps with ensure_ascii, so the line is pure ASCII); each byte that is
// not part of valid UTF-8 becomes the four characters \xNN. Always valid UTF-8. A backslash is
// kept as is, so that valid text reaches the SIEM verbatim; the JSON formatter adds the exact
// bytes in hex (<field>_hex) next to a value this changed, so the two can never be confused.
std::string for_json(std::string_view raw);

// One CSV cell per RFC 4180 for text that is already free of control bytes (our own fields or a
// for_terminal() result). A cell starting with = + - @ (or TAB/CR) is prefixed with ' so that a
// spreadsheet never evaluates it (OWASP CSV injection); such a cell, and one holding a comma, a
// quote, a space or a line break, is quoted, with " doubled.
std::string csv_cell(std::string_view text);

// Payload text as a CSV cell: csv_cell(for_terminal(raw)). No raw line break, no control byte.
std::string for_csv(std::string_view raw);

// An RFC 5424 structured-data PARAM-VALUE (without the surrounding quotes): valid UTF-8 is kept
// except control characters (C0, DEL, C1), which like invalid bytes become \xNN; then ", \ and ]
// are escaped with a backslash as the RFC requires. One line, valid UTF-8.
std::string for_syslog_param(std::string_view raw);

// The length of the valid UTF-8 sequence starting at s[i] (1..4), or 0 if the byte there does not
// begin one (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

}  // namespace protoport
