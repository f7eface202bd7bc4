// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <charconv>

#include "common/text.h"

namespace protoport::exporters {

namespace {

bool parse_port(std::string_view text, std::uint16_t& port) {
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535)
    return false;
  port = static_cast<std::uint16_t>(value);
  return true;
}

// "host", "host:port", "[v6]", "[v6]:port". Returns false on a malformed form.
bool split_host_port(std::string_view hp, std::string& host, std::string_view& port_text) {
  port_text = {};
  if (hp.starts_with('[')) {
    const auto close = hp.find(']');
    if (close == std::string_view::npos) return false;
    host = std::string(hp.substr(1, close - 1));
    const std::string_view rest = hp.substr(close + 1);
    if (rest.empty()) return !host.empty();
    if (!rest.starts_with(':')) return false;
    port_text = rest.substr(1);
    return !host.empty();
  }
  const auto colon = hp.rfind(':');
  if (colon != std::string_view::npos && hp.find(':') != colon) return false;  // bare IPv6
  host = std::string(hp.substr(0, colon));
  if (colon != std::string_view::npos) port_text = hp.substr(colon + 1);
  return !host.empty();
}

bool valid_host(std::string_view host) {
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == ':' || c == '_' || c == '%';
    if (!ok) return false;
  }
  return !host.empty() && host.size() <= 253;
}

}  // namespace

std::string_view to_string(SyslogTransport t) {
  switch (t) {
    case SyslogTransport::udp: return "udp";
    case SyslogTransport::tcp: return "tcp";
    case SyslogTransport::unix_socket: return "unix";
  }
  return "?";
}

std::string SyslogAddress::to_string() const {
  if (transport == SyslogTransport::unix_socket) return "unix:" + path;
  const bool v6 = host.find(':') != std::string::npos;
  return std::string(exporters::to_string(transport)) + "://" + (v6 ? "[" + host + "]" : host) +
         ":" + std::to_string(port);
}

SyslogAddress parse_syslog_address(std::string_view text) {
  const std::string help =
      " (write udp://HOST[:PORT], tcp://HOST[:PORT] or unix:/PATH; the port defaults to 514)";
  SyslogAddress a;
  std::string_view rest = text;
  if (rest.starts_with("unix:")) {
    rest.remove_prefix(5);
    if (rest.starts_with("//")) rest.remove_prefix(2);
    if (!rest.starts_with('/'))
      throw SetupError("syslog address " + quote(text, 80) +
                       ": a unix socket needs an absolute path" + help);
    if (rest.size() >= sizeof(sockaddr_un{}.sun_path))
      throw SetupError("syslog address " + quote(text, 80) + ": the socket path is too long");
    a.transport = SyslogTransport::unix_socket;
    a.path = std::string(rest);
    return a;
  }
  if (rest.starts_with("udp://")) {
    rest.remove_prefix(6);
  } else if (rest.starts_with("tcp://")) {
    a.transport = SyslogTransport::tcp;
    rest.remove_prefix(6);
  } else if (rest.find("://") != std::string_view::npos) {
    throw SetupError("syslog address " + quote(text, 80) + ": unknown scheme" + help);
  }
  std::string_view port_text;
  if (!split_host_port(rest, a.host, port_text) || !valid_host(a.host))
    throw SetupError("syslog address " + quote(text, 80) + ": not a host and port" + help);
  a.port = 514;
  if (!port_text.empty() && !parse_port(port_text, a.port))
    throw SetupError("syslog address " + quote(text, 80) + ": the port must be 1..65535" + help);
  return a;
}

std::string ListenAddress::to_string() const {
  return (ipv6 ? "[" + ip + "]" : ip) + ":" + std::to_string(port);
}

bool ListenAddress::is_loopback() const {
  if (ipv6) {
    in6_addr a{};
    return inet_pton(AF_INET6, ip.c_str(), &a) == 1 && IN6_IS_ADDR_LOOPBACK(&a);
  }
  in_addr a{};
  return inet_pton(AF_INET, ip.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

ListenAddress parse_listen_address(std::string_view text) {
  const std::string help =
      " (write ADDR:PORT with a literal address, e.g. 127.0.0.1:9799 or [::1]:9799)";
  ListenAddress l;
  std::string_view port_text;
  if (!split_host_port(text, l.ip, port_text) || port_text.empty())
    throw SetupError("metrics address " + quote(text, 80) + ": not ADDR:PORT" + help);
  if (!parse_port(port_text, l.port))
    throw SetupError("metrics address " + quote(text, 80) + ": the port must be 1..65535" + help);
  in6_addr a6{};
  in_addr a4{};
  if (text.starts_with('[') && inet_pton(AF_INET6, l.ip.c_str(), &a6) == 1)
    l.ipv6 = true;
  else if (!text.starts_with('[') && inet_pton(AF_INET, l.ip.c_str(), &a4) == 1)
    l.ipv6 = false;
  else
    throw SetupError("metrics address " + quote(text, 80) + ": not a literal IP address" + help);
  return l;
}

}  // namespace protoport::exporters
