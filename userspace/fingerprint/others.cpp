// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Protocols named only so that they are not mistaken for one of the four: SSH's identification
// string (RFC 4253 4.2), the FTP greeting (RFC 959: a 220 reply that says FTP) and the commands
// an FTP client opens with, and the POP3 (RFC 1939) and IMAP (RFC 9051) greetings, which an SMTP
// rule keyed on "220" must not take.
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

// IMAP's status atoms are case-insensitive (RFC 9051 9: "* ok" is as valid as "* OK").
bool match_imap(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  if (!r.starts_with("* ", true)) return false;
  if (!r.starts_with_icase("ok", true) && !r.starts_with_icase("preauth", true) &&
      !r.starts_with_icase("bye", true))
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

constexpr std::size_t kMaxFtpLine = 512;  // RFC 959 gives no limit; vsftpd reads 4 KiB
constexpr int kMaxLeadingEmptyLines = 64;
bool is_blank(std::uint8_t c) { return c == ' ' || c == '\t'; }
bool is_text(std::uint8_t c) { return c >= 0x20 && c < 0x7f; }  // printable, space included

// The commands an FTP client opens with (RFC 959 5.3: the command code in any case, then SP and
// the argument; RFC 4217 AUTH TLS; RFC 2389 FEAT), as one complete line after any empty lines:
// "USER" SP a name
// (blanks around it, as vsftpd takes them), "AUTH" SP TLS/SSL/TLS-C/TLS-P, or "FEAT" alone.
// A tab after the command code is not the separator (vsftpd answers 500). USER is also POP3's
// command: the flow's rule lets a POP3 greeting in the reply decide.
bool match_ftp_command(Bytes bytes, Result& out) {
  ByteReader r(bytes);
  // Empty lines before the command are ignored by vsftpd and ProFTPD ("to avoid NAT device
  // bugs"), bounded here as for HTTP.
  for (int i = 0;
       i < kMaxLeadingEmptyLines && (r.starts_with("\r\n", true) || r.starts_with("\n", true));
       ++i) {}
  auto line = r.line(kMaxFtpLine);
  if (!line) return false;
  ByteReader l(*line);
  bool ok = false;
  if (l.starts_with_icase("user ", true)) {
    l.take_while(is_blank);
    Bytes name = l.take_while(is_text);
    // "USER guest 0 * :Real Name" is IRC's registration (text.cpp), not an FTP login.
    ok = l.empty() && !name.empty() && is_visible(name.front()) && !contains_icase(name, " :");
  } else if (l.starts_with_icase("auth ", true)) {
    l.take_while(is_blank);
    Bytes mech = l.take_while(is_visible);
    l.take_while(is_blank);
    ByteReader m(mech);
    ok = l.empty() &&
         ((mech.size() == 3 && (m.starts_with_icase("tls") || m.starts_with_icase("ssl"))) ||
          (mech.size() == 5 && (m.starts_with_icase("tls-c") || m.starts_with_icase("tls-p"))));
  } else if (l.starts_with_icase("feat", true)) {
    l.take_while(is_blank);
    ok = l.empty();
  }
  if (!ok) return false;
  out.app = App::ftp;
  out.role = Role::client;
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
    case 'U':
    case 'u':
    case 'A':
    case 'a':
    case 'F':
    case 'f':
    case '\r':
    case '\n': return match_ftp_command(bytes, out);
    default: return false;
  }
}

}  // namespace protoport::fingerprint::detail
