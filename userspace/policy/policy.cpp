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

bool Filter::empty() const { return !src && !dest && !app && !dest_port && !transport; }

bool Filter::matches(const Mismatch& m) const {
  // Cidr::contains compares families, so "10.0.0.0/8" never swallows an IPv6 flow.
  if (src && !src->contains(m.src_ip)) return false;
  if (dest && !dest->contains(m.dest_ip)) return false;
  if (app && *app != m.app) return false;
  if (dest_port && *dest_port != m.dest_port) return false;
  if (transport && *transport != m.transport) return false;
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
  return out;
}

std::string_view to_string(Preset p) { return p == Preset::escu_v10 ? "escu-v10" : "default"; }

std::optional<Preset> parse_preset(std::string_view name) {
  if (name == "default") return Preset::standard;
  if (name == "escu-v10") return Preset::escu_v10;
  return std::nullopt;
}

std::string_view preset_description(Preset p) {
  return p == Preset::escu_v10
             ? "Splunk ESCU \"Protocol or Port Mismatch\" v10: also ssl on 465/993, smtp on "
               "587/2525"
             : "Splunk \"Protocol or Port Mismatch\": the detection's four original rules";
}

Policy::Policy() { reset_to(Preset::standard); }

Policy Policy::from_preset(Preset preset) {
  Policy p;
  p.reset_to(preset);
  return p;
}

void Policy::reset_to(Preset preset) {
  preset_ = preset;
  rules_.clear();
  // Splunk's search lists the ports in this order; keep it so that `expected` reads the same.
  set_expected(App::dns, {{53, {}}});
  set_expected(App::http, {{80, {}}, {8080, {}}, {8000, {}}});
  set_expected(App::ssl, {{443, {}}, {8443, {}}});
  set_expected(App::smtp, {{25, {}}});
  if (preset == Preset::escu_v10) {
    set_expected(App::ssl, {{443, {}}, {8443, {}}, {465, {}}, {993, {}}});
    set_expected(App::smtp, {{25, {}}, {587, {}}, {2525, {}}});
  }
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

void Policy::add_filter(Filter filter) {
  if (filter.empty()) throw std::invalid_argument("an empty filter would suppress every mismatch");
  filters_.push_back(std::move(filter));
  filter_hits_.push_back(0);
}

Policy::Evaluation Policy::evaluate(const FlowVerdict& verdict) const {
  Evaluation result;
  const Rule* rule = rule_for(verdict.fp.app);
  if (!rule || rule->allows(verdict.dest_port, verdict.transport)) return result;
  Mismatch m{verdict.src_ip,    verdict.dest_ip,    verdict.src_port, verdict.dest_port,
             verdict.transport, verdict.fp.app,     rule->id(),       rule->expected_text(),
             verdict.time_ns,   verdict.fp.evidence};
  for (std::size_t i = 0; i < filters_.size(); ++i) {
    if (filters_[i].matches(m)) {
      result.filtered_by = i;
      return result;
    }
  }
  result.mismatch = std::move(m);
  return result;
}

std::optional<Mismatch> Policy::check(const FlowVerdict& verdict) {
  Evaluation e = evaluate(verdict);
  if (e.filtered_by) ++filter_hits_[*e.filtered_by];
  return std::move(e.mismatch);
}

std::uint64_t Policy::filtered_total() const {
  return std::accumulate(filter_hits_.begin(), filter_hits_.end(), std::uint64_t{0});
}

}  // namespace protoport::policy
