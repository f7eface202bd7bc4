// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The escaping module: one function per sink, total over any bytes.
#include <doctest/doctest.h>

#include "common/escape.h"
#include "report_test_util.h"

using namespace protoport;
using protoport::test::decode_terminal;
using protoport::test::hostile_strings;

namespace {

bool printable_ascii_only(const std::string& s) {
  for (const unsigned char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

}  // namespace

TEST_CASE("utf8_sequence_length follows RFC 3629") {
  CHECK(utf8_sequence_length("a", 0) == 1);
  CHECK(utf8_sequence_length("\xc3\xa9", 0) == 2);
  CHECK(utf8_sequence_length("\xe2\x82\xac", 0) == 3);
  CHECK(utf8_sequence_length("\xf0\x9f\x98\x80", 0) == 4);
  CHECK(utf8_sequence_length("\xc0\xaf", 0) == 0);          // overlong '/'
  CHECK(utf8_sequence_length("\xe0\x80\xaf", 0) == 0);      // overlong
  CHECK(utf8_sequence_length("\xed\xa0\x80", 0) == 0);      // surrogate
  CHECK(utf8_sequence_length("\xf4\x90\x80\x80", 0) == 0);  // > U+10FFFF
  CHECK(utf8_sequence_length("\xf5\x80\x80\x80", 0) == 0);
  CHECK(utf8_sequence_length("\x80", 0) == 0);      // lone continuation
  CHECK(utf8_sequence_length("\xe2\x82", 0) == 0);  // truncated
  CHECK(utf8_sequence_length("\xc3(", 0) == 0);
  CHECK(utf8_sequence_length("", 0) == 0);
}

TEST_CASE("for_terminal: printable ASCII stays, everything else becomes \\xNN") {
  CHECK(for_terminal("www.example.com") == "www.example.com");
  CHECK(for_terminal("\x1b[31m") == "\\x1b[31m");
  CHECK(for_terminal("a\r\nb") == "a\\x0d\\x0ab");
  CHECK(for_terminal(std::string("\0", 1)) == "\\x00");
  CHECK(for_terminal("\x7f") == "\\x7f");
  CHECK(for_terminal("caf\xc3\xa9") == "caf\\xc3\\xa9");
  CHECK(for_terminal("a\\b") == "a\\\\b");
  CHECK(for_terminal("") == "");
  for (const std::string& s : hostile_strings()) {
    const std::string out = for_terminal(s);
    CHECK(printable_ascii_only(out));
    CHECK(decode_terminal(out) == s);  // lossless and unambiguous
  }
  std::string all;
  for (int b = 0; b < 256; ++b) all += static_cast<char>(b);
  CHECK(printable_ascii_only(for_terminal(all)));
  CHECK(decode_terminal(for_terminal(all)) == all);
}

TEST_CASE("for_terminal with a width cuts whole escapes and ends in ...") {
  CHECK(for_terminal("short", 10) == "short");
  CHECK(for_terminal("exactly10!", 10) == "exactly10!");
  CHECK(for_terminal("eleven chars", 10) == "eleven ...");
  CHECK(for_terminal("\x01\x02\x03", 10) == "\\x01...");  // never "\x01\x0..."
  CHECK(for_terminal("ab\\\\\\", 6) == "ab...");          // never a lone backslash
  CHECK(for_terminal("abcdef", 2) == "..");
  CHECK(for_terminal("abcdef", 0) == "");
  const std::string long_one = for_terminal(std::string(10 * 1024, '\x1b'), 40);
  CHECK(long_one.size() <= 40);
  CHECK(long_one.substr(long_one.size() - 3) == "...");
  CHECK(printable_ascii_only(long_one));
}

TEST_CASE("for_json keeps valid UTF-8 and marks invalid bytes") {
  CHECK(for_json("www.example.com") == "www.example.com");
  CHECK(for_json("caf\xc3\xa9 \xf0\x9f\x98\x80") == "caf\xc3\xa9 \xf0\x9f\x98\x80");
  CHECK(for_json("\x1b[31m") == "\x1b[31m");  // valid UTF-8: the JSON serializer escapes it
  CHECK(for_json("a\xff"
                 "b") == "a\\xffb");
  CHECK(for_json("\xc0\xaf") == "\\xc0\\xaf");
  CHECK(for_json("\xed\xa0\x80") == "\\xed\\xa0\\x80");
  CHECK(for_json("\xe2\x82") == "\\xe2\\x82");
  for (const std::string& s : hostile_strings()) CHECK(valid_utf8(for_json(s)));
}

TEST_CASE("csv_cell quotes per RFC 4180 and neutralises formulas") {
  CHECK(csv_cell("plain") == "plain");
  CHECK(csv_cell("") == "");
  CHECK(csv_cell("53") == "53");
  CHECK(csv_cell("a,b") == "\"a,b\"");
  CHECK(csv_cell("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(csv_cell("line\nbreak") == "\"line\nbreak\"");
  CHECK(csv_cell("=cmd|' /C calc'!A0") == "\"'=cmd|' /C calc'!A0\"");
  CHECK(csv_cell("+1") == "\"'+1\"");
  CHECK(csv_cell("-1") == "\"'-1\"");
  CHECK(csv_cell("@SUM(A1)") == "\"'@SUM(A1)\"");
  CHECK(csv_cell("\t1") == "\"'\t1\"");
  CHECK(csv_cell("\r1") == "\"'\r1\"");
  CHECK(csv_cell("a=1") == "a=1");  // only a leading character starts a formula
}

TEST_CASE("for_csv: no control byte, no raw line break, no formula") {
  CHECK(for_csv("evil\r\nX: 1") == "\"evil\\x0d\\x0aX: 1\"");
  CHECK(for_csv("\t=1") == "\\x09=1");  // escaped TAB: no longer a leading formula character
  CHECK(for_csv("=1+1") == "\"'=1+1\"");
  for (const std::string& s : hostile_strings()) {
    const std::string cell = for_csv(s);
    CHECK(printable_ascii_only(cell));
  }
}

TEST_CASE("for_syslog_param escapes \", \\ and ] and all control characters") {
  CHECK(for_syslog_param("plain") == "plain");
  CHECK(for_syslog_param("a\"b\\c]d") == "a\\\"b\\\\c\\]d");
  CHECK(for_syslog_param("caf\xc3\xa9") == "caf\xc3\xa9");
  CHECK(for_syslog_param("\x1b[2J") == "\\\\x1b[2J");
  CHECK(for_syslog_param("a\r\nb") == "a\\\\x0d\\\\x0ab");
  CHECK(for_syslog_param("\xc2\x9b") == "\\\\xc2\\\\x9b");  // C1 CSI
  CHECK(for_syslog_param("\x7f") == "\\\\x7f");
  CHECK(for_syslog_param("\xff") == "\\\\xff");
  for (const std::string& s : hostile_strings()) {
    const std::string out = for_syslog_param(s);
    CHECK(valid_utf8(out));
    for (std::size_t i = 0; i < out.size(); ++i) {
      const auto c = static_cast<unsigned char>(out[i]);
      CHECK(c >= 0x20);
      CHECK(c != 0x7f);
      // Every ", ] and \ is escaped: walking the RFC 5424 escapes never meets a bare one.
      if (c == '\\') {
        REQUIRE(i + 1 < out.size());
        CHECK((out[i + 1] == '\\' || out[i + 1] == '"' || out[i + 1] == ']'));
        ++i;
      } else {
        CHECK(c != '"');
        CHECK(c != ']');
      }
    }
  }
}
