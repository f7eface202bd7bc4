// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The port policy: the default rules, the escu-v10 and extended presets, per-transport ports,
// the port rules (the wrong protocol on a well-known port), and filters.
#include <doctest/doctest.h>

#include <tuple>

#include "policy/policy.h"
#include "policy_test_util.h"

using protoport::Cidr;
using protoport::policy::App;
using protoport::policy::Filter;
using protoport::policy::Policy;
using protoport::policy::PortSpec;
using protoport::policy::Preset;
using protoport::policy::Transport;
using protoport::test::ip;
using protoport::test::verdict;

namespace {

bool mismatches(const Policy& p, App app, std::uint16_t port, Transport t = Transport::tcp) {
  return p.evaluate(verdict(app, port, t)).mismatch.has_value();
}

}  // namespace

TEST_CASE("the default policy is Splunk's four rules") {
  const Policy p;
  CHECK(p.preset() == Preset::standard);
  for (const auto t : {Transport::tcp, Transport::udp}) {
    CHECK_FALSE(mismatches(p, App::dns, 53, t));
    CHECK(mismatches(p, App::dns, 5353, t));
    CHECK(mismatches(p, App::dns, 853, t));
    for (const std::uint16_t port : {80, 8080, 8000})
      CHECK_FALSE(mismatches(p, App::http, port, t));
    CHECK(mismatches(p, App::http, 8081, t));
    CHECK(mismatches(p, App::http, 443, t));
    CHECK_FALSE(mismatches(p, App::ssl, 443, t));
    CHECK_FALSE(mismatches(p, App::ssl, 8443, t));
    CHECK(mismatches(p, App::ssl, 465, t));
    CHECK(mismatches(p, App::ssl, 993, t));
    CHECK_FALSE(mismatches(p, App::smtp, 25, t));
    CHECK(mismatches(p, App::smtp, 587, t));
    CHECK(mismatches(p, App::smtp, 2525, t));
  }
}

TEST_CASE("apps without an app rule never mismatch off the port rules' ports") {
  const Policy p;
  for (const App app :
       {App::unknown, App::mdns, App::llmnr, App::nbns, App::ssh, App::ftp, App::pop3, App::imap}) {
    CHECK(p.rule_for(app) == nullptr);
    CHECK_FALSE(mismatches(p, app, 1));
    CHECK_FALSE(mismatches(p, app, 5353, Transport::udp));
  }
}

TEST_CASE("escu-v10 adds ssl 465/993 and smtp 587/2525 and nothing else") {
  const Policy p = Policy::from_preset(Preset::escu_v10);
  CHECK(p.preset() == Preset::escu_v10);
  CHECK_FALSE(mismatches(p, App::ssl, 465));
  CHECK_FALSE(mismatches(p, App::ssl, 993));
  CHECK_FALSE(mismatches(p, App::ssl, 443));
  CHECK_FALSE(mismatches(p, App::smtp, 587));
  CHECK_FALSE(mismatches(p, App::smtp, 2525));
  CHECK_FALSE(mismatches(p, App::smtp, 25));
  CHECK(mismatches(p, App::ssl, 995));
  CHECK(mismatches(p, App::smtp, 465));
  CHECK(mismatches(p, App::dns, 5353));
  CHECK(mismatches(p, App::http, 465));
  CHECK(p.rule_for(App::ssl)->expected_text() == "443,8443,465,993");
  CHECK(p.rule_for(App::smtp)->expected_text() == "25,587,2525");
}

TEST_CASE("rule ids and expected text") {
  const Policy p;
  REQUIRE(p.rules().size() == 4);
  CHECK(p.rules()[0].id() == "dns-unexpected-port");
  CHECK(p.rules()[1].id() == "http-unexpected-port");
  CHECK(p.rules()[2].id() == "ssl-unexpected-port");
  CHECK(p.rules()[3].id() == "smtp-unexpected-port");
  CHECK(p.rule_for(App::http)->expected_text() == "80,8080,8000");
  CHECK(p.rule_for(App::dns)->expected_text() == "53");
}

