// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Prometheus exposition: bounded mismatch series, the families and labels, and the HTTP server
// on 127.0.0.1 answering GET /metrics.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "export/metrics.h"

using namespace protoport;
using exporters::MetricsSnapshot;
using exporters::MismatchSeries;
using fingerprint::App;
using fingerprint::Transport;

TEST_CASE("mismatch series are bounded; overflow goes to dest_port=other, totals stay exact") {
  MismatchSeries s(2);
  s.add(App::dns, 5353, Transport::udp);
  s.add(App::dns, 5353, Transport::udp);
  s.add(App::http, 8081, Transport::tcp);
  s.add(App::ssl, 1234, Transport::tcp);  // third distinct port: overflow
  s.add(App::ssl, 4321, Transport::tcp);
  s.add(App::dns, 5353, Transport::udp);  // existing series still counts
  CHECK(s.counts().size() == 3);
  CHECK(s.counts().at({App::dns, 5353, Transport::udp}) == 3);
  CHECK(s.counts().at({App::ssl, MismatchSeries::kOther, Transport::tcp}) == 2);
  CHECK(s.overflowed() == 2);
}

TEST_CASE("the exposition has every family, _total counters and bounded labels") {
  MetricsSnapshot snap;
  snap.has_kernel = true;
  snap.kernel.values[PP_CNT_PACKETS] = 77;
  snap.kernel.values[PP_OUT_RINGBUF_FULL] = 3;
  snap.samples = 70;
  snap.verdicts_by_app = {{"dns", 39}, {"http", 0}};
  MismatchSeries s(10);
  s.add(App::dns, 443, Transport::udp);
  snap.mismatches = s.counts();
  exporters::ExporterStats hec;
  hec.name = "splunk_hec";
  hec.sent = 5;
  hec.dropped_queue_full = 2;
  hec.errors = 4;
  snap.exporters.push_back(hec);
  snap.reloads_ok = 1;
  const std::string text = exporters::exposition_text(snap);
  CAPTURE(text);
  for (const char* line :
       {"protoport_kernel_packets_total 77", "protoport_kernel_ringbuf_full_total 3",
        "protoport_samples_total 70", "protoport_verdicts_total{app=\"dns\"} 39",
        "protoport_mismatches_total{app=\"dns\",dest_port=\"443\",transport=\"udp\"} 1",
        "protoport_exporter_events_total{exporter=\"splunk_hec\",outcome=\"sent\"} 5",
        "protoport_exporter_events_total{exporter=\"splunk_hec\",outcome=\"dropped_queue_full\"} 2",
        "protoport_exporter_errors_total{exporter=\"splunk_hec\"} 4",
        "protoport_config_reloads_total{result=\"ok\"} 1", "# TYPE protoport_report_rows gauge",
        "# TYPE protoport_mismatches_total counter"})
    CHECK(text.find(std::string(line) + "\n") != std::string::npos);
  // No kernel program (a pipeline without one): no kernel families, the rest still there.
  snap.has_kernel = false;
  CHECK(exporters::exposition_text(snap).find("protoport_kernel_") == std::string::npos);
}

TEST_CASE("the server answers GET /metrics on loopback with the latest snapshot") {
  // Port: let the kernel pick a free one, then hand it to the server (a tiny race, retried).
  std::unique_ptr<exporters::MetricsServer> server;
  std::uint16_t port = 0;
  for (int attempt = 0; attempt < 5 && !server; ++attempt) {
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(probe, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    socklen_t len = sizeof sin;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&sin), &len);
    ::close(probe);
    port = ntohs(sin.sin_port);
    try {
      server = std::make_unique<exporters::MetricsServer>(
          exporters::parse_listen_address("127.0.0.1:" + std::to_string(port)));
    } catch (const exporters::SetupError&) {}
  }
  REQUIRE(server);
  MetricsSnapshot snap;
  snap.samples = 1234;
  server->publish(snap);
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), 0) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    response.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  CHECK(response.starts_with("HTTP/1.1 200"));
  CHECK(response.find("\nprotoport_samples_total 1234\n") != std::string::npos);

  // The same address again: a one-line error naming it.
  const std::string busy = "127.0.0.1:" + std::to_string(port);
  const std::string want = busy + ": cannot listen: Address already in use";
  CHECK_THROWS_WITH_AS(exporters::MetricsServer(exporters::parse_listen_address(busy)),
                       doctest::Contains(want.c_str()), exporters::SetupError);
}

namespace {

// A server on a free loopback port (the kernel picks one; a tiny race, retried).
std::unique_ptr<exporters::MetricsServer> free_port_server(std::uint16_t& port) {
  for (int attempt = 0; attempt < 5; ++attempt) {
    const int probe = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(probe, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
    socklen_t len = sizeof sin;
    ::getsockname(probe, reinterpret_cast<sockaddr*>(&sin), &len);
    ::close(probe);
    port = ntohs(sin.sin_port);
    try {
      return std::make_unique<exporters::MetricsServer>(
          exporters::parse_listen_address("127.0.0.1:" + std::to_string(port)));
    } catch (const exporters::SetupError&) {}
  }
  return nullptr;
}

int connect_loopback(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0);
  return fd;
}

// GET /metrics, reading for at most `limit`: the response ("" when none came in time).
std::string scrape(std::uint16_t port, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  const int fd = connect_loopback(port);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";
  REQUIRE(::send(fd, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()));
  std::string response;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    response.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return response;
}

struct Connections {
  std::vector<int> fds;
  ~Connections() {
    for (const int fd : fds) ::close(fd);
  }
};

}  // namespace

TEST_CASE("idle and slow clients do not keep a scrape from its answer") {
  std::uint16_t port = 0;
  const auto server = free_port_server(port);
  REQUIRE(server);
  MetricsSnapshot snap;
  snap.samples = 42;
  server->publish(snap);

  Connections held;
  // Connected and silent (a port scanner, a health check that only connects)...
  for (int i = 0; i < 4; ++i) held.fds.push_back(connect_loopback(port));
  // ...and a slowloris: half a request, the rest never sent.
  const int slow = connect_loopback(port);
  held.fds.push_back(slow);
  const std::string half = "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ";
  REQUIRE(::send(slow, half.data(), half.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(half.size()));

  const auto start = std::chrono::steady_clock::now();
  const std::string response = scrape(port, std::chrono::milliseconds(2500));
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK(response.starts_with("HTTP/1.1 200"));
  CHECK(response.find("\nprotoport_samples_total 42\n") != std::string::npos);
  CHECK(took < std::chrono::milliseconds(2500));
}

TEST_CASE("more silent connections than server threads: they are cut, the scrape still answers") {
  std::uint16_t port = 0;
  const auto server = free_port_server(port);
  REQUIRE(server);
  server->publish(MetricsSnapshot{});
  Connections held;
  for (int i = 0; i < 12; ++i) held.fds.push_back(connect_loopback(port));
  // Every worker may be waiting on a silent client: the request timeout frees them.
  const std::string response = scrape(port, std::chrono::milliseconds(8000));
  CHECK(response.starts_with("HTTP/1.1 200"));
  // The silent clients were disconnected by the server (not left open for ever).
  std::size_t closed = 0;
  for (const int fd : held.fds) {
    pollfd p{fd, POLLIN, 0};
    char c;
    if (::poll(&p, 1, 0) == 1 && ::recv(fd, &c, 1, MSG_DONTWAIT) <= 0) ++closed;
  }
  CHECK(closed >= 1);
}
