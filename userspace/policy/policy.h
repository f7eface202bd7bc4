// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The port policy, both directions of the analytic:
//   app rules   for each policed app, the destination ports it is expected on (Splunk's
//               "Protocol or Port Mismatch": dns 53; http 80, 8080, 8000; ssl 443, 8443;
//               smtp 25): `<app>-unexpected-port`, the search's direction;
//   port rules  for each well-known port, the apps expected on it (tcp/80 http, tcp/443 ssl,
//               udp/443 quic, 53 dns, tcp/25 smtp): `<app>-port-other-protocol`, the
//               description's "non-HTTP traffic on TCP port 80".
// Each flow is judged by one rule: its app's rule when the policy has one (an http flow on 443
// breaks http-unexpected-port, not also ssl-port-other-protocol); otherwise the rule of its
// destination port. On a port rule, `unknown` counts only as evidence: an opening seen whole
// that matches no protocol and is not even loosely shaped like the expected one (see
// FlowVerdict::opening_complete and ::plausible); a flow seen mid-stream or too short is never
// reported. Filters suppress known-good mismatches; a suppressed mismatch is counted per filter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_addr.h"
#include "common/process_info.h"
#include "detect/flow_verdict.h"
#include "fingerprint/fingerprint.h"

namespace protoport::policy {

using fingerprint::App;
using fingerprint::Transport;

// One expected destination port, for one transport or (transport unset) for both.
struct PortSpec {
  std::uint16_t port = 0;
  std::optional<Transport> transport;

  bool matches(std::uint16_t dest_port, Transport t) const;
  std::string to_string() const;  // "53", "853/tcp"
  bool operator==(const PortSpec&) const = default;
};

// `<app>-unexpected-port`: a flow of `app` to a port not in `expected` is a mismatch.
struct Rule {
  App app = App::unknown;
  std::vector<PortSpec> expected;  // in the order configured; never empty

  std::string id() const;             // "dns-unexpected-port"
  std::string expected_text() const;  // "80,8080,8000" or "53,853/tcp"
  bool allows(std::uint16_t dest_port, Transport t) const;
};

// `<expected>-port-other-protocol`: a flow to `port` whose app is positively none of `expected`.
struct PortRule {
  std::uint16_t port = 0;
  Transport transport = Transport::tcp;
  std::vector<App> expected;  // never empty, no App::unknown

  std::string id() const;             // "ssl-port-other-protocol" (from the first expected app)
  std::string expected_text() const;  // "ssl" or "ssl,http"
  std::string port_text() const;      // "443/tcp"
  bool expects(App app) const;
};

// A mismatch found in one flow: the aggregation key's fields, the rule it broke, what was
// expected, and the flow's time and evidence (raw payload bytes: escape before printing).
struct Mismatch {
  IpAddr src_ip;
  IpAddr dest_ip;
  std::uint16_t src_port = 0;
  std::uint16_t dest_port = 0;
  Transport transport = Transport::tcp;
  App app = App::unknown;
  std::string rule;      // Rule::id() or PortRule::id()
  std::string expected;  // Rule::expected_text() (ports) or PortRule::expected_text() (apps)
  std::int64_t time_ns = 0;
  std::vector<fingerprint::Evidence> evidence;
  DirectionBy direction_by = DirectionBy::syn;  // how src and dest were told apart
  // The local process behind the flow (process attribution, watch only); null: none known.
  std::shared_ptr<const ProcessInfo> process;
};

// Suppresses a mismatch when every field that is set matches it. At least one field is set
// (an empty filter would suppress everything, so the configuration refuses it).
struct Filter {
  std::optional<Cidr> src;
  std::optional<Cidr> dest;
  std::optional<App> app;
  std::optional<std::uint16_t> dest_port;
  std::optional<Transport> transport;
  std::optional<std::string> rule;  // a rule id: "dns-unexpected-port", "ssl-port-other-protocol"
  // Process attribution (watch): the local process's name, executable path or user name, each
  // compared whole. A mismatch without a known process never matches these.
  std::optional<std::string> process_name;
  std::optional<std::string> process_path;
  std::optional<std::string> user;
  std::string comment;  // from the configuration, for `protoport policy`
  int line = 0;         // line of the filter in its file (0: built in code)

