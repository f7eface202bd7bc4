// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The JSON, CSV and table formats: fields and layout, and hostile evidence that must come back
// intact (JSON via nlohmann, CSV via a strict RFC 4180 reader) or harmless (table).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/escape.h"
#include "policy/policy.h"
#include "policy_test_util.h"
#include "report/format.h"
#include "report_test_util.h"

using namespace protoport::report;
using namespace protoport;  // the escaping functions (common/escape.h), used as the oracle
using nlohmann::json;
using protoport::policy::App;
using protoport::policy::Mismatch;
using protoport::policy::Policy;
using protoport::policy::Transport;
using protoport::test::decode_terminal;
using protoport::test::hostile_strings;
using protoport::test::read_csv;
using protoport::test::verdict;

namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kT0 = 1'714'564'800 * kSecond;  // 2024-05-01T12:00:00Z

Mismatch mismatch(App app, std::uint16_t port, Transport transport = Transport::udp,
                  const char* src = "192.0.2.10", const char* dest = "198.51.100.53",
                  std::vector<protoport::fingerprint::Evidence> evidence = {},
                  std::int64_t t = kT0) {
  auto m =
      Policy().evaluate(verdict(app, port, transport, src, dest, t, std::move(evidence))).mismatch;
  REQUIRE(m);
  return *m;
}

ReportSnapshot sample_snapshot() {
  Aggregator agg;
  agg.add(mismatch(App::dns, 5353, Transport::udp, "192.0.2.10", "198.51.100.53",
                   {{"dns_qname", "printer.local", true}, {"dns_qtype", "A", true}}));
  agg.add(mismatch(App::dns, 5353, Transport::udp, "192.0.2.10", "198.51.100.53", {},
                   kT0 + 300 * kSecond));
  agg.add(mismatch(App::http, 9000, Transport::tcp, "192.0.2.10", "198.51.100.80",
                   {{"http_method", "GET", true}, {"http_host", "intranet:9000", true}},
                   kT0 + 60 * kSecond));
  agg.add(
      mismatch(App::ssl, 4433, Transport::tcp, "2001:db8::10", "2001:db8::443",
               {{"sni", "www.example.com", true}, {"alpn", "h2", true}, {"alpn", "http/1.1", true}},
               kT0 + 120 * kSecond));
  auto snap = agg.snapshot();
  snap.filtered = 7;
  snap.evicted_rows = 1;
  snap.evicted_flows = 3;
  return snap;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The keys of a JSON line in the order the line has them.
std::vector<std::string> keys_of(const std::string& line) {
  const auto object = nlohmann::ordered_json::parse(line);
  std::vector<std::string> keys;
  for (auto it = object.begin(); it != object.end(); ++it) keys.push_back(it.key());
  return keys;
}

// Column name -> cell for each CSV record after the header (checked against csv_columns()).
std::vector<std::map<std::string, std::string>> csv_records(const std::string& text) {
  const auto rows = read_csv(text);
  REQUIRE(rows.size() >= 1);
  const auto& columns = csv_columns();
  REQUIRE(rows[0].size() == columns.size());
  for (std::size_t i = 0; i < columns.size(); ++i) CHECK(rows[0][i] == columns[i]);
  std::vector<std::map<std::string, std::string>> out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    REQUIRE(rows[r].size() == columns.size());
    std::map<std::string, std::string> record;
    for (std::size_t i = 0; i < columns.size(); ++i) record[std::string(columns[i])] = rows[r][i];
    out.push_back(std::move(record));
  }
  return out;
}

void check_table_bytes(const std::string& text) {
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
  for (const unsigned char c : text) {
    if (c == '\n') continue;
    CHECK(c >= 0x20);
    CHECK(c < 0x7f);  // no DEL, no ESC (< 0x20), no UTF-8 or C1 bytes
  }
}

void check_width(const std::string& text, std::size_t width) {
  for (const std::string& line : lines_of(text)) {
    CAPTURE(line);
    CHECK(line.size() <= width);
  }
}

}  // namespace

TEST_CASE("format names") {
  CHECK(parse_format("table") == Format::table);
  CHECK(parse_format("json") == Format::json);
  CHECK(parse_format("csv") == Format::csv);
  CHECK_FALSE(parse_format("xml"));
  CHECK(to_string(Format::csv) == "csv");
}

