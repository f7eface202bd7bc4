// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The real detection pipeline (pipeline::Pipeline, through make_sink as watch and replay build
// it) driven with ring-buffer samples: a mismatch is printed at once as a JSON line and appended
// to --output, a normal flow prints nothing, the final report aggregates, --flows gets every
// verdict, a filter from the configuration file suppresses and counts, --dump prints samples.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/ip_addr.h"
#include "pipeline/pipeline.h"
#include "pipeline/sample_sink.h"

using namespace protoport;

namespace {

constexpr std::int64_t kWall = 1'700'000'000'000'000'000;  // 2023-11-14T22:13:20 UTC

// A DNS query for a.lab.test, type A.
std::vector<std::uint8_t> dns_query() {
  std::vector<std::uint8_t> m = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  for (const char* label : {"a", "lab", "test"}) {
    m.push_back(static_cast<std::uint8_t>(std::strlen(label)));
    m.insert(m.end(), label, label + std::strlen(label));
  }
  m.insert(m.end(), {0, 0, 1, 0, 1});
  return m;
}

pp_sample header(const char* src, std::uint16_t sport, const char* dst, std::uint16_t dport,
                 std::size_t len, std::uint64_t flow_ns) {
  pp_sample s{};
  const auto a = *IpAddr::parse(src);
  const auto b = *IpAddr::parse(dst);
  std::memcpy(s.saddr, a.bytes.data(), 16);
  std::memcpy(s.daddr, b.bytes.data(), 16);
  s.sport = sport;
  s.dport = dport;
  s.proto = PP_IPPROTO_UDP;
  s.family = a.v4 ? PP_FAMILY_V4 : PP_FAMILY_V6;
  s.dir = PP_DIR_TO_RESP;
  s.flow_ns = flow_ns;
  s.payload_len = static_cast<std::uint32_t>(len);
  s.cap_len = static_cast<std::uint16_t>(len);
  return s;
}

// A file in a fresh temporary directory, removed with it.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/pp_test_pipeline.XXXXXX";
    REQUIRE(mkdtemp(tmpl) != nullptr);
    path = tmpl;
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
  std::string file(const char* name) const { return path + "/" + name; }
};

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// What the sink wrote to its output stream.
struct Captured {
  char* data = nullptr;
  std::size_t size = 0;
  std::FILE* file = open_memstream(&data, &size);
  ~Captured() {
    if (file) std::fclose(file);
    std::free(data);
  }
  std::string text() {
    std::fflush(file);
    return std::string(data, size);
  }
};

}  // namespace

TEST_CASE("a DNS query on 5300/udp is a mismatch row at once, on stdout and in --output") {
  TempDir dir;
  pipeline::Options o;
  o.format = "json";
  o.output_file = dir.file("rows.json");
  o.flows_file = dir.file("flows.json");
  Captured out;
  auto sink = pipeline::make_sink(o, false, out.file);
  const auto q = dns_query();
  sink->on_sample(header("192.0.2.1", 40000, "192.0.2.2", 5300, q.size(), 1), q, kWall);
  sink->on_sample(header("192.0.2.1", 40001, "192.0.2.2", 53, q.size(), 2), q, kWall);  // normal

  auto lines = json_lines(out.text());
  REQUIRE(lines.size() == 1);
  const auto& row = lines[0];
  CHECK(row["event"] == "new_mismatch");
  CHECK(row["src_ip"] == "192.0.2.1");
  CHECK(row["src_port"] == 40000);
  CHECK(row["dest_ip"] == "192.0.2.2");
  CHECK(row["dest_port"] == 5300);
  CHECK(row["app"] == "dns");
  CHECK(row["transport"] == "udp");
  CHECK(row["rule"] == "dns-unexpected-port");
  CHECK(row["expected"] == "53");
  CHECK(row["dns_qname"] == "a.lab.test");
  CHECK(row["firstTime"] == "2023-11-14T22:13:20");
  CHECK(json_lines(read_all(o.output_file)).size() == 1);

  sink->on_sample(header("192.0.2.1", 40002, "192.0.2.2", 5300, q.size(), 3), q, kWall + 1);
  sink->finish();
  lines = json_lines(out.text());
  REQUIRE(lines.size() == 3);  // the first row, then the report: one row (2 flows), the summary
  CHECK(lines[1]["event"] == "report_row");
  CHECK(lines[1]["count"] == 2);
  CHECK(lines[2]["event"] == "report_summary");
  CHECK(lines[2]["rows"] == 1);
  CHECK(json_lines(read_all(o.flows_file)).size() == 3);  // every verdict, mismatch or not

  auto& p = dynamic_cast<pipeline::Pipeline&>(*sink);
  CHECK(p.tracker_stats().verdicts == 3);
  CHECK(p.mismatching_flows() == 2);
  CHECK(p.report_rows() == 1);
}