TEST_CASE("a mismatch carries the key fields, rule, expected text, time and evidence") {
  const Policy p;
  auto v = verdict(App::dns, 5353, Transport::udp, "192.0.2.10", "2001:db8::53", 42,
                   {{"dns_qname", "example.com", true}});
  v.src_ip = ip("2001:db8::10");
  v.src_port = 12345;
  const auto m = p.evaluate(v).mismatch;
  REQUIRE(m);
  CHECK(m->src_ip == ip("2001:db8::10"));
  CHECK(m->dest_ip == ip("2001:db8::53"));
  CHECK(m->src_port == 12345);
  CHECK(m->dest_port == 5353);
  CHECK(m->transport == Transport::udp);
  CHECK(m->app == App::dns);
  CHECK(m->rule == "dns-unexpected-port");
  CHECK(m->expected == "53");
  CHECK(m->time_ns == 42);
  REQUIRE(m->evidence.size() == 1);
  CHECK(m->evidence[0].value == "example.com");
}

TEST_CASE("per-transport expected ports") {
  Policy p;
  p.set_expected(App::dns, {{53, {}}, {853, Transport::tcp}});
  CHECK_FALSE(mismatches(p, App::dns, 853, Transport::tcp));
  CHECK(mismatches(p, App::dns, 853, Transport::udp));
  CHECK_FALSE(mismatches(p, App::dns, 53, Transport::udp));
  CHECK(p.rule_for(App::dns)->expected_text() == "53,853/tcp");
}

TEST_CASE("a rule added for another app gets <app>-unexpected-port, in app order") {
  Policy p;
  p.set_expected(App::ssh, {{22, {}}});
  REQUIRE(p.rule_for(App::ssh));
  CHECK(p.rule_for(App::ssh)->id() == "ssh-unexpected-port");
  CHECK(p.rules().back().app == App::ssh);
  CHECK(mismatches(p, App::ssh, 2222));
  CHECK_FALSE(mismatches(p, App::ssh, 22));
  CHECK_THROWS_AS(p.set_expected(App::unknown, {{1, {}}}), std::invalid_argument);
  CHECK_THROWS_AS(p.set_expected(App::ftp, {}), std::invalid_argument);
}

