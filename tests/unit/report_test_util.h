// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Helpers for the report tests: hostile evidence strings, a strict RFC 4180 reader and a decoder
// for the \xNN / \\ terminal form (to prove the escaping is lossless).
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace protoport::test {

// Payloads an attacker would put in an SNI, Host, DNS name or EHLO name.
inline std::vector<std::string> hostile_strings() {
  std::string invalid_utf8 = "caf\xc3\xa9 \xff\xfe \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe2\x82";
  return {
      "\x1b[31mred\x1b[0m\x1b]0;title\x07",
      "evil.example\r\nX-Injected: 1\r\n",
      std::string("nul\0byte", 8),
      "quote\"comma,semicolon;\"\"",
      "=cmd|' /C calc'!A0",
      "+1+1",
      "-2+3",
      "@SUM(A1:A9)",
      "\t=tab",
      "\r=cr",
      "back\\slash\\x41",
      "del\x7f and c1 \xc2\x9b[2J",
      invalid_utf8,
      "\xe2\x80\xae"
      "gnp.exe",  // RIGHT-TO-LEFT OVERRIDE
      std::string(10 * 1024, 'A') + "\x1b[2J",
      std::string(10 * 1024, '\n'),
      "",
  };
}

// Strict RFC 4180: fields separated by ',', records by CRLF or LF; a quoted field may hold
// anything with "" for a quote; anything else malformed fails the test.
inline std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  std::size_t i = 0;
  bool at_field_start = true;
  while (i < text.size()) {
    const char c = text[i];
    if (at_field_start && c == '"') {
      ++i;
      for (;;) {
        REQUIRE_MESSAGE(i < text.size(), "unterminated quoted CSV field");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      REQUIRE_MESSAGE((i == text.size() || text[i] == ',' || text[i] == '\n' || text[i] == '\r'),
                      "characters after a closing quote");
      at_field_start = false;
      continue;
    }
    if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      at_field_start = true;
      ++i;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r') {
        REQUIRE_MESSAGE((i + 1 < text.size() && text[i + 1] == '\n'), "bare CR in CSV");
        ++i;
      }
      ++i;
      record.push_back(std::move(field));
      field.clear();
      records.push_back(std::move(record));
      record.clear();
      at_field_start = true;
    } else {
      REQUIRE_MESSAGE(c != '"', "quote inside an unquoted CSV field");
      field += c;
      at_field_start = false;
      ++i;
    }
  }
  REQUIRE_MESSAGE((record.empty() && field.empty()), "CSV text does not end with a line break");
  return records;
}

// Inverse of protoport::for_terminal: \\ -> \, \xNN -> byte; any other backslash fails the test.
inline std::string decode_terminal(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    REQUIRE(i + 1 < text.size());
    if (text[i + 1] == '\\') {
      out += '\\';
      ++i;
      continue;
    }
    REQUIRE(text[i + 1] == 'x');
    REQUIRE(i + 3 < text.size());
    out += static_cast<char>(std::stoi(text.substr(i + 2, 2), nullptr, 16));
    i += 3;
  }
  return out;
}

}  // namespace protoport::test
