// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Destination and listen addresses as users write them, checked before anything starts.
//   syslog:   udp://HOST[:PORT]  tcp://HOST[:PORT]  unix:/PATH (also unix:///PATH)
//             HOST[:PORT] alone means UDP; PORT defaults to 514; IPv6 in brackets: udp://[::1]:514
//   metrics:  ADDR:PORT with a literal address: 127.0.0.1:9799, [::1]:9799, 0.0.0.0:9799
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace protoport::exporters {

// A value the user gave (flag or configuration) that cannot work: what() is one line; the CLI
// exits with code 2.
class SetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A setup failure that may pass without the user changing anything (the listen address in use,
// perhaps by the previous instance still stopping; the address not configured yet at boot): the
// CLI exits with code 1, a runtime failure, which a service manager retries (exit 2 is in the
// systemd unit's RestartPreventExitStatus).
class TemporarySetupError : public SetupError {
 public:
  using SetupError::SetupError;
};

enum class SyslogTransport : std::uint8_t { udp, tcp, unix_socket };
std::string_view to_string(SyslogTransport t);  // "udp", "tcp", "unix"

struct SyslogAddress {
  SyslogTransport transport = SyslogTransport::udp;
  std::string host;               // name or literal (without brackets); empty for unix
  std::uint16_t port = 0;         // 0 for unix
  std::string path;               // unix socket path
  std::string to_string() const;  // canonical form, for messages
  bool operator==(const SyslogAddress&) const = default;
};

// Throws SetupError naming the problem.
SyslogAddress parse_syslog_address(std::string_view text);

struct ListenAddress {
  std::string ip;  // literal, without brackets
  std::uint16_t port = 0;
  bool ipv6 = false;
  std::string to_string() const;  // "127.0.0.1:9799", "[::1]:9799"
  bool is_loopback() const;
  bool operator==(const ListenAddress&) const = default;
};

// Throws SetupError: the address must be a literal IPv4 or bracketed IPv6 address and the port
// 1..65535.
ListenAddress parse_listen_address(std::string_view text);

}  // namespace protoport::exporters
