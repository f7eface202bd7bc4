// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// libFuzzer target: the SMTP parser and the greetings it shares text with (FTP, POP3, IMAP,
// SSH). One input must never be both SMTP and one of those.
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace protoport::fingerprint;
  std::span<const std::uint8_t> bytes(data, size);
  Result smtp, other;
  bool is_smtp = detail::match_smtp(bytes, smtp);
  bool is_other = detail::match_others(bytes, other);
  fuzz::check_match(is_smtp, smtp, {App::smtp});
  fuzz::check_match(is_other, other, {App::ssh, App::ftp, App::pop3, App::imap});
  fuzz::require(!(is_smtp && is_other));
  return 0;
}