TEST_CASE("JSON new_mismatch: CIM fields in order, numbers as numbers") {
  const auto f = make_formatter(Format::json);
  CHECK(f->header().empty());
  const std::string line =
      f->new_mismatch(mismatch(App::dns, 5353, Transport::udp, "192.0.2.10", "198.51.100.53",
                               {{"dns_qname", "printer.local", true}, {"dns_qtype", "A", true}}));
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  const json j = json::parse(line);
  CHECK(keys_of(line) == std::vector<std::string>{"event", "src_ip", "src_port", "dest_ip", "app",
                                                  "dest_port", "transport", "action", "rule",
                                                  "count", "firstTime", "lastTime", "expected",
                                                  "direction_by", "dns_qname", "dns_qtype"});
  CHECK(j["event"] == "new_mismatch");
  CHECK(j["src_ip"] == "192.0.2.10");
  CHECK(j["src_port"] == 40000);
  CHECK(j["dest_ip"] == "198.51.100.53");
  CHECK(j["app"] == "dns");
  CHECK(j["dest_port"] == 5353);
  CHECK(j["transport"] == "udp");
  CHECK(j["action"] == "allowed");
  CHECK(j["rule"] == "dns-unexpected-port");
  CHECK(j["count"] == 1);
  CHECK(j["firstTime"] == "2024-05-01T12:00:00");
  CHECK(j["lastTime"] == "2024-05-01T12:00:00");
  CHECK(j["expected"] == "53");
  CHECK(j["direction_by"] == "syn");
  CHECK(j["dns_qname"] == "printer.local");
  CHECK(j["dns_qtype"] == "A");
}

TEST_CASE("JSON report: one report_row per row, then report_summary") {
  const auto f = make_formatter(Format::json);
  const auto lines = lines_of(f->report(sample_snapshot(), kT0 + 600 * kSecond));
  REQUIRE(lines.size() == 4);
  const json dns = json::parse(lines[0]);
  CHECK(dns["event"] == "report_row");
  CHECK_FALSE(dns.contains("src_port"));
  CHECK(dns["count"] == 2);
  CHECK(dns["firstTime"] == "2024-05-01T12:00:00");
  CHECK(dns["lastTime"] == "2024-05-01T12:05:00");
  CHECK(dns["dns_qname"] == "printer.local");
  const json http = json::parse(lines[1]);
  CHECK(http["app"] == "http");
  CHECK(http["transport"] == "tcp");
  CHECK(http["expected"] == "80,8080,8000");
  CHECK(http["http_host"] == "intranet:9000");
  CHECK(http["http_method"] == "GET");
  const json ssl = json::parse(lines[2]);
  CHECK(ssl["src_ip"] == "2001:db8::10");
  CHECK(ssl["dest_ip"] == "2001:db8::443");
  CHECK(ssl["alpn"] == "h2,http/1.1");
  CHECK(ssl["sni"] == "www.example.com");
  const json summary = json::parse(lines[3]);
  CHECK(keys_of(lines[3]) == std::vector<std::string>{"event", "time", "rows", "count",
                                                      "evicted_rows", "evicted_flows", "filtered"});
  CHECK(summary["event"] == "report_summary");
  CHECK(summary["time"] == "2024-05-01T12:10:00");
  CHECK(summary["rows"] == 3);
  CHECK(summary["count"] == 4);
  CHECK(summary["evicted_rows"] == 1);
  CHECK(summary["evicted_flows"] == 3);
  CHECK(summary["filtered"] == 7);
}

