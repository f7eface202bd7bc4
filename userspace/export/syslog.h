// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Syslog exporter: RFC 5424 messages (syslog_format.h) over
//   udp   one datagram per message (RFC 5426), connected socket so that errors are reported
//   tcp   octet-counting framing "LEN SP MSG" (RFC 6587 3.4.1), reconnected with backoff
//   unix  a datagram socket (like /dev/log); a stream socket gets octet-counting framing too
// Host names are resolved when connecting, so a collector that is not resolvable at start is
// retried like one that is down.
#pragma once

#include <string>

#include "export/queued_exporter.h"
#include "export/settings.h"
#include "export/syslog_format.h"

namespace protoport::exporters {

class SyslogExporter final : public QueuedExporter {
 public:
  SyslogExporter(const SyslogConfig& config, const std::string& default_host);
  ~SyslogExporter() override;

  std::uint64_t truncated() const { return truncated_.load(); }

 private:
  std::string format(const Event& event) override;
  Attempt attempt(const std::vector<std::string>& batch, std::size_t from) override;
  bool connect_socket(std::string& error);
  bool send_all(const std::string& bytes, std::string& error);
  void disconnect();

  SyslogConfig config_;
  SyslogHeader header_;
  int fd_ = -1;          // delivery thread only
  bool stream_ = false;  // framing needed
  std::atomic<std::uint64_t> truncated_{0};
};

}  // namespace protoport::exporters
