// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "export/syslog.h"

#include <fcntl.h>
#include <linux/sockios.h>
#include <netdb.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace protoport::exporters {

namespace {

using Clock = std::chrono::steady_clock;

// Waits are cut into slices this long so that the exit grace is noticed (aborting()).
constexpr auto kSlice = std::chrono::milliseconds(100);

std::size_t default_max_bytes(const SyslogConfig& c) {
  if (c.max_message_bytes > 0) return c.max_message_bytes;
  return c.address.transport == SyslogTransport::udp ? 2048 : 8192;
}

std::string errno_text(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

std::string seconds_text(std::chrono::milliseconds d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(d.count()) / 1000.0);
  return buf;
}

int poll_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return static_cast<int>(std::clamp(left, std::chrono::milliseconds(0), kSlice).count());
}

// The error a socket reports (SO_ERROR), 0 when none.
int socket_error(int fd) {
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

// Bytes written to a stream socket that the peer has not taken yet: for TCP what it has not
// acknowledged, for a unix stream what the reader has not read (with the kernel's overhead, so
// never less than the bytes). -1 when the socket cannot say.
long bytes_not_taken(int fd) {
  int n = 0;
  if (::ioctl(fd, SIOCOUTQ, &n) != 0) return -1;
  return n;
}

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
      config_(c),
      timeout_(std::max<long>(1, static_cast<long>(c.timeout_s * 1000))) {
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
  if (fd_ >= 0) ::close(fd_);  // non-blocking and without SO_LINGER: never waits
  fd_ = -1;
}

// A non-blocking connect is waited for here, up to the timeout: its EINPROGRESS is not the
// outcome, the socket's SO_ERROR afterwards is (refused, unreachable, timed out...).
bool SyslogExporter::finish_connect(std::string& error) {
  const auto deadline = Clock::now() + timeout_;
  for (;;) {
    pollfd p{fd_, POLLOUT, 0};
    const int rc = ::poll(&p, 1, poll_ms(deadline));
    if (rc < 0 && errno != EINTR) return error = errno_text("poll"), false;
    if (rc > 0) {
      if (const int err = socket_error(fd_); err != 0) return error = std::strerror(err), false;
      return true;
    }
    if (aborting()) return error = "abandoned at exit", false;
    if (Clock::now() >= deadline) return error = "timed out after " + seconds_text(timeout_), false;
  }
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
        // Sends never block: a stream waits in send_stream() with its timeout.
        ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
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
    fd_ = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd_ < 0) {
      error = errno_text("socket");
      continue;
    }
    std::string why;
    if (::connect(fd_, ai->ai_addr, ai->ai_addrlen) == 0 ||
        (errno == EINPROGRESS && finish_connect(why))) {
      stream_ = a.transport == SyslogTransport::tcp;
      return true;
    }
    if (why.empty()) why = std::strerror(errno);
    error = "connect " + a.to_string() + ": " + why;
    disconnect();
  }
  return false;
}

bool SyslogExporter::send_datagram(const std::string& bytes, std::string& error) {
  for (;;) {
    // Never waits: a full unix socket buffer is a retry, not a hang.
    if (::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) >= 0) return true;
    if (errno == EINTR) continue;
    error = "send to " + config_.address.to_string() + ": " + std::strerror(errno);
    return false;
  }
}

std::string SyslogExporter::stall_text(long not_taken) const {
  return "send to " + config_.address.to_string() + ": collector stalled (" +
         std::to_string(not_taken) + " bytes not taken for " + seconds_text(timeout_) +
         "), reconnecting";
}

// Writes all of `bytes`, waiting for room while the collector takes what was written; fails
// when it takes nothing for the timeout (a collector that accepted but does not read).
bool SyslogExporter::send_stream(const std::string& bytes, std::string& error) {
  std::size_t off = 0;
  auto deadline = Clock::now() + timeout_;
  long not_taken = bytes_not_taken(fd_);
  while (off < bytes.size()) {
    const ssize_t n =
        ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      off += static_cast<std::size_t>(n);
      written_ += static_cast<std::size_t>(n);
      deadline = Clock::now() + timeout_;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
      error = "send to " + config_.address.to_string() + ": " + std::strerror(errno);
      return false;
    }
    if (!wait_taken(deadline, not_taken, POLLOUT, error)) return false;
  }
  return true;
}

