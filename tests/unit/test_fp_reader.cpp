// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The shared bounds-checked reader: every read past the end fails without consuming.
#include <doctest/doctest.h>

#include "fingerprint/byte_reader.h"
#include "test_fp_helpers.h"

using protoport::fingerprint::detail::ByteReader;
using protoport::fingerprint::detail::contains_icase;
using namespace fp_test;

TEST_CASE("reader: integers are big-endian and bounded") {
  Buf b = hex("01 0203 040506 0708090a");
  ByteReader r(b);
  CHECK(r.u8() == 0x01);
  CHECK(r.u16() == 0x0203);
  CHECK(r.u24() == 0x040506u);
  CHECK(r.u32() == 0x0708090au);
  CHECK(r.empty());
  CHECK_FALSE(r.u8().has_value());
  Buf three = prefix(b, 3);
  ByteReader s(three);
  CHECK(s.skip(1));
  CHECK_FALSE(s.u24().has_value());
  CHECK_FALSE(s.u32().has_value());
  CHECK(s.offset() == 1);  // failed reads consume nothing
  CHECK(s.u16() == 0x0203);
}

TEST_CASE("reader: take, take_up_to, skip") {
  Buf b = text("abcdef");
  ByteReader r(b);
  CHECK_FALSE(r.take(7).has_value());
  CHECK_FALSE(r.skip(7));
  CHECK(r.take(2)->size() == 2);
  bool complete = true;
  auto part = r.take_up_to(10, complete);
  CHECK_FALSE(complete);
  CHECK(part.size() == 4);
  CHECK(r.empty());
  ByteReader empty{fp_test::Buf{}};
  CHECK(empty.take_up_to(0, complete).empty());
  CHECK(complete);
}

TEST_CASE("reader: lines and prefixes") {
  Buf b = text("EHLO x\r\nnext\nrest");
  ByteReader r(b);
  CHECK(r.starts_with_icase("ehlo"));
  CHECK_FALSE(r.starts_with("ehlo"));
  CHECK(r.line()->size() == 6);
  CHECK(r.line()->size() == 4);
  CHECK_FALSE(r.line().has_value());
  CHECK(r.remaining() == 4);  // an unterminated line is left unread
  ByteReader longline(b);
  CHECK_FALSE(longline.line(3).has_value());
  CHECK(contains_icase(b, "next"));
  CHECK(contains_icase(b, "ehlo x"));
  CHECK_FALSE(contains_icase(prefix(b, 3), "ehlo"));
}