  bool empty() const;
  bool matches(const Mismatch& m) const;  // an IPv4 CIDR never matches an IPv6 address
  std::string summary() const;            // "src 10.0.0.0/8, app dns, dest_port 5353"
};

// default: the search's four app rules and the five port rules; escu-v10: ESCU v10's ports;
// extended: beyond the search, both directions for the other protocols we name (off unless
// chosen).
enum class Preset { standard, escu_v10, extended };
std::string_view to_string(Preset p);  // "default", "escu-v10", "extended"
std::optional<Preset> parse_preset(std::string_view name);
std::string_view preset_description(Preset p);
std::string preset_names();  // "default, escu-v10, extended"

class Policy {
 public:
  Policy();  // the default preset
  static Policy from_preset(Preset preset);

  Preset preset() const { return preset_; }
  const std::string& source() const { return source_; }  // "built-in" or the config file path
  void set_source(std::string source) { source_ = std::move(source); }

  const std::vector<Rule>& rules() const { return rules_; }  // ordered by app
  const Rule* rule_for(App app) const;
  // Replaces the app's expected ports, or adds a rule for an app without one.
  // Throws std::invalid_argument for App::unknown or an empty list.
  void set_expected(App app, std::vector<PortSpec> expected);

  // Port rules, ordered by (port, transport). set_port_rule replaces the apps expected on that
  // port and transport (throws std::invalid_argument for App::unknown); an empty list removes
  // the port's rule.
  const std::vector<PortRule>& port_rules() const { return port_rules_; }
  const PortRule* port_rule_for(std::uint16_t port, Transport t) const;
  void set_port_rule(std::uint16_t port, Transport t, std::vector<App> expected);
  // Off: the search's direction alone (the port rules stay listed, unused).
  bool port_rules_enabled() const { return port_rules_enabled_; }
  void set_port_rules_enabled(bool on) { port_rules_enabled_ = on; }
  // Whether some rule could report a flow of `app` (to port, transport: any if unset).
  bool can_mismatch(App app, std::optional<std::uint16_t> port = std::nullopt,
                    std::optional<Transport> t = std::nullopt) const;

  const std::vector<Filter>& filters() const { return filters_; }
  void add_filter(Filter filter);  // throws std::invalid_argument for an empty filter

  struct Evaluation {
    std::optional<Mismatch> mismatch;        // set when a rule is broken and no filter matched
    std::optional<std::size_t> filtered_by;  // index of the first filter that suppressed it
  };
  // `process`: the flow's local process (process attribution), put into the mismatch before
  // the filters see it; null when unknown.
  Evaluation evaluate(const FlowVerdict& verdict,
                      std::shared_ptr<const ProcessInfo> process = nullptr) const;
  // The rule that judges the verdict, mismatch or not (before filters): nullopt if none does.
  std::optional<Mismatch> judge(const FlowVerdict& verdict) const;

  // evaluate(), counting each suppressed mismatch against the filter that suppressed it.
  std::optional<Mismatch> check(const FlowVerdict& verdict,
                                std::shared_ptr<const ProcessInfo> process = nullptr);
  std::span<const std::uint64_t> filter_hits() const { return filter_hits_; }  // by index
  std::uint64_t filtered_total() const;

 private:
  void reset_to(Preset preset);

  Preset preset_ = Preset::standard;
  std::string source_ = "built-in";
  std::vector<Rule> rules_;
  std::vector<PortRule> port_rules_;
  bool port_rules_enabled_ = true;
  std::vector<Filter> filters_;
  std::vector<std::uint64_t> filter_hits_;
};

}  // namespace protoport::policy
