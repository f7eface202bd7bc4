// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// `protoport policy` text: rules, expected ports per app and transport, filters; 80 columns.
#include <doctest/doctest.h>

#include <sstream>

#include "policy/config.h"
#include "policy/describe.h"

using protoport::policy::describe;
using protoport::policy::parse_policy_text;
using protoport::policy::Policy;

namespace {

void check_lines_fit(const std::string& text, std::size_t width) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    CAPTURE(line);
    CHECK(line.size() <= width);
    for (const unsigned char c : line) CHECK((c >= 0x20 && c < 0x7f));
  }
  CHECK(text.back() == '\n');
}

}  // namespace

TEST_CASE("the default policy, described") {
  const std::string text = describe(Policy());
  CHECK(text ==
        "Policy: built-in\n"
        "Preset: default (Splunk \"Protocol or Port Mismatch\": the detection's four\n"
        "  original rules, and port rules for what belongs on 80, 443, 53 and 25)\n"
        "\n"
        "App rules (the search's direction): a flow of APP to a destination port not\n"
        "  listed is a mismatch.\n"
        "  RULE                  APP   EXPECTED PORTS\n"
        "  dns-unexpected-port   dns   53\n"
        "  http-unexpected-port  http  80, 8080, 8000\n"
        "  ssl-unexpected-port   ssl   443, 8443\n"
        "  smtp-unexpected-port  smtp  25\n"
        "  (PORT alone: tcp and udp; PORT/tcp, PORT/udp: that transport only)\n"
        "\n"
        "Port rules (the description's direction): a flow to PORT whose app has no app\n"
        "  rule and is none of those listed is a mismatch; unknown only when its opening\n"
        "  was seen whole (>= 16 bytes from the initiator, the TCP handshake seen) and is\n"
        "  not even loosely shaped like the expected protocol.\n"
        "  RULE                      PORT     EXPECTED APPS\n"
        "  smtp-port-other-protocol  25/tcp   smtp\n"
        "  dns-port-other-protocol   53/tcp   dns\n"
        "  dns-port-other-protocol   53/udp   dns\n"
        "  http-port-other-protocol  80/tcp   http\n"
        "  ssl-port-other-protocol   443/tcp  ssl\n"
        "  quic-port-other-protocol  443/udp  quic\n"
        "\n"
        "Filters: none\n");
  check_lines_fit(text, 80);
}

TEST_CASE("a configured policy: per-transport ports, added rules, filters with comments") {
  const Policy p = parse_policy_text(R"(preset: escu-v10
expected_ports:
  dns: [53, "853/tcp"]
  ssh: 22
filters:
  - src: "2001:db8:aaaa:bbbb:cccc:dddd:eeee:0/112"
    dest: "2001:db8:1111:2222:3333:4444:5555:0/112"
    app: dns
    dest_port: 5353
    transport: udp
    comment: "lab resolvers \e[2J with a long comment that has to wrap onto a second line here"
  - dest_port: 8081
)",
                                     "/etc/protoport.yaml");
  const std::string text = describe(p);
  CAPTURE(text);
  CHECK(text.find("Policy: /etc/protoport.yaml\n") == 0);
  CHECK(text.find("Preset: escu-v10 (Splunk ESCU") != std::string::npos);
  CHECK(text.find("  dns-unexpected-port   dns   53, 853/tcp\n") != std::string::npos);
  CHECK(text.find("  ssl-unexpected-port   ssl   443, 8443, 465, 993\n") != std::string::npos);
  CHECK(text.find("  smtp-unexpected-port  smtp  25, 587, 2525\n") != std::string::npos);
  CHECK(text.find("  ssh-unexpected-port   ssh   22\n") != std::string::npos);
  CHECK(text.find("  ssl-port-other-protocol   443/tcp  ssl\n") != std::string::npos);
  // Every app can be reported by some rule: none is listed as never a mismatch.
  CHECK(text.find("Never a mismatch") == std::string::npos);
  CHECK(text.find("  filters[0] (line 6): src 2001:db8:aaaa:bbbb:cccc:dddd:eeee:0/112,") !=
        std::string::npos);
  CHECK(text.find("      # lab resolvers \\x1b[2J with a long comment") != std::string::npos);
  CHECK(text.find("  filters[1] (line 12): dest_port 8081\n") != std::string::npos);
  check_lines_fit(text, 80);
}

TEST_CASE("long port lists wrap under their column") {
  std::string ports = "[";
  for (int port = 10000; port < 10040; ++port) ports += std::to_string(port) + ", ";
  ports += "1]";
  const Policy p = parse_policy_text("expected_ports:\n  http: " + ports + "\n", "c.yaml");
  const std::string text = describe(p);
  check_lines_fit(text, 80);
  CHECK(text.find("  http-unexpected-port  http  10000, 10001,") != std::string::npos);
  CHECK(text.find("\n                              100") != std::string::npos);
  check_lines_fit(describe(p, 60), 60);
}
