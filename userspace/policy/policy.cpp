// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "policy/policy.h"

#include <algorithm>
#include <numeric>
#include <stdexcept>

namespace protoport::policy {

bool PortSpec::matches(std::uint16_t dest_port, Transport t) const {
  return port == dest_port && (!transport || *transport == t);
}

std::string PortSpec::to_string() const {
  std::string out = std::to_string(port);
  if (transport) {
    out += '/';
    out += fingerprint::to_string(*transport);
  }
  return out;
}

std::string Rule::id() const {
  return std::string(fingerprint::to_string(app)) + "-unexpected-port";
}

std::string Rule::expected_text() const {
  std::string out;
  for (const auto& spec : expected) {
    if (!out.empty()) out += ',';
    out += spec.to_string();
  }
  return out;
}

bool Rule::allows(std::uint16_t dest_port, Transport t) const {
  return std::any_of(expected.begin(), expected.end(),
                     [&](const PortSpec& spec) { return spec.matches(dest_port, t); });
}

std::string PortRule::id() const {
  return std::string(fingerprint::to_string(expected.front())) + "-port-other-protocol";
}

std::string PortRule::expected_text() const {
  std::string out;
  for (const App app : expected) {
    if (!out.empty()) out += ',';
    out += fingerprint::to_string(app);
  }
  return out;
}

std::string PortRule::port_text() const {
  return std::to_string(port) + "/" + std::string(fingerprint::to_string(transport));
}

bool PortRule::expects(App app) const {
  return std::find(expected.begin(), expected.end(), app) != expected.end();
}

bool Filter::empty() const {
  return !src && !dest && !app && !dest_port && !transport && !rule && !process_name &&
         !process_path && !user;
}

bool Filter::matches(const Mismatch& m) const {
  // Cidr::contains compares families, so "10.0.0.0/8" never swallows an IPv6 flow.
  if (src && !src->contains(m.src_ip)) return false;
  if (dest && !dest->contains(m.dest_ip)) return false;
  if (app && *app != m.app) return false;
  if (dest_port && *dest_port != m.dest_port) return false;
  if (transport && *transport != m.transport) return false;
  if (rule && *rule != m.rule) return false;
  if ((process_name || process_path || user) && !m.process) return false;
  if (process_name && *process_name != m.process->name) return false;
  if (process_path && *process_path != m.process->path) return false;
  if (user && *user != m.process->user) return false;
  return !empty();
}

std::string Filter::summary() const {
  std::string out;
  const auto field = [&out](std::string_view name, std::string_view value) {
    if (!out.empty()) out += ", ";
    out += name;
    out += ' ';
    out += value;
  };
  if (src) field("src", src->to_string());
  if (dest) field("dest", dest->to_string());
  if (app) field("app", fingerprint::to_string(*app));
  if (dest_port) field("dest_port", std::to_string(*dest_port));
  if (transport) field("transport", fingerprint::to_string(*transport));
  if (rule) field("rule", *rule);
  if (process_name) field("process_name", *process_name);
  if (process_path) field("process_path", *process_path);
  if (user) field("user", *user);
  return out;
}

std::string_view to_string(Preset p) {
  switch (p) {
    case Preset::escu_v10: return "escu-v10";
    case Preset::extended: return "extended";
    case Preset::standard: break;
  }
  return "default";
}

std::optional<Preset> parse_preset(std::string_view name) {
  for (const Preset p : {Preset::standard, Preset::escu_v10, Preset::extended})
    if (to_string(p) == name) return p;
  return std::nullopt;
}

std::string preset_names() { return "default, escu-v10, extended"; }

std::string_view preset_description(Preset p) {
  switch (p) {
    case Preset::escu_v10:
      return "Splunk ESCU \"Protocol or Port Mismatch\" v10: also ssl on 465/993, smtp on "
             "587/2525; the default port rules";
    case Preset::extended:
      return "beyond the search: escu-v10, ssl on the TLS ports of the protocols below, and both "
             "directions for ssh, ftp, pop3, imap, rdp, smb, ldap, vnc, telnet, redis, mysql, "
             "postgresql, openvpn, wireguard, socks, irc, mqtt, sip, rtsp, stun, quic, ssdp, "
             "dcerpc";
    case Preset::standard: break;
  }
  return "Splunk \"Protocol or Port Mismatch\": the detection's four original rules, and port "
         "rules for what belongs on 80, 443, 53 and 25";
}

Policy::Policy() { reset_to(Preset::standard); }

Policy Policy::from_preset(Preset preset) {
  Policy p;
  p.reset_to(preset);
  return p;
}

namespace {

constexpr Transport kTcp = Transport::tcp;
constexpr Transport kUdp = Transport::udp;

// The extended preset's app rules beyond escu-v10, each port also a port rule expecting the app
// (PORT alone: both transports). Registered ports (IANA) of each protocol's usual servers.
struct ExtendedRule {
  App app;
  std::vector<PortSpec> ports;
};
const std::vector<ExtendedRule>& extended_rules() {
  static const std::vector<ExtendedRule> rules = {
      {App::ssh, {{22, kTcp}}},
      {App::ftp, {{21, kTcp}}},
      {App::pop3, {{110, kTcp}}},
      {App::imap, {{143, kTcp}}},
      {App::rdp, {{3389, kTcp}}},
      {App::smb, {{445, kTcp}, {139, kTcp}}},
      {App::ldap, {{389, {}}, {3268, kTcp}}},
      {App::vnc, {{5900, kTcp}, {5901, kTcp}}},
      {App::telnet, {{23, kTcp}}},
      {App::redis, {{6379, kTcp}}},
      {App::mysql, {{3306, kTcp}}},
      {App::postgresql, {{5432, kTcp}}},
      {App::openvpn, {{1194, {}}}},
      {App::wireguard, {{51820, kUdp}}},
      {App::socks, {{1080, kTcp}}},
      {App::irc, {{6667, kTcp}}},
      {App::mqtt, {{1883, kTcp}}},
      {App::sip, {{5060, {}}}},
      {App::rtsp, {{554, kTcp}, {8554, kTcp}}},
      {App::stun, {{3478, {}}}},
      {App::quic, {{443, kUdp}}},
      {App::ssdp, {{1900, kUdp}}},
  };
  return rules;
}

// TLS-wrapped ports of the protocols above (ldaps, DoT, pop3s, sips, turns, ircs, mqtts): ssl.
constexpr std::uint16_t kExtendedTlsPorts[] = {636, 853, 995, 5061, 5349, 6697, 8883};

}  // namespace

void Policy::reset_to(Preset preset) {
  preset_ = preset;
  rules_.clear();
  port_rules_.clear();
  // Splunk's search lists the ports in this order; keep it so that `expected` reads the same.
  set_expected(App::dns, {{53, {}}});
  set_expected(App::http, {{80, {}}, {8080, {}}, {8000, {}}});
  set_expected(App::ssl, {{443, {}}, {8443, {}}});
  set_expected(App::smtp, {{25, {}}});
  // The description's direction: what belongs on the ports every firewall lets out.
  set_port_rule(80, kTcp, {App::http});
  set_port_rule(443, kTcp, {App::ssl});
  set_port_rule(443, kUdp, {App::quic});
  set_port_rule(53, kTcp, {App::dns});
  set_port_rule(53, kUdp, {App::dns});
  set_port_rule(25, kTcp, {App::smtp});
  if (preset == Preset::standard) return;
  set_expected(App::ssl, {{443, {}}, {8443, {}}, {465, {}}, {993, {}}});
  set_expected(App::smtp, {{25, {}}, {587, {}}, {2525, {}}});
  if (preset != Preset::extended) return;
  std::vector<PortSpec> ssl_ports = rule_for(App::ssl)->expected;
  for (const std::uint16_t port : kExtendedTlsPorts) ssl_ports.push_back({port, {}});
  set_expected(App::ssl, ssl_ports);
  for (const PortSpec& spec : ssl_ports) set_port_rule(spec.port, kTcp, {App::ssl});
  for (const std::uint16_t port : {587, 2525}) set_port_rule(port, kTcp, {App::smtp});
  for (const std::uint16_t port : {8080, 8000}) set_port_rule(port, kTcp, {App::http});
  for (const ExtendedRule& r : extended_rules()) {
    set_expected(r.app, r.ports);
    for (const PortSpec& spec : r.ports)
      for (const Transport t : {kTcp, kUdp})
        if (!spec.transport || *spec.transport == t) set_port_rule(spec.port, t, {r.app});
  }
  // DCE/RPC endpoints live on dynamic ports: only its endpoint mapper's port has a rule.
  set_port_rule(135, kTcp, {App::dcerpc});
}

const Rule* Policy::rule_for(App app) const {
  const auto it =
      std::find_if(rules_.begin(), rules_.end(), [app](const Rule& r) { return r.app == app; });
  return it == rules_.end() ? nullptr : &*it;
}

void Policy::set_expected(App app, std::vector<PortSpec> expected) {
  if (app == App::unknown) throw std::invalid_argument("flows of an unknown app cannot be policed");
  if (expected.empty()) throw std::invalid_argument("a rule needs at least one expected port");
  const auto it = std::lower_bound(rules_.begin(), rules_.end(), app,
                                   [](const Rule& r, App a) { return r.app < a; });
  if (it != rules_.end() && it->app == app)
    it->expected = std::move(expected);
  else
    rules_.insert(it, Rule{app, std::move(expected)});
}

const PortRule* Policy::port_rule_for(std::uint16_t port, Transport t) const {
  const auto it = std::find_if(port_rules_.begin(), port_rules_.end(), [&](const PortRule& r) {
    return r.port == port && r.transport == t;
  });
  return it == port_rules_.end() ? nullptr : &*it;
}

void Policy::set_port_rule(std::uint16_t port, Transport t, std::vector<App> expected) {
  if (std::find(expected.begin(), expected.end(), App::unknown) != expected.end())
    throw std::invalid_argument("a port cannot expect unknown");
  const auto it = std::lower_bound(port_rules_.begin(), port_rules_.end(), std::pair{port, t},
                                   [](const PortRule& r, std::pair<std::uint16_t, Transport> k) {
                                     return std::pair{r.port, r.transport} < k;
                                   });
  const bool exists = it != port_rules_.end() && it->port == port && it->transport == t;
  if (expected.empty()) {
    if (exists) port_rules_.erase(it);
  } else if (exists) {
    it->expected = std::move(expected);
  } else {
    port_rules_.insert(it, PortRule{port, t, std::move(expected)});
  }
}

bool Policy::can_mismatch(App app, std::optional<std::uint16_t> port,
                          std::optional<Transport> t) const {
  for (const Transport tr : {Transport::tcp, Transport::udp}) {
    if (t && *t != tr) continue;
    if (const Rule* rule = rule_for(app)) {
      if (!port || !rule->allows(*port, tr)) return true;
      continue;
    }
    if (!port_rules_enabled_) continue;
    for (const PortRule& pr : port_rules_)
      if (pr.transport == tr && (!port || pr.port == *port) && !pr.expects(app)) return true;
  }
  return false;
}

void Policy::add_filter(Filter filter) {
  if (filter.empty()) throw std::invalid_argument("an empty filter would suppress every mismatch");
  filters_.push_back(std::move(filter));
  filter_hits_.push_back(0);
}

std::optional<Mismatch> Policy::judge(const FlowVerdict& v) const {
  const auto mismatch = [&v](std::string rule, std::string expected) {
    return Mismatch{v.src_ip,    v.dest_ip,     v.src_port,      v.dest_port,
                    v.transport, v.fp.app,      std::move(rule), std::move(expected),
                    v.time_ns,   v.fp.evidence, v.direction_by};
  };
  // The app's own rule (the search's direction) judges any flow of a policed app.
  if (const Rule* rule = rule_for(v.fp.app)) {
    if (rule->allows(v.dest_port, v.transport)) return std::nullopt;
    return mismatch(rule->id(), rule->expected_text());
  }
  if (!port_rules_enabled_) return std::nullopt;
  const PortRule* port_rule = port_rule_for(v.dest_port, v.transport);
  if (!port_rule || port_rule->expects(v.fp.app)) return std::nullopt;
  if (v.fp.app == App::unknown) {
    // Absence is not evidence: an opening not seen whole, or loosely shaped like what belongs
    // on the port (a variant the strict parsers refuse), is not "another protocol".
    if (!v.opening_complete) return std::nullopt;
    for (const App app : port_rule->expected)
      if (v.plausible & (std::uint64_t{1} << static_cast<unsigned>(app))) return std::nullopt;
  }
  return mismatch(port_rule->id(), port_rule->expected_text());
}

Policy::Evaluation Policy::evaluate(const FlowVerdict& verdict,
                                    std::shared_ptr<const ProcessInfo> process) const {
  Evaluation result;
  auto judged = judge(verdict);
  if (!judged) return result;
  Mismatch& m = *judged;
  m.process = std::move(process);
  for (std::size_t i = 0; i < filters_.size(); ++i) {
    if (filters_[i].matches(m)) {
      result.filtered_by = i;
      return result;
    }
  }
  result.mismatch = std::move(m);
  return result;
}

std::optional<Mismatch> Policy::check(const FlowVerdict& verdict,
                                      std::shared_ptr<const ProcessInfo> process) {
  Evaluation e = evaluate(verdict, std::move(process));
  if (e.filtered_by) ++filter_hits_[*e.filtered_by];
  return std::move(e.mismatch);
}

std::uint64_t Policy::filtered_total() const {
  return std::accumulate(filter_hits_.begin(), filter_hits_.end(), std::uint64_t{0});
}

}  // namespace protoport::policy
