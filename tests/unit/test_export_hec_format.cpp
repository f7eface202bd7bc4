// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The Splunk HEC envelope: time/host/source/sourcetype/index/event, the event being exactly the
// --output JSON line, valid JSON for any evidence bytes.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "export/hec_format.h"
#include "export_test_util.h"
#include "report/format.h"

using namespace protoport;
using exporters::hec_event_json;
using exporters::HecEnvelope;

TEST_CASE("the envelope carries time, host, source, sourcetype, index and the CIM event") {
  const auto event = test::mismatch_event();
  const std::string text =
      hec_event_json(event, {"sensor-1", "protoport", "protoport:net", "netsec"});
  CHECK(text.find('\n') == std::string::npos);
  const auto j = nlohmann::json::parse(text);
  CHECK(j.size() == 6);
  CHECK(j["time"].get<double>() == doctest::Approx(1625215624.123));
  CHECK(text.starts_with("{\"time\":1625215624.123,"));
  CHECK(j["host"] == "sensor-1");
  CHECK(j["source"] == "protoport");
  CHECK(j["sourcetype"] == "protoport:net");
  CHECK(j["index"] == "netsec");
  // The event is the same object --output writes.
  CHECK(j["event"] == nlohmann::json::parse(report::json_line(event.record)));
  const auto& e = j["event"];
  CHECK(e["event"] == "new_mismatch");
  CHECK(e["src_ip"] == "192.0.2.1");
  CHECK(e["src_port"] == 40000);
  CHECK(e["dest_ip"] == "2001:db8::2");
  CHECK(e["app"] == "dns");
  CHECK(e["dest_port"] == 5353);
  CHECK(e["transport"] == "udp");
  CHECK(e["action"] == "allowed");
  CHECK(e["rule"] == "dns-unexpected-port");
  CHECK(e["count"] == 1);
  CHECK(e["firstTime"] == "2021-07-02T08:47:04");
  CHECK(e["lastTime"] == "2021-07-02T08:47:04");
  CHECK(e["dns_qname"] == "www.example.com");
}

TEST_CASE("no index: left out, so the token's default index applies") {
  const auto j =
      nlohmann::json::parse(hec_event_json(test::mismatch_event(), {"h", "s", "st", ""}));
  CHECK_FALSE(j.contains("index"));
  CHECK(j.size() == 5);
}

TEST_CASE("hostile evidence and configuration strings still give one valid JSON object") {
  for (const std::string& evil : test::hostile_evidence()) {
    const std::string text = hec_event_json(test::mismatch_event(evil), {evil, evil, "st", evil});
    CHECK(text.find('\n') == std::string::npos);
    for (const unsigned char c : text) CHECK(c >= 0x20);
    const auto j = nlohmann::json::parse(text);  // throws (fails) if invalid
    CHECK(j["event"]["dest_port"] == 5353);
  }
}

TEST_CASE("HEC time has millisecond precision and no exponent") {
  CHECK(exporters::hec_time(0) == "0.000");
  CHECK(exporters::hec_time(1'000'999'999) == "1.000");
  CHECK(exporters::hec_time(1625215624'999'000'000LL) == "1625215624.999");
}
