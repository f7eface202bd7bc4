// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "common/escape.h"

#include <cstdint>

namespace protoport {

namespace {

void append_hex(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out += kHex[byte >> 4];
  out += kHex[byte & 0x0f];
}

// One input byte as terminal-safe text: itself, "\\" or "\xNN"; a space as "\x20" when
// `escape_space` (table values that could otherwise be read as several fields).
void append_terminal_unit(std::string& out, unsigned char byte, bool escape_space = false) {
  if (byte == '\\')
    out += "\\\\";
  else if (byte >= 0x20 && byte <= 0x7e && !(escape_space && byte == ' '))
    out += static_cast<char>(byte);
  else
    append_hex(out, byte);
}

std::size_t terminal_unit_width(unsigned char byte, bool escape_space = false) {
  if (byte == '\\') return 2;
  return byte >= 0x20 && byte <= 0x7e && !(escape_space && byte == ' ') ? 1 : 4;
}

// for_terminal(raw, max_width), spaces escaped or not.
std::string terminal_text(std::string_view raw, std::size_t max_width, bool escape_space) {
  std::size_t full = 0;
  for (const char c : raw) full += terminal_unit_width(static_cast<unsigned char>(c), escape_space);
  std::string out;
  if (full <= max_width) {
    out.reserve(full);
    for (const char c : raw) append_terminal_unit(out, static_cast<unsigned char>(c), escape_space);
    return out;
  }
  if (max_width < 3) return std::string(max_width, '.');
  std::size_t width = 0;
  for (const char c : raw) {
    const std::size_t w = terminal_unit_width(static_cast<unsigned char>(c), escape_space);
    if (width + w > max_width - 3) break;
    append_terminal_unit(out, static_cast<unsigned char>(c), escape_space);
    width += w;
  }
  return out + "...";
}

// The code point of a valid sequence of `len` bytes at s[i].
std::uint32_t decode(std::string_view s, std::size_t i, std::size_t len) {
  const auto b = [&](std::size_t k) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + k]));
  };
  switch (len) {
    case 1: return b(0);
    case 2: return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
    case 3: return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
  }
}

}  // namespace

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  if (i >= s.size()) return 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // allowed range of the second byte (RFC 3629 table)
  if (lead >= 0xc2 && lead <= 0xdf) {
    len = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    len = 3;
    if (lead == 0xe0) lo = 0xa0;  // no overlong
    if (lead == 0xed) hi = 0x9f;  // no surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    len = 4;
    if (lead == 0xf0) lo = 0x90;  // no overlong
    if (lead == 0xf4) hi = 0x8f;  // nothing above U+10FFFF
  } else {
    return 0;  // continuation byte, overlong C0/C1 lead, or F5..FF
  }
  if (s.size() - i < len) return 0;
  if (byte(1) < lo || byte(1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if (byte(k) < 0x80 || byte(k) > 0xbf) return 0;
  return len;
}

std::string for_terminal(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (const char c : raw) append_terminal_unit(out, static_cast<unsigned char>(c));
  return out;
}

std::string for_terminal(std::string_view raw, std::size_t max_width) {
  return terminal_text(raw, max_width, false);
}

std::string for_table_value(std::string_view raw, std::size_t max_width) {
  const bool separable = raw.find("  ") == std::string_view::npos &&
                         (raw.empty() || (raw.front() != ' ' && raw.back() != ' '));
  return terminal_text(raw, max_width, !separable);
}

std::string for_json(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    if (const std::size_t len = utf8_sequence_length(raw, i); len > 0) {
      out.append(raw.substr(i, len));
      i += len;
    } else {
      append_hex(out, static_cast<unsigned char>(raw[i]));
      ++i;
    }
  }
  return out;
}

std::string csv_cell(std::string_view text) {
  std::string cell;
  const bool formula = !text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' ||
                                         text[0] == '@' || text[0] == '\t' || text[0] == '\r');
  if (formula) cell += '\'';
  cell.append(text);
  const bool quote = formula || cell.find_first_of(",\"\r\n ") != std::string::npos;
  if (!quote) return cell;
  std::string out = "\"";
  for (const char c : cell) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string for_csv(std::string_view raw) { return csv_cell(for_terminal(raw)); }

std::string for_syslog_param(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size();) {
    const std::size_t len = utf8_sequence_length(raw, i);
    const std::uint32_t cp = len > 0 ? decode(raw, i, len) : 0;
    if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
      // The \ of \xNN is itself escaped below, as any backslash in a PARAM-VALUE must be.
      out += "\\\\x";
      static constexpr char kHex[] = "0123456789abcdef";
      const auto byte = static_cast<unsigned char>(raw[i]);
      out += kHex[byte >> 4];
      out += kHex[byte & 0x0f];
      ++i;
      continue;
    }
    const char c = raw[i];
    if (len == 1 && (c == '"' || c == '\\' || c == ']')) out += '\\';
    out.append(raw.substr(i, len));
    i += len;
  }
  return out;
}

}  // namespace protoport
