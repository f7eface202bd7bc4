// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The syslog exporter's transports against sockets made by the test: a unix datagram socket, and
// a TCP listener on 127.0.0.1 (octet-counting framing, reconnect after the collector closes).
// What cannot be delivered within the exit grace is counted, never lost silently.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "export/syslog.h"
#include "export_stderr_capture.h"
#include "export_test_util.h"

using namespace protoport;
using namespace std::chrono_literals;

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string recv_timeout(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[65536];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
}

exporters::SyslogConfig config_for(const std::string& address) {
  exporters::SyslogConfig c;
  c.address = exporters::parse_syslog_address(address);
  c.retry_initial_s = 0.02;
  c.retry_max_s = 0.05;
  return c;
}

}  // namespace

TEST_CASE("unix datagram: one RFC 5424 message per event") {
  char dir_template[] = "/tmp/pp-syslog-test.XXXXXX";
  REQUIRE(::mkdtemp(dir_template));
  const std::string path = std::string(dir_template) + "/log.sock";
  Fd server{::socket(AF_UNIX, SOCK_DGRAM, 0)};
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path.c_str());
  REQUIRE(::bind(server.fd, reinterpret_cast<sockaddr*>(&sun), sizeof sun) == 0);
  {
    exporters::SyslogExporter exporter(config_for("unix:" + path), "test-host");
    exporter.publish(test::mismatch_event("one.example"));
    exporter.publish(test::mismatch_event("two.example"));
    const auto a = test::parse_rfc5424(recv_timeout(server.fd, 5000));
    const auto b = test::parse_rfc5424(recv_timeout(server.fd, 5000));
    CHECK(a.hostname == "test-host");
    CHECK(a.param("dns_qname") == "one.example");
    CHECK(b.param("dns_qname") == "two.example");
    exporter.close(1s);
    const auto s = exporter.stats();
    CHECK(s.sent == 2);
    CHECK(s.dropped() == 0);
  }
  std::filesystem::remove_all(dir_template);
}

