// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The port policy: for each policed app, the destination ports it is expected on (Splunk's
// "Protocol or Port Mismatch": dns 53; http 80, 8080, 8000; ssl 443, 8443; smtp 25), and filters
// that suppress known-good mismatches. Apps without a rule (mdns, ssh, unknown, ...) never
// mismatch. A suppressed mismatch is counted per filter, never silently dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/ip_addr.h"
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

// A mismatch found in one flow: the aggregation key's fields, the rule it broke, what was
// expected, and the flow's time and evidence (raw payload bytes: escape before printing).
struct Mismatch {
  IpAddr src_ip;
  IpAddr dest_ip;
  std::uint16_t src_port = 0;
  std::uint16_t dest_port = 0;
  Transport transport = Transport::tcp;
  App app = App::unknown;
  std::string rule;      // Rule::id()
  std::string expected;  // Rule::expected_text()
  std::int64_t time_ns = 0;
  std::vector<fingerprint::Evidence> evidence;
};

// Suppresses a mismatch when every field that is set matches it. At least one field is set
// (an empty filter would suppress everything, so the configuration refuses it).
struct Filter {
  std::optional<Cidr> src;
  std::optional<Cidr> dest;
  std::optional<App> app;
  std::optional<std::uint16_t> dest_port;
  std::optional<Transport> transport;
  std::string comment;  // from the configuration, for `protoport policy`
  int line = 0;         // line of the filter in its file (0: built in code)

  bool empty() const;
  bool matches(const Mismatch& m) const;  // an IPv4 CIDR never matches an IPv6 address
  std::string summary() const;            // "src 10.0.0.0/8, app dns, dest_port 5353"
};

enum class Preset { standard, escu_v10 };
std::string_view to_string(Preset p);  // "default", "escu-v10"
std::optional<Preset> parse_preset(std::string_view name);
std::string_view preset_description(Preset p);

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

  const std::vector<Filter>& filters() const { return filters_; }
  void add_filter(Filter filter);  // throws std::invalid_argument for an empty filter

  struct Evaluation {
    std::optional<Mismatch> mismatch;        // set when a rule is broken and no filter matched
    std::optional<std::size_t> filtered_by;  // index of the first filter that suppressed it
  };
  Evaluation evaluate(const FlowVerdict& verdict) const;

  // evaluate(), counting each suppressed mismatch against the filter that suppressed it.
  std::optional<Mismatch> check(const FlowVerdict& verdict);
  std::span<const std::uint64_t> filter_hits() const { return filter_hits_; }  // by index
  std::uint64_t filtered_total() const;

 private:
  void reset_to(Preset preset);

  Preset preset_ = Preset::standard;
  std::string source_ = "built-in";
  std::vector<Rule> rules_;
  std::vector<Filter> filters_;
  std::vector<std::uint64_t> filter_hits_;
};

}  // namespace protoport::policy
