// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Protocols named only so that they are not mistaken for one of the four: SSH's identification
// string (RFC 4253 4.2), the FTP greeting (RFC 959: a 220 reply that says FTP), and the POP3
// (RFC 1939) and IMAP (RFC 9051) greetings, which an SMTP rule keyed on "220" must not take.
#include "fingerprint/parsers.h"

namespace protoport::fingerprint::detail {
namespace {

// "SSH-" protoversion "-": 2.0, 1.99 (either) or 1.x.
bool match_ssh(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  if (!r.starts_with("SSH-", true)) return false;
  Bytes major = r.take_while(is_digit, 2);
  if (major.empty() || !r.starts_with(".", true)) return false;
  Bytes minor = r.take_while(is_digit, 3);
  if (minor.empty() || !r.starts_with("-", true)) return false;
  auto software = r.peek_u8();
  if (software && !is_visible(*software)) return false;
  out.app = App::ssh;
  out.role = Role::unknown;  // both ends send one; the server usually first
  return true;
}

// "+OK" and "* OK" / "* PREAUTH" / "* BYE", each followed by a space or the line end.
bool token_ends(ByteReader& r) {
  auto c = r.peek_u8();
  return !c || *c == ' ' || *c == '\r' || *c == '\n';
}

bool match_pop3(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  if (bytes.size() < 4 || !r.starts_with("+OK", true) || !token_ends(r)) return false;
  out.app = App::pop3;
  out.role = Role::server;
  return true;
}

bool match_imap(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  if (!r.starts_with("* ", true)) return false;
  if (!r.starts_with("OK", true) && !r.starts_with("PREAUTH", true) && !r.starts_with("BYE", true))
    return false;
  if (r.empty() || !token_ends(r)) return false;
  out.app = App::imap;
  out.role = Role::server;
  return true;
}

bool match_ftp(Bytes bytes, Result& out) {
  if (read_220_greeting(bytes, nullptr) != Greeting220::ftp) return false;
  out.app = App::ftp;
  out.role = Role::server;
  return true;
}

}  // namespace

bool match_others(Bytes bytes, Result& out) {
  if (bytes.empty()) return false;
  switch (bytes[0]) {
    case 'S': return match_ssh(bytes, out);
    case '+': return match_pop3(bytes, out);
    case '*': return match_imap(bytes, out);
    case '2': return match_ftp(bytes, out);
    default: return false;
  }
}

}  // namespace protoport::fingerprint::detail