TEST_CASE("a filter of the configuration file suppresses the mismatch and counts it") {
  TempDir dir;
  const std::string config = dir.file("protoport.yaml");
  std::ofstream(config) << "filters:\n  - app: dns\n    dest_port: 5300\n";
  pipeline::Options o;
  o.format = "json";
  o.config_file = config;
  Captured out;
  pipeline::Pipeline p(o, out.file);
  const auto q = dns_query();
  p.on_sample(header("192.0.2.1", 40000, "192.0.2.2", 5300, q.size(), 1), q, kWall);
  CHECK(out.text().empty());
  CHECK(p.mismatching_flows() == 0);
  CHECK(p.snapshot().filtered == 1);
}

TEST_CASE("--dump prints each sample, escaped, and detects nothing") {
  pipeline::Options o;
  o.format = "json";
  Captured out;
  auto sink = pipeline::make_sink(o, true, out.file);
  const std::string payload = "GET / HTTP/1.1\r\n\x1b[31m";
  const std::vector<std::uint8_t> bytes(payload.begin(), payload.end());
  sink->on_sample(header("192.0.2.1", 40000, "192.0.2.2", 8081, bytes.size(), 1), bytes, kWall);
  sink->finish();
  const std::string text = out.text();
  CHECK(text.find("udp 192.0.2.1:40000 -> 192.0.2.2:8081") != std::string::npos);
  CHECK(text.find("\\x1b[31m") != std::string::npos);
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find("new_mismatch") == std::string::npos);
}

TEST_CASE(
    "a full disk under --output or on stdout does not stop detection; lost rows are counted") {
  TempDir dir;
  pipeline::Options o;
  o.format = "json";
  o.output_file = "/dev/full";  // every write: ENOSPC
  o.flows_file = dir.file("flows.json");
  std::FILE* full = std::fopen("/dev/full", "w");
  REQUIRE(full != nullptr);
  {
    pipeline::Pipeline p(o, full);
    const auto q = dns_query();
    CHECK_NOTHROW(
        p.on_sample(header("192.0.2.1", 40000, "192.0.2.2", 5300, q.size(), 1), q, kWall));
    CHECK(p.writes_lost() == 2);                            // the row on stdout and in --output
    CHECK(json_lines(read_all(o.flows_file)).size() == 1);  // the other file still written
    CHECK_NOTHROW(
        p.on_sample(header("192.0.2.1", 40001, "192.0.2.2", 5301, q.size(), 2), q, kWall));
    CHECK(p.writes_lost() == 4);
    CHECK(p.mismatching_flows() == 2);  // detection went on
    CHECK_NOTHROW(p.finish());
    CHECK(json_lines(read_all(o.flows_file)).size() == 2);
  }
  std::fclose(full);
}

TEST_CASE("keys sprayed past --max-report-rows are announced once each, not once per eviction") {
  pipeline::Options o;
  o.format = "json";
  o.max_report_rows = 10;
  Captured out;
  pipeline::Pipeline p(o, out.file);
  const auto q = dns_query();
  std::uint64_t flow = 0;
  for (int round = 0; round < 5; ++round)
    for (std::uint16_t port = 6000; port < 6050; ++port, ++flow)
      p.on_sample(header("192.0.2.1", 40000, "192.0.2.2", port, q.size(), flow + 1), q, kWall);
  const auto lines = json_lines(out.text());
  CHECK(lines.size() == 50);  // one new_mismatch per distinct key
  CHECK(p.mismatching_flows() == 250);
  CHECK(p.announcements_held() == 200);
  CHECK(p.report_rows() == 10);
}