TEST_CASE("risk events in every format") {
  RiskEvent e{protoport::test::ip("192.0.2.10"),
              protoport::test::ip("198.51.100.53"),
              App::dns,
              5353,
              Transport::udp,
              "dns-unexpected-port",
              4,
              kT0};
  const json j = json::parse(make_formatter(Format::json)->risk(e));
  CHECK(j["event"] == "risk");
  CHECK(j["risk_object"] == "192.0.2.10");
  CHECK(j["risk_object_type"] == "system");
  CHECK(j["risk_score"] == 25);
  CHECK(j["threat_object"] == "198.51.100.53");
  CHECK(j["threat_object_type"] == "ip_address");
  CHECK(j["message"] == "Port or Protocol Traffic Mismatch");
  CHECK(j["app"] == "dns");
  CHECK(j["dest_port"] == 5353);
  CHECK(j["rule"] == "dns-unexpected-port");
  CHECK(j["count"] == 4);
  CHECK(j["firstTime"] == "2024-05-01T12:00:00");

  const auto csv = make_formatter(Format::csv);
  const auto records = csv_records(csv->header() + csv->risk(e));
  REQUIRE(records.size() == 1);
  CHECK(records[0].at("event") == "risk");
  CHECK(records[0].at("risk_object") == "192.0.2.10");
  CHECK(records[0].at("risk_object_type") == "system");
  CHECK(records[0].at("risk_score") == "25");
  CHECK(records[0].at("threat_object") == "198.51.100.53");
  CHECK(records[0].at("threat_object_type") == "ip_address");
  CHECK(records[0].at("message") == "Port or Protocol Traffic Mismatch");
  CHECK(records[0].at("rule") == "dns-unexpected-port");
  CHECK(records[0].at("src_port").empty());

  const std::string table = make_formatter(Format::table)->risk(e);
  CHECK(table ==
        "RISK 192.0.2.10 -> 198.51.100.53 score 25: Port or Protocol Traffic Mismatch\n"
        "    risk_object 192.0.2.10 (system), threat_object 198.51.100.53 (ip_address),\n"
        "    dns on 5353/udp (dns-unexpected-port), 4 flows since 2024-05-01T12:00:00\n");
  check_width(table, 80);
}

TEST_CASE("CSV: one header for every event, rows parse back with the same fields") {
  const auto f = make_formatter(Format::csv);
  const std::string header = f->header();
  CHECK(
      header.rfind(
          "event,src_ip,src_port,dest_ip,app,dest_port,transport,action,rule,count,"
          "firstTime,lastTime,expected,direction_by,sni,http_host,http_method,dns_qname,dns_qtype,"
          "smtp_ehlo,alpn,",
          0) == 0);
  const std::string text =
      header +
      f->new_mismatch(mismatch(App::http, 9000, Transport::tcp, "192.0.2.10", "198.51.100.80",
                               {{"http_host", "intranet:9000", true}})) +
      f->report(sample_snapshot(), kT0);
  const auto records = csv_records(text);
  REQUIRE(records.size() == 5);
  CHECK(records[0].at("event") == "new_mismatch");
  CHECK(records[0].at("src_port") == "40000");
  CHECK(records[0].at("dest_port") == "9000");
  CHECK(records[0].at("expected") == "80,8080,8000");
  CHECK(records[0].at("http_host") == "intranet:9000");
  CHECK(records[0].at("action") == "allowed");
  CHECK(records[0].at("count") == "1");
  CHECK(records[1].at("event") == "report_row");
  CHECK(records[1].at("src_port").empty());
  CHECK(records[1].at("count") == "2");
  CHECK(records[1].at("lastTime") == "2024-05-01T12:05:00");
  CHECK(records[3].at("alpn") == "h2,http/1.1");
  CHECK(records[3].at("dest_ip") == "2001:db8::443");
  CHECK(records[4].at("event") == "report_summary");
  CHECK(records[4].at("rows") == "3");
  CHECK(records[4].at("count") == "4");
  CHECK(records[4].at("evicted_rows") == "1");
  CHECK(records[4].at("filtered") == "7");
}

TEST_CASE("table: a new mismatch shows what was found against what was expected") {
  const auto f = make_formatter(Format::table);
  CHECK(f->header().empty());
  const std::string text =
      f->new_mismatch(mismatch(App::dns, 5353, Transport::udp, "192.0.2.10", "198.51.100.53",
                               {{"dns_qname", "printer.local", true}, {"dns_qtype", "A", true}}));
  CHECK(text ==
        "NEW dns on 5353/udp, expected 53: 192.0.2.10:40000 -> 198.51.100.53\n"
        "    at 2024-05-01T12:00:00  dns-unexpected-port  dns_qname=printer.local\n"
        "    dns_qtype=A\n");
  check_table_bytes(text);
  const std::string v6 =
      f->new_mismatch(mismatch(App::ssl, 4433, Transport::tcp, "2001:db8::10", "2001:db8::443"));
  CHECK(
      v6.find("NEW ssl on 4433/tcp, expected 443,8443: [2001:db8::10]:40000 -> 2001:db8::443\n") ==
      0);
}

