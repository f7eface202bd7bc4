// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// RFC 5424 messages: header fields, PRI, timestamp, every CIM field in the structured data,
// hostile evidence escaped so that the message parses back to the same bytes (as escaped by
// for_syslog_param), and the size limit.
#include <doctest/doctest.h>

#include "common/escape.h"
#include "export/syslog_format.h"
#include "export_test_util.h"

using namespace protoport;
using exporters::EventKind;
using exporters::format_rfc5424;
using exporters::SyslogHeader;

namespace {

SyslogHeader header(std::size_t max_bytes = 8192) {
  return SyslogHeader{16, "sensor-1", "protoport", "4242", "protoport@32473", max_bytes};
}

}  // namespace

TEST_CASE("a new mismatch becomes one RFC 5424 message with every CIM field") {
  const auto m = format_rfc5424(test::mismatch_event(), header());
  CHECK_FALSE(m.truncated);
  CHECK(m.text.find('\n') == std::string::npos);
  const auto r = test::parse_rfc5424(m.text);
  CHECK(r.pri == 16 * 8 + 4);  // local0.warning
  CHECK(r.version == "1");
  CHECK(r.timestamp == "2021-07-02T08:47:04.123456Z");
  CHECK(r.hostname == "sensor-1");
  CHECK(r.app_name == "protoport");
  CHECK(r.procid == "4242");
  CHECK(r.msgid == "new_mismatch");
  CHECK(r.sd_id == "protoport@32473");
  CHECK(r.param("src_ip") == "192.0.2.1");
  CHECK(r.param("src_port") == "40000");
  CHECK(r.param("dest_ip") == "2001:db8::2");
  CHECK(r.param("app") == "dns");
  CHECK(r.param("dest_port") == "5353");
  CHECK(r.param("transport") == "udp");
  CHECK(r.param("action") == "allowed");
  CHECK(r.param("rule") == "dns-unexpected-port");
  CHECK(r.param("count") == "1");
  CHECK(r.param("firstTime") == "2021-07-02T08:47:04");
  CHECK(r.param("lastTime") == "2021-07-02T08:47:04");
  CHECK(r.param("expected") == "53");
  CHECK(r.param("dns_qname") == "www.example.com");
  CHECK(r.param("dns_qtype") == "TXT");
  CHECK(r.msg == "dns on 5353/udp from 192.0.2.1 -> 2001:db8::2, expected 53");
}

TEST_CASE("report rows are info, risk events warning, each with its MSGID") {
  const auto mm = test::sample_mismatch();
  report::Row row;
  row.key = {mm.src_ip, mm.dest_ip, mm.app, mm.dest_port, mm.transport, mm.rule};
  row.expected = "53";
  row.count = 7;
  row.first_ns = row.last_ns = mm.time_ns;
  const auto rr = test::parse_rfc5424(
      format_rfc5424({EventKind::report_row, row.last_ns, report::record_row(row)}, header()).text);
  CHECK(rr.pri == 16 * 8 + 6);
  CHECK(rr.msgid == "report_row");
  CHECK(rr.param("count") == "7");
  CHECK(rr.msg.ends_with(": 7 flows"));

  report::RiskEvent risk{mm.src_ip,    mm.dest_ip, mm.app, mm.dest_port,
                         mm.transport, mm.rule,    1,      mm.time_ns};
  const auto r = test::parse_rfc5424(
      format_rfc5424({EventKind::risk, risk.first_ns, report::record_risk(risk)}, header()).text);
  CHECK(r.pri == 16 * 8 + 4);
  CHECK(r.msgid == "risk");
  CHECK(r.param("risk_object") == "192.0.2.1");
  CHECK(r.param("risk_object_type") == "system");
  CHECK(r.param("risk_score") == "25");
  CHECK(r.param("threat_object") == "2001:db8::2");
  CHECK(r.param("threat_object_type") == "ip_address");
  CHECK(r.param("message") == "Port or Protocol Traffic Mismatch");
}

TEST_CASE("hostile evidence is escaped per RFC 5424 and parses back to the escaped value") {
  for (const std::string& evil : test::hostile_evidence()) {
    CAPTURE(protoport::for_terminal(evil, 60));
    const auto m = format_rfc5424(test::mismatch_event(evil), header(65000));
    CHECK(m.text.find('\n') == std::string::npos);
    CHECK(m.text.find('\r') == std::string::npos);
    CHECK(m.text.find('\x1b') == std::string::npos);
    CHECK(m.text.find('\0') == std::string::npos);
    const auto r = test::parse_rfc5424(m.text);
    // Exactly the fields that went in: an injected `x="y"]` did not become a parameter.
    CHECK(r.params.size() == 15);  // a new_mismatch's 14 fields and its one evidence field
    // Unescaping \" \\ \] gives back for_syslog_param's text before those three escapes.
    std::string expect;
    for (const char c : protoport::for_syslog_param(evil)) expect += c;
    std::string unescaped;
    for (std::size_t i = 0; i < expect.size(); ++i) {
      if (expect[i] == '\\' && i + 1 < expect.size() &&
          (expect[i + 1] == '"' || expect[i + 1] == '\\' || expect[i + 1] == ']'))
        ++i;
      unescaped += expect[i];
    }
    CHECK(r.param("dns_qname") == unescaped);
    CHECK(r.param("dest_port") == "5353");
  }
}

TEST_CASE("a message over the size limit loses evidence, never the CIM key fields") {
  auto event = test::mismatch_event(std::string(4000, 'x'));
  const auto m = format_rfc5424(event, header(1024));
  CHECK(m.truncated);
  CHECK(m.text.size() <= 1024);
  const auto r = test::parse_rfc5424(m.text);
  for (const char* f : {"src_ip", "src_port", "dest_ip", "app", "dest_port", "transport", "action",
                        "rule", "count", "firstTime", "lastTime", "expected"})
    CHECK(!r.param(f).empty());
  // Within the limit: untouched.
  const auto small = format_rfc5424(test::mismatch_event(), header(1024));
  CHECK_FALSE(small.truncated);
}

TEST_CASE("header fields are printable ASCII and cut to their RFC lengths") {
  auto h = header();
  h.hostname = "bad host\nname";
  h.app_name = std::string(100, 'a');
  const auto r = test::parse_rfc5424(format_rfc5424(test::mismatch_event(), h).text);
  CHECK(r.hostname == "badhostname");
  CHECK(r.app_name.size() == 48);
  h.hostname.clear();
  CHECK(test::parse_rfc5424(format_rfc5424(test::mismatch_event(), h).text).hostname == "-");
  CHECK(exporters::rfc5424_timestamp(0) == "1970-01-01T00:00:00.000000Z");
}