TEST_CASE("each filter field alone suppresses only what it names") {
  const auto v = verdict(App::dns, 5353, Transport::udp, "10.1.2.3", "198.51.100.53");
  struct Case {
    const char* name;
    Filter hit;
    Filter miss;
  };
  const Case cases[] = {
      {"src", Filter{.src = Cidr::parse("10.0.0.0/8")}, Filter{.src = Cidr::parse("11.0.0.0/8")}},
      {"dest", Filter{.dest = Cidr::parse("198.51.100.0/24")},
       Filter{.dest = Cidr::parse("198.51.101.0/24")}},
      {"app", Filter{.app = App::dns}, Filter{.app = App::http}},
      {"dest_port", Filter{.dest_port = 5353}, Filter{.dest_port = 5354}},
      {"transport", Filter{.transport = Transport::udp}, Filter{.transport = Transport::tcp}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    Policy hit;
    hit.add_filter(c.hit);
    CHECK_FALSE(hit.check(v).has_value());
    CHECK(hit.filter_hits()[0] == 1);
    Policy miss;
    miss.add_filter(c.miss);
    CHECK(miss.check(v).has_value());
    CHECK(miss.filter_hits()[0] == 0);
    CHECK(miss.filtered_total() == 0);
  }
}

TEST_CASE("process filters: this program may speak smtp to 587, nothing else is excused") {
  Policy p;
  p.add_filter(Filter{.app = App::smtp, .dest_port = 587, .process_path = "/usr/sbin/postfix"});
  p.add_filter(Filter{.process_name = "backup", .user = "svc"});
  auto postfix = std::make_shared<protoport::ProcessInfo>();
  postfix->name = "smtp";
  postfix->path = "/usr/sbin/postfix";
  auto other = std::make_shared<protoport::ProcessInfo>(*postfix);
  other->path = "/tmp/postfix";
  const auto smtp587 = verdict(App::smtp, 587, Transport::tcp);
  CHECK_FALSE(p.check(smtp587, postfix).has_value());
  CHECK(p.check(smtp587, other).has_value());    // another executable
  CHECK(p.check(smtp587, nullptr).has_value());  // no process known: never excused by one
  CHECK(p.check(verdict(App::smtp, 2525, Transport::tcp), postfix).has_value());
  auto backup = std::make_shared<protoport::ProcessInfo>();
  backup->name = "backup";
  backup->user = "svc";
  CHECK_FALSE(p.check(verdict(App::ssl, 4433, Transport::tcp), backup).has_value());
  backup->user = "root";
  CHECK(p.check(verdict(App::ssl, 4433, Transport::tcp), backup).has_value());  // both fields
  CHECK(p.filter_hits()[0] == 1);
  CHECK(p.filter_hits()[1] == 1);
  // The mismatch that passes carries its process.
  const auto m = p.check(smtp587, other);
  REQUIRE(m.has_value());
  REQUIRE(m->process != nullptr);
  CHECK(m->process->path == "/tmp/postfix");
}

TEST_CASE("a filter suppresses only when every given field matches") {
  Policy p;
  p.add_filter(Filter{.src = Cidr::parse("10.0.0.0/8"),
                      .app = App::dns,
                      .dest_port = 5353,
                      .transport = Transport::udp});
  CHECK_FALSE(p.check(verdict(App::dns, 5353, Transport::udp, "10.9.9.9")).has_value());
  CHECK(p.check(verdict(App::dns, 5353, Transport::tcp, "10.9.9.9")).has_value());
  CHECK(p.check(verdict(App::dns, 5354, Transport::udp, "10.9.9.9")).has_value());
  CHECK(p.check(verdict(App::dns, 5353, Transport::udp, "172.16.0.1")).has_value());
  CHECK(p.check(verdict(App::http, 5353, Transport::udp, "10.9.9.9")).has_value());
  CHECK(p.filter_hits()[0] == 1);
  CHECK(p.filtered_total() == 1);
}

TEST_CASE("IPv6 CIDR filters, and an IPv4 filter never matches IPv6 traffic") {
  Policy p;
  p.add_filter(Filter{.dest = Cidr::parse("2001:db8::/32")});
  p.add_filter(Filter{.src = Cidr::parse("0.0.0.0/0")});
  // v6 dest inside the v6 filter: filter 0.
  CHECK_FALSE(p.check(verdict(App::dns, 99, Transport::udp, "2001:db8::1", "2001:db8:1::53")));
  // v6 outside: "0.0.0.0/0" must not swallow it.
  CHECK(p.check(verdict(App::dns, 99, Transport::udp, "2001:db9::1", "2001:db9::53")));
  // v4-mapped text is an IPv6 packet, not IPv4.
  CHECK(p.check(verdict(App::dns, 99, Transport::udp, "::ffff:10.0.0.1", "::ffff:10.0.0.2")));
  // v4: filter 1.
  CHECK_FALSE(p.check(verdict(App::dns, 99, Transport::udp, "10.0.0.1", "10.0.0.2")));
  CHECK(p.filter_hits()[0] == 1);
  CHECK(p.filter_hits()[1] == 1);
  CHECK(p.filtered_total() == 2);
}

TEST_CASE("filtered mismatches are counted by the first filter that matches") {
  Policy p;
  p.add_filter(Filter{.app = App::dns});
  p.add_filter(Filter{.dest_port = 5353});
  const auto e = p.evaluate(verdict(App::dns, 5353));
  CHECK_FALSE(e.mismatch);
  REQUIRE(e.filtered_by);
  CHECK(*e.filtered_by == 0);
  CHECK(p.filtered_total() == 0);  // evaluate() does not count
  for (int i = 0; i < 3; ++i) CHECK_FALSE(p.check(verdict(App::dns, 5353)));
  CHECK(p.check(verdict(App::http, 5353)).has_value() == false);
  CHECK(p.filter_hits()[0] == 3);
  CHECK(p.filter_hits()[1] == 1);
  // A flow on its expected port is no mismatch, so no filter is credited.
  CHECK_FALSE(p.check(verdict(App::dns, 53)));
  CHECK(p.filtered_total() == 4);
}

TEST_CASE("an empty filter is refused") {
  Policy p;
  CHECK_THROWS_AS(p.add_filter(Filter{.comment = "matches everything"}), std::invalid_argument);
  CHECK(p.filters().empty());
  CHECK(Filter{}.empty());
  CHECK_FALSE(Filter{}.matches(*Policy().evaluate(verdict(App::dns, 1)).mismatch));
}

TEST_CASE("PortSpec text and matching") {
  CHECK(PortSpec{53, {}}.to_string() == "53");
  CHECK(PortSpec{853, Transport::tcp}.to_string() == "853/tcp");
  CHECK(PortSpec{853, Transport::udp}.to_string() == "853/udp");
  CHECK(PortSpec{53, {}}.matches(53, Transport::tcp));
  CHECK(PortSpec{53, {}}.matches(53, Transport::udp));
  CHECK_FALSE(PortSpec{53, Transport::tcp}.matches(53, Transport::udp));
  CHECK_FALSE(PortSpec{53, {}}.matches(54, Transport::udp));
}

TEST_CASE("Filter summary lists the set fields") {
  const Filter f{.src = Cidr::parse("10.0.0.0/8"),
                 .dest = Cidr::parse("2001:db8::/32"),
                 .app = App::dns,
                 .dest_port = 5353,
                 .transport = Transport::udp};
  CHECK(f.summary() ==
        "src 10.0.0.0/8, dest 2001:db8::/32, app dns, dest_port 5353, transport udp");
}

// ---- Port rules: the description's direction (issue 14) ----

namespace {

using protoport::DirectionBy;
using protoport::FlowVerdict;

FlowVerdict unknown_to(std::uint16_t port, Transport t, bool complete,
                       std::uint64_t plausible = 0) {
  FlowVerdict v = verdict(App::unknown, port, t);
  v.opening_complete = complete;
  v.plausible = plausible;
  return v;
}

std::uint64_t bit(App app) { return std::uint64_t{1} << static_cast<unsigned>(app); }

std::string rule_of(const Policy& p, const FlowVerdict& v) {
  const auto e = p.evaluate(v);
  return e.mismatch ? e.mismatch->rule + " expected " + e.mismatch->expected : "none";
}

}  // namespace

TEST_CASE("default port rules: what belongs on 80, 443, 53 and 25") {
  const Policy p;
  CHECK(p.port_rules_enabled());
  REQUIRE(p.port_rules().size() == 6);
  const auto tcp = Transport::tcp, udp = Transport::udp;
  // Something named that is not what belongs there.
  CHECK(rule_of(p, verdict(App::ssh, 443, tcp)) == "ssl-port-other-protocol expected ssl");
  CHECK(rule_of(p, verdict(App::openvpn, 53, udp)) == "dns-port-other-protocol expected dns");
  CHECK(rule_of(p, verdict(App::wireguard, 443, udp)) == "quic-port-other-protocol expected quic");
  CHECK(rule_of(p, verdict(App::sip, 80, tcp)) == "http-port-other-protocol expected http");
  CHECK(rule_of(p, verdict(App::ftp, 25, tcp)) == "smtp-port-other-protocol expected smtp");
  CHECK(rule_of(p, verdict(App::rtsp, 80, tcp)) == "http-port-other-protocol expected http");
  // What belongs there.
  CHECK(rule_of(p, verdict(App::ssl, 443, tcp)) == "none");
  CHECK(rule_of(p, verdict(App::quic, 443, udp)) == "none");
  CHECK(rule_of(p, verdict(App::http, 80, tcp)) == "none");
  CHECK(rule_of(p, verdict(App::dns, 53, udp)) == "none");
  CHECK(rule_of(p, verdict(App::dns, 53, tcp)) == "none");
  CHECK(rule_of(p, verdict(App::smtp, 25, tcp)) == "none");
  // A policed app is judged by its own rule only: one row per flow.
  CHECK(rule_of(p, verdict(App::http, 443, tcp)) == "http-unexpected-port expected 80,8080,8000");
  CHECK(rule_of(p, verdict(App::dns, 443, udp)) == "dns-unexpected-port expected 53");
  // Ports without a port rule: the other protocols are nobody's business there.
  CHECK(rule_of(p, verdict(App::ssh, 22, tcp)) == "none");
  CHECK(rule_of(p, verdict(App::ssh, 8443, tcp)) == "none");
  CHECK(rule_of(p, verdict(App::quic, 443, tcp)) == "ssl-port-other-protocol expected ssl");
  CHECK(rule_of(p, verdict(App::ssh, 25, udp)) == "none");  // 25 has a rule on tcp only
}

TEST_CASE(
    "port rules: unknown is evidence only from a complete opening not shaped like the rule's") {
  const Policy p;
  CHECK(rule_of(p, unknown_to(443, Transport::tcp, true)) ==
        "ssl-port-other-protocol expected ssl");
  CHECK(rule_of(p, unknown_to(53, Transport::udp, true)) == "dns-port-other-protocol expected dns");
  CHECK(rule_of(p, unknown_to(443, Transport::tcp, false)) == "none");  // mid-stream, too short
  CHECK(rule_of(p, unknown_to(53, Transport::udp, false)) == "none");
  // A variant of what belongs there, refused by the strict parsers, is not "something else".
  CHECK(rule_of(p, unknown_to(443, Transport::tcp, true, bit(App::ssl))) == "none");
  CHECK(rule_of(p, unknown_to(25, Transport::tcp, true, bit(App::smtp))) == "none");
  CHECK(rule_of(p, unknown_to(80, Transport::tcp, true, bit(App::http))) == "none");
  // Shaped like another protocol than the rule's: still reported.
  CHECK(rule_of(p, unknown_to(443, Transport::tcp, true, bit(App::smtp))) ==
        "ssl-port-other-protocol expected ssl");
  // Unknown on a port without a port rule: never.
  CHECK(rule_of(p, unknown_to(8443, Transport::tcp, true)) == "none");
}

TEST_CASE("port rules can be switched off, replaced, widened and removed") {
  Policy p;
  p.set_port_rules_enabled(false);
  CHECK(rule_of(p, verdict(App::ssh, 443, Transport::tcp)) == "none");
  CHECK(rule_of(p, unknown_to(443, Transport::tcp, true)) == "none");
  // The search's direction is untouched.
  CHECK(rule_of(p, verdict(App::http, 443, Transport::tcp)) ==
        "http-unexpected-port expected 80,8080,8000");
  p.set_port_rules_enabled(true);
  p.set_port_rule(443, Transport::tcp, {App::ssl, App::ssh});
  CHECK(rule_of(p, verdict(App::ssh, 443, Transport::tcp)) == "none");
  CHECK(rule_of(p, verdict(App::openvpn, 443, Transport::tcp)) ==
        "ssl-port-other-protocol expected ssl,ssh");
  p.set_port_rule(443, Transport::tcp, {});
  CHECK(p.port_rule_for(443, Transport::tcp) == nullptr);
  CHECK(rule_of(p, verdict(App::openvpn, 443, Transport::tcp)) == "none");
  p.set_port_rule(2222, Transport::tcp, {App::ssh});
  CHECK(rule_of(p, unknown_to(2222, Transport::tcp, true)) ==
        "ssh-port-other-protocol expected ssh");
  CHECK_THROWS_AS(p.set_port_rule(1, Transport::tcp, {App::unknown}), std::invalid_argument);
}

TEST_CASE("a port-rule mismatch keeps the seven fields, and its direction") {
  const Policy p;
  FlowVerdict v = verdict(App::ssh, 443, Transport::tcp, "192.0.2.1", "192.0.2.2");
  v.direction_by = DirectionBy::known_server;
  const auto m = p.evaluate(v).mismatch;
  REQUIRE(m);
  CHECK(m->src_ip.to_string() == "192.0.2.1");
  CHECK(m->dest_ip.to_string() == "192.0.2.2");
  CHECK(m->app == App::ssh);
  CHECK(m->dest_port == 443);
  CHECK(m->transport == Transport::tcp);
  CHECK(m->rule == "ssl-port-other-protocol");
  CHECK(m->expected == "ssl");
  CHECK(m->direction_by == DirectionBy::known_server);
}

TEST_CASE("filters by rule") {
  Policy p;
  Filter f;
  f.rule = "ssl-port-other-protocol";
  p.add_filter(f);
  CHECK_FALSE(mismatches(p, App::ssh, 443));
  CHECK(mismatches(p, App::http, 443));  // http-unexpected-port: another rule
  CHECK(mismatches(p, App::ssh, 80));    // http-port-other-protocol
  CHECK(f.summary() == "rule ssl-port-other-protocol");
}

TEST_CASE("the extended preset: both directions for the protocols beyond the search") {
  const Policy p = Policy::from_preset(Preset::extended);
  CHECK(p.preset() == Preset::extended);
  const auto tcp = Transport::tcp, udp = Transport::udp;
  // The search's rules as escu-v10, with the TLS ports of the protocols below.
  CHECK_FALSE(mismatches(p, App::ssl, 993));
  CHECK_FALSE(mismatches(p, App::ssl, 8883));
  CHECK(mismatches(p, App::ssl, 4443));
  // A protocol off its port, and the wrong protocol on its port.
  for (const auto& [app_, port_, t_] :
       std::vector<std::tuple<App, std::uint16_t, Transport>>{{App::ssh, 22, tcp},
                                                              {App::rdp, 3389, tcp},
                                                              {App::smb, 445, tcp},
                                                              {App::ldap, 389, tcp},
                                                              {App::ldap, 389, udp},
                                                              {App::vnc, 5900, tcp},
                                                              {App::telnet, 23, tcp},
                                                              {App::redis, 6379, tcp},
                                                              {App::mysql, 3306, tcp},
                                                              {App::postgresql, 5432, tcp},
                                                              {App::openvpn, 1194, udp},
                                                              {App::openvpn, 1194, tcp},
                                                              {App::wireguard, 51820, udp},
                                                              {App::socks, 1080, tcp},
                                                              {App::irc, 6667, tcp},
                                                              {App::mqtt, 1883, tcp},
                                                              {App::sip, 5060, udp},
                                                              {App::rtsp, 554, tcp},
                                                              {App::stun, 3478, udp}}) {
    const App app = app_;
    const std::uint16_t port = port_;
    const Transport t = t_;
    const std::string name(protoport::fingerprint::to_string(app));
    CAPTURE(name);
    CHECK_FALSE(mismatches(p, app, port, t));
    CHECK(mismatches(p, app, 40000, t));
    CHECK(rule_of(p, unknown_to(port, t, true)) == name + "-port-other-protocol expected " + name);
  }
  CHECK(rule_of(p, verdict(App::ssh, 443, tcp)) == "ssh-unexpected-port expected 22/tcp");
  CHECK(rule_of(p, verdict(App::http, 135, tcp)) == "http-unexpected-port expected 80,8080,8000");
  CHECK(rule_of(p, verdict(App::dtls, 135, tcp)) == "dcerpc-port-other-protocol expected dcerpc");
  // The default preset leaves all of this alone.
  CHECK_FALSE(mismatches(Policy(), App::ssh, 2222));
  CHECK_FALSE(mismatches(Policy(), App::rdp, 3390));
}