TEST_CASE("table report: aligned columns, times on a second line at 80 columns, summary") {
  const std::string text = make_formatter(Format::table)->report(sample_snapshot(), kT0);
  CHECK(text ==
        "protoport report 2024-05-01T12:00:00 UTC\n"
        "SRC_IP        DEST_IP        FOUND             EXPECTED      FLOWS\n"
        "    first and last seen (UTC), evidence\n"
        "192.0.2.10    198.51.100.53  dns on 5353/udp   53                2\n"
        "    first 2024-05-01T12:00:00  last 2024-05-01T12:05:00  dns_qname=printer.local\n"
        "    dns_qtype=A\n"
        "192.0.2.10    198.51.100.80  http on 9000/tcp  80,8080,8000      1\n"
        "    first 2024-05-01T12:01:00  last 2024-05-01T12:01:00  http_host=intranet:9000\n"
        "    http_method=GET\n"
        "2001:db8::10  2001:db8::443  ssl on 4433/tcp   443,8443          1\n"
        "    first 2024-05-01T12:02:00  last 2024-05-01T12:02:00  sni=www.example.com\n"
        "    alpn=h2,http/1.1\n"
        "3 rows, 4 flows; evicted 1 row (3 flows); filtered 7 flows\n");
  check_width(text, 80);
  check_table_bytes(text);
}

TEST_CASE("table report on a wide terminal puts the times on the row") {
  FormatOptions wide;
  wide.width = 160;
  const std::string text = make_formatter(Format::table, wide)->report(sample_snapshot(), kT0);
  const auto lines = lines_of(text);
  REQUIRE(lines.size() >= 3);
  CHECK(lines[1].find("FLOWS  FIRST (UTC)          LAST (UTC)") != std::string::npos);
  CHECK(lines[2].find("2  2024-05-01T12:00:00  2024-05-01T12:05:00") != std::string::npos);
  CHECK(lines[3] == "    dns_qname=printer.local  dns_qtype=A");
  check_width(text, 160);
}

TEST_CASE("table report without rows") {
  ReportSnapshot empty;
  CHECK(make_formatter(Format::table)->report(empty, kT0) ==
        "protoport report 2024-05-01T12:00:00 UTC\n"
        "no mismatches\n"
        "0 rows, 0 flows; evicted 0 rows (0 flows); filtered 0 flows\n");
}

TEST_CASE("hostile evidence: JSON stays valid, ASCII, one line, and carries the value") {
  const auto f = make_formatter(Format::json);
  for (const std::string& raw : hostile_strings()) {
    CAPTURE(for_terminal(raw, 60));
    for (const char* key : {"sni", "http_host", "dns_qname", "smtp_ehlo", "x_future_key"}) {
      const Mismatch m = mismatch(App::smtp, 2525, Transport::tcp, "192.0.2.10", "198.51.100.25",
                                  {{key, raw, false}});
      for (const std::string& text : {f->new_mismatch(m), [&] {
                                        Aggregator agg;
                                        agg.add(m);
                                        return f->report(agg.snapshot(), kT0);
                                      }()}) {
        std::size_t newlines = 0;
        for (const unsigned char c : text) {
          if (c == '\n') {
            ++newlines;
            continue;
          }
          CHECK(c >= 0x20);
          CHECK(c < 0x7f);
        }
        const auto lines = lines_of(text);
        CHECK(newlines == lines.size());
        const json j = json::parse(lines[0]);
        CHECK(j.at(key).get<std::string>() == for_json(raw));
        CHECK(j["app"] == "smtp");
        CHECK(j["dest_port"] == 2525);
      }
    }
  }
}

TEST_CASE("hostile evidence: CSV parses back to the same cells, one record per line") {
  const auto f = make_formatter(Format::csv);
  for (const std::string& raw : hostile_strings()) {
    CAPTURE(for_terminal(raw, 60));
    std::vector<protoport::fingerprint::Evidence> evidence;
    for (const char* key :
         {"sni", "http_host", "http_method", "dns_qname", "dns_qtype", "smtp_ehlo", "alpn"})
      evidence.push_back({key, raw, false});
    const Mismatch m =
        mismatch(App::http, 8081, Transport::tcp, "192.0.2.10", "198.51.100.80", evidence);
    Aggregator agg;
    agg.add(m);
    const std::string text = f->header() + f->new_mismatch(m) + f->report(agg.snapshot(), kT0);
    CHECK(text.find('\r') == std::string::npos);
    const auto records = csv_records(text);
    REQUIRE(records.size() == 3);
    CHECK(static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) == 4);
    for (std::size_t r = 0; r < 2; ++r) {
      CHECK(records[r].at("dest_port") == "8081");
      CHECK(records[r].at("rule") == "http-unexpected-port");
      for (const char* key :
           {"sni", "http_host", "http_method", "dns_qname", "dns_qtype", "smtp_ehlo", "alpn"}) {
        std::string cell = records[r].at(key);
        const std::string visible = for_terminal(raw);
        const bool formula =
            !visible.empty() && std::string("=+-@").find(visible[0]) != std::string::npos;
        if (formula) {
          REQUIRE(cell.size() > 0);
          CHECK(cell[0] == '\'');  // neutralised: a spreadsheet shows it as text
          cell.erase(0, 1);
        }
        CHECK(cell == visible);
        CHECK(decode_terminal(cell) == raw);  // nothing lost
      }
    }
  }
}