// Until every byte written has been taken by the collector: only then are its messages sent.
bool SyslogExporter::drain(std::string& error) {
  auto deadline = Clock::now() + timeout_;
  long not_taken = bytes_not_taken(fd_);
  while (not_taken > 0) {
    if (!wait_taken(deadline, not_taken, 0, error)) return false;
    not_taken = bytes_not_taken(fd_);
  }
  return true;
}

// One wait of a stream: for `events` (POLLOUT) or, with none, for a slice of time in which the
// collector may take bytes; progress (fewer bytes not taken) moves the deadline. False with the
// error on a socket error, at exit, or once the deadline passes without progress.
bool SyslogExporter::wait_taken(Clock::time_point& deadline, long& not_taken, short events,
                                std::string& error) {
  // Without POLLOUT to wait for, slices grow from 1 ms: a collector that reads answers at once.
  const int slice = events ? poll_ms(deadline) : std::min(poll_ms(deadline), wait_slice_ms_);
  pollfd p{fd_, events, 0};
  if (::poll(&p, 1, slice) < 0 && errno != EINTR) return error = errno_text("poll"), false;
  wait_slice_ms_ = events ? 1 : std::min(wait_slice_ms_ * 2, 50);
  if (p.revents & (POLLERR | POLLHUP)) {
    const int err = socket_error(fd_);
    error = "send to " + config_.address.to_string() + ": " +
            (err ? std::strerror(err) : "connection closed by the collector");
    return false;
  }
  const long now_not_taken = bytes_not_taken(fd_);
  if (now_not_taken >= 0 && now_not_taken < not_taken) deadline = Clock::now() + timeout_;
  not_taken = now_not_taken;
  if (aborting()) return error = "abandoned at exit", false;
  if (Clock::now() >= deadline) return error = stall_text(not_taken), false;
  return true;
}

QueuedExporter::Attempt SyslogExporter::attempt(const std::vector<std::string>& batch,
                                                std::size_t from) {
  Attempt a;
  if (fd_ < 0 && !connect_socket(a.error)) {
    a.result = Attempt::Result::retry;
    return a;
  }
  if (!stream_) {
    for (std::size_t i = from; i < batch.size(); ++i, ++a.delivered) {
      if (!send_datagram(batch[i], a.error)) {
        a.result = Attempt::Result::retry;
        return a;
      }
    }
    return a;
  }
  // A stream: a message is sent once the collector has taken all of its bytes (SIOCOUTQ), not
  // when it is in our send queue, where a collector that does not read would leave it (and the
  // kernel lets that queue grow to megabytes). At most one batch (batch_bytes) waits there.
  // Every earlier attempt ended drained or disconnected: the queue starts empty.
  wait_slice_ms_ = 1;
  written_ = 0;
  std::vector<std::size_t> ends;  // stream offset after each message written
  bool ok = true;
  for (std::size_t i = from; i < batch.size() && ok; ++i) {
    const std::string& msg = batch[i];
    ok = send_stream(std::to_string(msg.size()) + " " + msg, a.error);
    if (ok) ends.push_back(written_);
  }
  if (ok) ok = drain(a.error);
  if (ok) {
    a.delivered = ends.size();
    return a;
  }
  // What the collector took of this attempt's bytes: the messages wholly within it are sent.
  // The others are sent again on a new connection, which starts a clean frame.
  const long not_taken = bytes_not_taken(fd_);
  if (not_taken >= 0 && static_cast<std::size_t>(not_taken) <= written_) {
    const std::size_t taken = written_ - static_cast<std::size_t>(not_taken);
    a.delivered =
        static_cast<std::size_t>(std::upper_bound(ends.begin(), ends.end(), taken) - ends.begin());
  }
  disconnect();
  a.result = Attempt::Result::retry;
  return a;
}

}  // namespace protoport::exporters
