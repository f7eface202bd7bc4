// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Helpers for the exporter tests: events with hostile evidence, and a strict RFC 5424 reader
// (header fields, structured data with its escapes undone) to prove that a message parses back
// to exactly the fields that went in.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "export/event.h"
#include "policy/policy.h"
#include "report/record.h"

namespace protoport::test {

inline std::vector<std::string> hostile_evidence() {
  return {
      "\x1b[31mred\x1b[0m",
      "evil.example\r\nX-Injected: 1",
      std::string("nul\0byte", 8),
      "quote\" ] close] [open \\ back\\slash",
      "param=\"x\" other=\"y\"]",
      "caf\xc3\xa9 \xff\xfe \xc0\xaf",
      "del\x7f c1 \xc2\x9b",
      std::string(3000, 'A'),
      "",
  };
}

inline policy::Mismatch sample_mismatch(std::string qname = "www.example.com") {
  policy::Mismatch m;
  m.src_ip = *IpAddr::parse("192.0.2.1");
  m.dest_ip = *IpAddr::parse("2001:db8::2");
  m.src_port = 40000;
  m.dest_port = 5353;
  m.transport = fingerprint::Transport::udp;
  m.app = fingerprint::App::dns;
  m.rule = "dns-unexpected-port";
  m.expected = "53";
  m.time_ns = 1625215624'123456789LL;  // 2021-07-02T08:47:04.123456789Z
  m.evidence.push_back({"dns_qname", std::move(qname), false});
  m.evidence.push_back({"dns_qtype", "TXT", true});
  return m;
}

inline exporters::Event mismatch_event(std::string qname = "www.example.com") {
  const auto m = sample_mismatch(std::move(qname));
  return {exporters::EventKind::new_mismatch, m.time_ns, report::record_new_mismatch(m)};
}

struct Rfc5424 {
  int pri = -1;
  std::string version, timestamp, hostname, app_name, procid, msgid, sd_id, msg;
  std::vector<std::pair<std::string, std::string>> params;  // unescaped, in order
  std::string param(const std::string& name) const {
    for (const auto& [k, v] : params)
      if (k == name) return v;
    FAIL("no SD-PARAM " << name);
    return {};
  }
};

// Parses one message with exactly one SD-ELEMENT; fails the test on anything malformed.
inline Rfc5424 parse_rfc5424(const std::string& text) {
  Rfc5424 r;
  std::size_t i = 0;
  REQUIRE(text.size() > 4);
  REQUIRE(text[0] == '<');
  const auto gt = text.find('>');
  REQUIRE(gt != std::string::npos);
  REQUIRE(gt <= 4);
  r.pri = std::stoi(text.substr(1, gt - 1));
  i = gt + 1;
  const auto word = [&](std::string& out) {
    const auto sp = text.find(' ', i);
    REQUIRE(sp != std::string::npos);
    out = text.substr(i, sp - i);
    REQUIRE(!out.empty());
    for (const char c : out) REQUIRE((c >= 33 && c <= 126));
    i = sp + 1;
  };
  word(r.version);
  word(r.timestamp);
  word(r.hostname);
  word(r.app_name);
  word(r.procid);
  word(r.msgid);
  REQUIRE(text[i] == '[');
  ++i;
  const auto name_end = [&](const std::string& stops) {
    const std::size_t start = i;
    while (i < text.size() && stops.find(text[i]) == std::string::npos) {
      const char c = text[i];
      REQUIRE((c >= 33 && c <= 126));
      REQUIRE(c != '"');
      ++i;
    }
    REQUIRE(i < text.size());
    REQUIRE(i - start >= 1);
    REQUIRE(i - start <= 32);
    return text.substr(start, i - start);
  };
  r.sd_id = name_end(" ]");
  while (text[i] == ' ') {
    ++i;
    std::string name = name_end("=");
    REQUIRE(text[i] == '=');
    REQUIRE(text[i + 1] == '"');
    i += 2;
    std::string value;
    for (;;) {
      REQUIRE(i < text.size());
      const char c = text[i];
      if (c == '\\' && i + 1 < text.size() &&
          (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == ']')) {
        value += text[i + 1];
        i += 2;
        continue;
      }
      REQUIRE_MESSAGE(c != ']', "unescaped ] inside a PARAM-VALUE");
      REQUIRE_MESSAGE(c != '\n', "line break inside a PARAM-VALUE");
      if (c == '"') break;
      value += c;
      ++i;
    }
    ++i;  // closing quote
    r.params.emplace_back(std::move(name), std::move(value));
  }
  REQUIRE(text[i] == ']');
  ++i;
  REQUIRE(text[i] == ' ');
  r.msg = text.substr(i + 1);
  return r;
}

}  // namespace protoport::test