TEST_CASE("hostile evidence: the table holds no control byte and fits 80 columns") {
  const auto f = make_formatter(Format::table);
  for (const std::string& raw : hostile_strings()) {
    CAPTURE(for_terminal(raw, 60));
    const Mismatch m = mismatch(App::dns, 5353, Transport::udp, "192.0.2.10", "198.51.100.53",
                                {{"dns_qname", raw, false}, {"sni", raw, false}});
    Aggregator agg;
    agg.add(m);
    RiskTracker risk;
    for (const std::string& text :
         {f->new_mismatch(m), f->report(agg.snapshot(), kT0), f->risk(*risk.observe(m))}) {
      check_table_bytes(text);
      check_width(text, 80);
    }
    const std::string shown = f->new_mismatch(m);
    const std::string visible = for_terminal(raw);
    if (visible.size() <= 60)
      CHECK(shown.find("dns_qname=" + visible) != std::string::npos);
    else
      CHECK(shown.find("dns_qname=" + visible.substr(0, 20)) != std::string::npos);
  }
}

TEST_CASE(
    "every evidence key a fingerprint can emit has a CSV column, a JSON field and a table field") {
  const auto& columns = csv_columns();
  const auto header = read_csv(csv_header());
  REQUIRE(header.size() == 1);
  for (std::size_t i = 0; i < protoport::fingerprint::kEvidenceKeyCount; ++i) {
    const auto key = static_cast<protoport::fingerprint::EvidenceKey>(i);
    const std::string name(protoport::fingerprint::to_string(key));
    CAPTURE(name);
    REQUIRE(name != "unknown");
    const auto column = std::find(columns.begin(), columns.end(), name);
    REQUIRE(column != columns.end());
    const Mismatch m = mismatch(App::ssl, 4433, Transport::tcp, "192.0.2.10", "198.51.100.80",
                                {{name, "value-of-" + name, true}});
    CHECK(json::parse(json_line(record_new_mismatch(m)))[name] == "value-of-" + name);
    const auto cells = read_csv(csv_line(record_new_mismatch(m)));
    REQUIRE(cells.size() == 1);
    REQUIRE(cells[0].size() == columns.size());
    CHECK(cells[0][static_cast<std::size_t>(column - columns.begin())] == "value-of-" + name);
    CHECK(make_formatter(Format::table)->new_mismatch(m).find(name + "=value-of-" + name) !=
          std::string::npos);
  }
}

namespace {

// The evidence items of a table's new_mismatch text (its lines after the first, and the first
// line's items after the rule), split on the two-space separator, each key=decoded value.
std::map<std::string, std::string> table_evidence(const std::string& text) {
  std::map<std::string, std::string> out;
  std::string items;
  std::istringstream in(text);
  std::string line;
  bool first = true;
  while (std::getline(in, line)) {
    if (first) {  // "NEW ...": evidence comes on the continuation lines
      first = false;
      continue;
    }
    REQUIRE(line.rfind("    ", 0) == 0);
    items += (items.empty() ? "" : "  ") + line.substr(4);
  }
  std::size_t start = 0;
  while (start <= items.size()) {
    const std::size_t end = std::min(items.find("  ", start), items.size());
    const std::string item = items.substr(start, end - start);
    start = end + 2;
    if (item.rfind("at ", 0) == 0 || item.find('=') == std::string::npos) continue;  // time, rule
    const std::string key = item.substr(0, item.find('='));
    REQUIRE_MESSAGE(out.count(key) == 0, "field read twice: " << key);
    out[key] = decode_terminal(item.substr(item.find('=') + 1));
  }
  return out;
}

}  // namespace

