// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/syslog.h"

#include <netdb.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace protoport::exporters {

namespace {

std::size_t default_max_bytes(const SyslogConfig& c) {
  if (c.max_message_bytes > 0) return c.max_message_bytes;
  return c.address.transport == SyslogTransport::udp ? 2048 : 8192;
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

SyslogExporter::SyslogExporter(const SyslogConfig& c, const std::string& default_host)
    : QueuedExporter(DeliverySettings{
          .name = "syslog",
          .destination = c.address.to_string(),
          .events = c.events,
          .queue_events = c.queue_events,
          .batch_events = 64,
          .batch_bytes = 256 * 1024,
          .linger = std::chrono::milliseconds(0),
          .retry_initial = std::chrono::milliseconds(static_cast<long>(c.retry_initial_s * 1000)),
          .retry_max = std::chrono::milliseconds(static_cast<long>(c.retry_max_s * 1000))}),
      config_(c) {
  const auto facility = facility_code(c.facility);
  if (!facility) throw SetupError("syslog: unknown facility '" + c.facility + "'");
  if (!valid_sd_id(c.sd_id))
    throw SetupError("syslog: '" + c.sd_id + "' is not an SD-ID (name@number)");
  header_ = SyslogHeader{*facility,  c.hostname.empty() ? default_host : c.hostname,
                         c.app_name, std::to_string(::getpid()),
                         c.sd_id,    default_max_bytes(c)};
  start();
}

SyslogExporter::~SyslogExporter() {
  close(std::chrono::milliseconds(0));
  disconnect();
}

std::string SyslogExporter::format(const Event& event) {
  SyslogMessage m = format_rfc5424(event, header_);
  if (m.truncated) truncated_.fetch_add(1, std::memory_order_relaxed);
  return std::move(m.text);
}

void SyslogExporter::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool SyslogExporter::connect_socket(std::string& error) {
  const SyslogAddress& a = config_.address;
  if (a.transport == SyslogTransport::unix_socket) {
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    std::memcpy(sun.sun_path, a.path.c_str(), a.path.size() + 1);  // length checked when parsed
    for (const int type : {SOCK_DGRAM, SOCK_STREAM}) {
      fd_ = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
      if (fd_ < 0) return error = errno_text("socket"), false;
      if (::connect(fd_, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0) {
        stream_ = type == SOCK_STREAM;
        return true;
      }
      const int err = errno;
      disconnect();
      if (err != EPROTOTYPE) return error = "connect " + a.path + ": " + std::strerror(err), false;
    }
    return error = "connect " + a.path + ": no usable socket type", false;
  }
  addrinfo hints{};
  hints.ai_socktype = a.transport == SyslogTransport::tcp ? SOCK_STREAM : SOCK_DGRAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(a.host.c_str(), std::to_string(a.port).c_str(), &hints, &found);
  if (rc != 0) return error = "resolve " + a.host + ": " + gai_strerror(rc), false;
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> list(found, freeaddrinfo);
  error = "connect " + a.to_string() + ": no address";
  for (const addrinfo* ai = found; ai; ai = ai->ai_next) {
    fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd_ < 0) {
      error = errno_text("socket");
      continue;
    }
    // A stalled TCP collector must not hold a send (or close()) for long: sends time out and
    // are retried, checking the exit deadline in between.
    const timeval tv{1, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0) {
      stream_ = a.transport == SyslogTransport::tcp;
      return true;
    }
    error = "connect " + a.to_string() + ": " + std::strerror(errno);
    disconnect();
  }
  return false;
}

bool SyslogExporter::send_all(const std::string& bytes, std::string& error) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    // Datagrams never wait (a full unix socket buffer is a retry, not a hang).
    const int flags = MSG_NOSIGNAL | (stream_ ? 0 : MSG_DONTWAIT);
    const ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, flags);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (stream_ && (errno == EAGAIN || errno == EWOULDBLOCK) && !aborting()) continue;
      error = "send to " + config_.address.to_string() + ": " + std::strerror(errno);
      return false;
    }
    if (!stream_) return true;  // a datagram goes whole or not at all
    off += static_cast<std::size_t>(n);
  }
  return true;
}

QueuedExporter::Attempt SyslogExporter::attempt(const std::vector<std::string>& batch,
                                                std::size_t from) {
  Attempt a;
  if (fd_ < 0 && !connect_socket(a.error)) {
    a.result = Attempt::Result::retry;
    return a;
  }
  for (std::size_t i = from; i < batch.size(); ++i) {
    const std::string& msg = batch[i];
    const bool ok = stream_ ? send_all(std::to_string(msg.size()) + " " + msg, a.error)
                            : send_all(msg, a.error);
    if (!ok) {
      // A stream that failed mid-message is closed: the next connection starts a clean frame.
      disconnect();
      a.result = Attempt::Result::retry;
      return a;
    }
    ++a.delivered;
  }
  return a;
}

}  // namespace protoport::exporters
