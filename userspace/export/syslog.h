// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Syslog exporter: RFC 5424 messages (syslog_format.h) over
//   udp   one datagram per message (RFC 5426), connected socket so that errors are reported
//   tcp   octet-counting framing "LEN SP MSG" (RFC 6587 3.4.1), reconnected with backoff
//         (also when the collector stops taking bytes: see attempt())
//   unix  a datagram socket (like /dev/log); a stream socket gets octet-counting framing too
// Host names are resolved when connecting, so a collector that is not resolvable at start is
// retried like one that is down.
#pragma once

#include <chrono>
#include <cstddef>
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
  bool finish_connect(std::string& error);
  bool send_datagram(const std::string& bytes, std::string& error);
  bool send_stream(const std::string& bytes, std::string& error);
  bool drain(std::string& error);
  bool wait_taken(std::chrono::steady_clock::time_point& deadline, long& not_taken, short events,
                  std::string& error);
  std::string stall_text(long not_taken) const;
  void disconnect();

  SyslogConfig config_;
  std::chrono::milliseconds timeout_;
  SyslogHeader header_;
  // Delivery thread only:
  int fd_ = -1;
  bool stream_ = false;      // framing needed; sent means taken by the collector
  std::size_t written_ = 0;  // bytes written to the stream in this attempt
  int wait_slice_ms_ = 1;    // drain()'s polling step, growing while the collector is slow
  std::atomic<std::uint64_t> truncated_{0};
};

}  // namespace protoport::exporters