TEST_CASE("no payload can forge a field: each format reads back as the same fields and bytes") {
  std::vector<std::string> values = hostile_strings();
  values.pop_back();  // "": an empty value is no forgery
  values.push_back("a  sni=bank.example  tls_versions=TLSv1.3");
  values.push_back(" lead and trail ");
  values.push_back("\\xff");  // the text, as a payload may hold it
  values.push_back("\xff");   // the byte
  values.push_back("x\",\"sni\":\"y");
  for (const std::string& raw : values) {
    if (raw.size() > 200) continue;  // the table cuts long values by design
    CAPTURE(for_terminal(raw, 80));
    const Mismatch m = mismatch(App::http, 8081, Transport::tcp, "192.0.2.10", "198.51.100.80",
                                {{"http_host", raw, false}, {"http_method", "GET", true}});
    // JSON: the value, or its exact bytes beside it when it was not UTF-8.
    const json j = json::parse(json_line(record_new_mismatch(m)));
    CHECK(j.count("sni") == 0);
    CHECK(j.count("tls_versions") == 0);
    std::string bytes = j.at("http_host").get<std::string>();
    if (j.contains("http_host_hex")) {
      const std::string h = j.at("http_host_hex").get<std::string>();
      bytes.clear();
      for (std::size_t i = 0; i + 1 < h.size(); i += 2)
        bytes += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
    }
    CHECK(bytes == raw);
    CHECK(j.contains("http_host_hex") == (for_json(raw) != raw));
    // Table: exactly the two fields, the value decoded back to its bytes.
    const auto fields = table_evidence(make_formatter(Format::table, {100000})->new_mismatch(m));
    CHECK(fields.size() == 2);
    CHECK(fields.at("http_host") == raw);
    CHECK(fields.at("http_method") == "GET");
    // CSV: the cell decodes to the bytes.
    const auto cells = read_csv(csv_header() + csv_line(record_new_mismatch(m)));
    REQUIRE(cells.size() == 2);
    const auto& columns = csv_columns();
    const auto at = std::find(columns.begin(), columns.end(), "http_host") - columns.begin();
    std::string cell = cells[1][static_cast<std::size_t>(at)];
    if (!cell.empty() && cell[0] == '\'' &&
        std::string("=+-@").find(for_terminal(raw)[0]) != std::string::npos)
      cell.erase(0, 1);
    CHECK(decode_terminal(cell) == raw);
  }
}

TEST_CASE("process attribution in every format, its strings escaped like payload") {
  auto m = mismatch(App::http, 8081, Transport::tcp);
  auto p = std::make_shared<protoport::ProcessInfo>();
  p->pid = 4242;
  p->start_ns = 1;
  p->name = "ev\x1b[31mil\",x";  // anyone may name a process so
  p->path = "/tmp/a b/ev\nil";
  p->uid = 1000;
  p->user = "alice";
  p->cgroup = "/user.slice";
  m.process = p;
  const std::string json = json_line(record_new_mismatch(m));
  CHECK(json.find("\"process_id\":4242") != std::string::npos);
  CHECK(json.find("\"user_id\":1000") != std::string::npos);
  CHECK(json.find("\"user\":\"alice\"") != std::string::npos);
  CHECK(json.find('\x1b') == std::string::npos);
  CHECK(json.find("ev\\u001b[31mil\\\",x") != std::string::npos);
  CHECK(json.find("\\n") != std::string::npos);
  const auto csv = make_formatter(Format::csv);
  const std::string row = csv->new_mismatch(m);
  CHECK(row.find('\x1b') == std::string::npos);
  CHECK(row.find("4242") != std::string::npos);
  const auto table = make_formatter(Format::table);
  const std::string text = table->new_mismatch(m);
  check_table_bytes(text);
  CHECK(text.find("process ev") != std::string::npos);
  CHECK(text.find("pid 4242") != std::string::npos);
  CHECK(text.find("user alice (1000)") != std::string::npos);
  // A row: the first flow's process, and how many distinct processes its flows had.
  Aggregator agg;
  agg.add(m);
  auto other = m;
  auto q = std::make_shared<protoport::ProcessInfo>(*p);
  q->pid = 4243;
  other.process = q;
  agg.add(other);
  agg.add(m);
  const auto snap = agg.snapshot();
  REQUIRE(snap.rows.size() == 1);
  const std::string row_json = json_line(record_row(snap.rows[0]));
  CHECK(row_json.find("\"process_count\":2") != std::string::npos);
  CHECK(row_json.find("\"process_id\":4242") != std::string::npos);
}