TEST_CASE("tcp: octet-counting frames; reconnects after the collector closes the connection") {
  Fd listener{::socket(AF_INET, SOCK_STREAM, 0)};
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener.fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
  socklen_t len = sizeof sin;
  REQUIRE(::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0);
  REQUIRE(::listen(listener.fd, 4) == 0);
  const std::string address = "tcp://127.0.0.1:" + std::to_string(ntohs(sin.sin_port));

  exporters::SyslogExporter exporter(config_for(address), "h");
  exporter.publish(test::mismatch_event("first.example"));
  {
    Fd conn{::accept(listener.fd, nullptr, nullptr)};
    REQUIRE(conn.fd >= 0);
    std::string got;
    while (got.find(' ') == std::string::npos ||
           got.size() < std::stoul(got.substr(0, got.find(' '))) + got.find(' ') + 1) {
      const std::string more = recv_timeout(conn.fd, 5000);
      REQUIRE(!more.empty());
      got += more;
    }
    const auto sp = got.find(' ');
    const std::size_t n = std::stoul(got.substr(0, sp));
    CHECK(got.size() == sp + 1 + n);  // exactly one frame
    CHECK(test::parse_rfc5424(got.substr(sp + 1)).param("dns_qname") == "first.example");
  }  // the collector hangs up
  // The next message may be lost into the dead connection's buffer (TCP cannot tell at once);
  // the exporter then sees the error, reconnects and sends again: keep publishing until one
  // arrives on a new connection.
  Fd again{-1};
  std::string frame;
  for (int i = 0; i < 50 && frame.empty(); ++i) {
    exporter.publish(test::mismatch_event("after.example"));
    timeval tv{0, 100000};
    ::setsockopt(listener.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    if (again.fd < 0) again.fd = ::accept(listener.fd, nullptr, nullptr);
    if (again.fd >= 0) frame = recv_timeout(again.fd, 1000);
  }
  REQUIRE(!frame.empty());
  const auto sp = frame.find(' ');
  CHECK(test::parse_rfc5424(frame.substr(sp + 1, std::stoul(frame.substr(0, sp))))
            .param("dns_qname") == "after.example");
  exporter.close(1s);
  CHECK(exporter.stats().errors >= 1);
}

TEST_CASE(
    "a collector that never answers: the queue bound drops and counts, close() ends in time") {
  auto c = config_for("unix:/nonexistent/protoport-test.sock");  // connect always fails
  c.queue_events = 3;
  exporters::SyslogExporter exporter(c, "h");
  for (int i = 0; i < 10; ++i) exporter.publish(test::mismatch_event());
  const auto start = std::chrono::steady_clock::now();
  exporter.close(200ms);
  CHECK(std::chrono::steady_clock::now() - start < 5s);  // bounded by the grace, not the retries
  const auto s = exporter.stats();
  CHECK(s.sent == 0);
  CHECK(s.errors >= 1);
  // Ten events: every one is accounted for as dropped (queue full or at exit).
  CHECK(s.dropped_queue_full + s.dropped_at_exit == 10);
  CHECK(s.dropped_queue_full >= 6);
  CHECK(s.queued == 0);
}

namespace {

// A TCP listener on 127.0.0.1 with a free port; `rcvbuf` (when set) is inherited by the
// connections it accepts, so a test knows how much a connection that is never read can take.
struct Listener {
  Fd fd;
  std::uint16_t port = 0;
  explicit Listener(int backlog = 16, int rcvbuf = 0) {
    fd.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd.fd >= 0);
    if (rcvbuf > 0) ::setsockopt(fd.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd.fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
    socklen_t len = sizeof sin;
    REQUIRE(::getsockname(fd.fd, reinterpret_cast<sockaddr*>(&sin), &len) == 0);
    REQUIRE(::listen(fd.fd, backlog) == 0);
    port = ntohs(sin.sin_port);
  }
  std::string address() const { return "tcp://127.0.0.1:" + std::to_string(port); }
};

}  // namespace

TEST_CASE("tcp: a collector that accepts and never reads: sent means taken, the stall is said") {
  // The peer's receive buffer is small and never read: all a connection can ever take.
  Listener listener(16, 4096);
  const int fl = ::fcntl(listener.fd.fd, F_GETFL);
  ::fcntl(listener.fd.fd, F_SETFL, fl | O_NONBLOCK);
  std::vector<std::unique_ptr<Fd>> accepted;  // held open, never read
  std::size_t capacity = 0;                   // bytes all accepted connections could hold
  const auto accept_all = [&] {
    for (int c; (c = ::accept(listener.fd.fd, nullptr, nullptr)) >= 0;) {
      int rcvbuf = 0;
      socklen_t len = sizeof rcvbuf;
      ::getsockopt(c, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len);
      capacity += static_cast<std::size_t>(rcvbuf);
      accepted.push_back(std::make_unique<Fd>());
      accepted.back()->fd = c;
    }
  };

  test::StderrCapture err;
  auto c = config_for(listener.address());
  c.queue_events = 20;
  c.timeout_s = 0.3;  // how long unread bytes may wait before the connection counts as stalled
  exporters::SyslogExporter exporter(c, "h");
  // One message on the wire is at least this long (the header's PROCID is the pid: "1").
  const std::string one =
      exporters::format_rfc5424(test::mismatch_event(),
                                exporters::SyslogHeader{.hostname = "h", .procid = "1"})
          .text;
  std::size_t published = 0;
  // Far more than the peer's buffer: with a send queue that grows to megabytes, every one of
  // these would have been counted "sent".
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string text;
  while (std::chrono::steady_clock::now() < deadline) {
    for (int i = 0; i < 50; ++i, ++published) exporter.publish(test::mismatch_event());
    accept_all();
    text = err.text();
    if (text.find("stalled") != std::string::npos && exporter.stats().dropped_queue_full > 0 &&
        published >= 2000)
      break;
    std::this_thread::sleep_for(20ms);
  }
  exporter.close(200ms);
  accept_all();
  text = err.text();
  const auto s = exporter.stats();
  MESSAGE("published " << published << ", sent " << s.sent << ", connections " << accepted.size()
                       << ", capacity " << capacity << " bytes");
  // Said on stderr, like any other delivery problem, and retried on a new connection.
  CHECK(text.find("protoport: syslog: ") != std::string::npos);
  CHECK(text.find("stalled") != std::string::npos);
  CHECK(s.errors >= 1);
  // Sent: no more than the peer's buffers could have taken (each message whole).
  CHECK(s.sent * one.size() <= capacity);
  // Every event is accounted for, the undelivered ones as dropped.
  CHECK(s.dropped_queue_full > 0);
  CHECK(s.sent + s.dropped() == published);
  CHECK(s.queued == 0);
}

TEST_CASE("tcp: a connection that never completes says 'timed out', a closed port 'refused'") {
  // A listener whose accept queue is full drops further SYNs: connect() waits like it would for
  // a host that does not answer (a firewall dropping, a host that is down).
  Listener full(0);
  Fd filler{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  Fd filler2{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sin.sin_port = htons(full.port);
  REQUIRE(::connect(filler.fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
  ::connect(filler2.fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);  // queue full: waits
  {
    test::StderrCapture err;
    auto c = config_for(full.address());
    c.timeout_s = 0.3;
    exporters::SyslogExporter exporter(c, "h");
    exporter.publish(test::mismatch_event());
    const std::string text = err.wait_for(
        [](const std::string& t) { return t.find("connect tcp://") != std::string::npos; }, 5s);
    exporter.close(0ms);
    CHECK(text.find("connect " + full.address() + ": timed out") != std::string::npos);
    CHECK(text.find("in progress") == std::string::npos);
  }
  {
    // A port nobody listens on (the listener is closed before the exporter connects).
    std::string address;
    {
      Listener gone;
      address = gone.address();
    }
    test::StderrCapture err;
    exporters::SyslogExporter exporter(config_for(address), "h");
    exporter.publish(test::mismatch_event());
    const std::string text = err.wait_for(
        [](const std::string& t) { return t.find("connect tcp://") != std::string::npos; }, 5s);
    exporter.close(0ms);
    CHECK(text.find("connect " + address + ": Connection refused") != std::string::npos);
  }
}
