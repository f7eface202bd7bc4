// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "policy/config.h"

#include "common/text.h"
#include "policy/names.h"

namespace protoport::policy {

namespace {

using config::closest;
using config::ConfigContext;
using config::Entry;
using config::node_kind;
using config::port_from_text;
using config::read_map;
using config::read_port;
using config::read_scalar;

// Text from the file, safe to print in a message (a config may hold anything).

std::vector<std::string_view> app_keys(bool include_unknown) {
  std::vector<std::string_view> keys;
  for (const App app : all_apps())
    if (app != App::unknown || include_unknown) keys.push_back(fingerprint::to_string(app));
  return keys;
}

void add_spec(std::vector<PortSpec>& specs, PortSpec spec, const YAML::Node& node,
              const YAML::Mark& fallback, const std::string& where, const ConfigContext& ctx) {
  for (const PortSpec& have : specs) {
    if (have.port != spec.port) continue;
    if (have == spec)
      ctx.fail(node, fallback, where + ": port " + spec.to_string() + " is listed twice");
    if (!have.transport || !spec.transport)
      ctx.fail(node, fallback,
               where + ": " + spec.to_string() + " overlaps " + have.to_string() +
                   " (a port without /tcp or /udp covers both transports)");
  }
  specs.push_back(spec);
}

// "53", "853/tcp" or "853/udp".
PortSpec read_spec(const YAML::Node& node, const YAML::Mark& fallback, const std::string& where,
                   const ConfigContext& ctx) {
  const std::string text = read_scalar(node, fallback, where, ctx);
  const auto slash = text.find('/');
  PortSpec spec;
  spec.port = port_from_text(std::string_view(text).substr(0, slash), node, fallback, where, ctx);
  if (slash != std::string::npos) {
    const std::string_view name = std::string_view(text).substr(slash + 1);
    spec.transport = parse_transport(name);
    if (!spec.transport)
      ctx.fail(node, fallback,
               where + ": unknown transport " + quote(name) + " in " + quote(text) +
                   " (write PORT, PORT/tcp or PORT/udp)");
  }
  return spec;
}

void read_spec_list(const YAML::Node& node, const YAML::Mark& fallback, const std::string& where,
                    std::optional<Transport> transport, std::vector<PortSpec>& specs,
                    const ConfigContext& ctx) {
  const auto one = [&](const YAML::Node& item) {
    if (transport)  // inside {tcp: [...]} the transport is given: bare ports only
      add_spec(specs, PortSpec{read_port(item, fallback, where, ctx), transport}, item, fallback,
               where, ctx);
    else
      add_spec(specs, read_spec(item, fallback, where, ctx), item, fallback, where, ctx);
  };
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) one(item);
  } else if (node.IsScalar()) {
    one(node);
  } else {
    ctx.fail(node, fallback,
             where + " must be a port or a list of ports, not " + std::string(node_kind(node)));
  }
}

void read_expected_ports(const Entry& section, Policy& policy, const ConfigContext& ctx) {
  if (section.value.IsNull()) return;  // "expected_ports:" with nothing under it
  if (section.value.IsMap()) {
    for (auto it = section.value.begin(); it != section.value.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == fingerprint::to_string(App::unknown))
        ctx.fail(it->first.Mark(),
                 "expected_ports.unknown: flows no fingerprint recognised never "
                 "mismatch, so they cannot have expected ports");
  }
  for (const Entry& entry :
       read_map(section.value, section.key_mark, "expected_ports", app_keys(false), ctx, "app")) {
    const std::string where = "expected_ports." + entry.key;
    const App app = *parse_app(entry.key);
    std::vector<PortSpec> specs;
    if (entry.value.IsMap()) {
      for (const Entry& per :
           read_map(entry.value, entry.key_mark, where, {"tcp", "udp"}, ctx, "transport"))
        read_spec_list(per.value, per.key_mark, where + "." + per.key, parse_transport(per.key),
                       specs, ctx);
    } else {
      read_spec_list(entry.value, entry.key_mark, where, std::nullopt, specs, ctx);
    }
    if (specs.empty())
      ctx.fail(entry.value, entry.key_mark,
               where + ": empty port list; list at least one port (to silence " + entry.key +
                   " mismatches, add a filter with app: " + entry.key + ")");
    policy.set_expected(app, std::move(specs));
  }
}

App read_app(const YAML::Node& node, const YAML::Mark& fallback, const std::string& where,
             bool include_unknown, const ConfigContext& ctx) {
  const std::string text = read_scalar(node, fallback, where, ctx);
  const auto app = parse_app(text);
  if (!app || (*app == App::unknown && !include_unknown)) {
    std::string message = where + ": unknown app " + quote(text);
    if (text == "tls" || text == "TLS")
      message += " (TLS is named ssl, as in the CIM)";
    else if (const auto guess = closest(text, app_keys(include_unknown)); !guess.empty())
      message += " (did you mean '" + std::string(guess) + "'?)";
    if (app == App::unknown)
      message = where + ": a port cannot expect unknown (flows no fingerprint recognised)";
    ctx.fail(node, fallback, message + "; known apps: " + app_names(include_unknown));
  }
  return *app;
}

void read_port_rules_switch(const Entry& section, Policy& policy, const ConfigContext& ctx) {
  const std::string text = read_scalar(section.value, section.key_mark, "port_rules", ctx);
  if (text != "true" && text != "false")
    ctx.fail(section.value, section.key_mark,
             "port_rules: " + quote(text) +
                 " is not true or false (false: the search's direction alone)");
  policy.set_port_rules_enabled(text == "true");
}

// expected_apps: {"443/tcp": ssl, "53": dns, "8443": [ssl, http], "25/tcp": []}
void read_expected_apps(const Entry& section, Policy& policy, const ConfigContext& ctx) {
  if (section.value.IsNull()) return;
  if (!section.value.IsMap())
    ctx.fail(section.value, section.key_mark,
             "expected_apps must map ports to apps (443/tcp: ssl), not " +
                 std::string(node_kind(section.value)));
  std::vector<std::pair<std::uint16_t, Transport>> seen;
  for (auto it = section.value.begin(); it != section.value.end(); ++it) {
    const YAML::Node& key = it->first;
    const YAML::Mark key_mark = key.Mark();
    const PortSpec spec = read_spec(key, key_mark, "expected_apps", ctx);
    const std::string where = "expected_apps." + spec.to_string();
    std::vector<App> apps;
    const YAML::Node& value = it->second;
    if (value.IsSequence()) {
      for (const YAML::Node& item : value) {
        const App app = read_app(item, key_mark, where, false, ctx);
        if (std::find(apps.begin(), apps.end(), app) != apps.end())
          ctx.fail(item, key_mark,
                   where + ": app " + std::string(fingerprint::to_string(app)) + " listed twice");
        apps.push_back(app);
      }
    } else {
      apps.push_back(read_app(value, key_mark, where, false, ctx));
    }
    for (const Transport t : {Transport::tcp, Transport::udp}) {
      if (spec.transport && *spec.transport != t) continue;
      if (std::find(seen.begin(), seen.end(), std::pair{spec.port, t}) != seen.end())
        ctx.fail(key, key_mark,
                 where + ": port " + std::to_string(spec.port) + "/" +
                     std::string(fingerprint::to_string(t)) +
                     " is given twice (a port without /tcp or /udp covers both transports)");
      seen.emplace_back(spec.port, t);
      policy.set_port_rule(spec.port, t, apps);
    }
  }
}

// A filter that cannot match anything is a mistake the user wants to hear about.
void check_can_match(const Filter& filter, const Policy& policy, const YAML::Mark& mark,
                     const std::string& where, const ConfigContext& ctx) {
  if (!filter.app) return;
  const std::string name(fingerprint::to_string(*filter.app));
  if (!policy.can_mismatch(*filter.app))
    ctx.fail(mark, where + ": no rule of this policy can report app " + name +
                       " (no app rule, and no port rule that does not expect it), so this "
                       "filter could never match");
  if (filter.dest_port && !policy.can_mismatch(*filter.app, filter.dest_port, filter.transport))
    ctx.fail(mark, where + ": " + name + " on port " + std::to_string(*filter.dest_port) +
                       " is never a mismatch in this policy, so this filter could never match");
}

bool rule_exists(const Policy& policy, const std::string& id) {
  for (const Rule& r : policy.rules())
    if (r.id() == id) return true;
  for (const PortRule& r : policy.port_rules())
    if (r.id() == id) return true;
  return false;
}

Filter read_filter(const YAML::Node& node, const YAML::Mark& fallback, const std::string& where,
                   const Policy& policy, const ConfigContext& ctx) {
  Filter filter;
  const YAML::Mark mark = node.Mark().line >= 0 ? node.Mark() : fallback;
  filter.line = mark.line + 1;
  for (const Entry& e : read_map(node, fallback, where,
                                 {"src", "dest", "app", "dest_port", "transport", "rule",
                                  "process_name", "process_path", "user", "comment"},
                                 ctx)) {
    const std::string field = where + "." + e.key;
    if (e.key == "src" || e.key == "dest") {
      const std::string text = read_scalar(e.value, e.key_mark, field, ctx);
      const auto cidr = Cidr::parse(text);
      if (!cidr)
        ctx.fail(e.value, e.key_mark,
                 field + ": " + quote(text) +
                     " is not an address or CIDR (e.g. 10.0.0.0/8, 192.0.2.1, \"2001:db8::/32\")");
      (e.key == "src" ? filter.src : filter.dest) = cidr;
    } else if (e.key == "app") {
      filter.app = read_app(e.value, e.key_mark, field, true, ctx);
    } else if (e.key == "rule") {
      filter.rule = read_scalar(e.value, e.key_mark, field, ctx);
      if (!rule_exists(policy, *filter.rule))
        ctx.fail(e.value, e.key_mark,
                 field + ": no rule " + quote(*filter.rule) +
                     " in this policy (see `protoport policy`: <app>-unexpected-port, "
                     "<app>-port-other-protocol)");
    } else if (e.key == "process_name") {
      filter.process_name = read_scalar(e.value, e.key_mark, field, ctx);
    } else if (e.key == "process_path") {
      filter.process_path = read_scalar(e.value, e.key_mark, field, ctx);
    } else if (e.key == "user") {
      filter.user = read_scalar(e.value, e.key_mark, field, ctx);
    } else if (e.key == "dest_port") {
      filter.dest_port = read_port(e.value, e.key_mark, field, ctx);
    } else if (e.key == "transport") {
      const std::string text = read_scalar(e.value, e.key_mark, field, ctx);
      filter.transport = parse_transport(text);
      if (!filter.transport)
        ctx.fail(e.value, e.key_mark,
                 field + ": unknown transport " + quote(text) + " (tcp or udp)");
    } else {
      filter.comment = read_scalar(e.value, e.key_mark, field, ctx);
    }
  }
  if (filter.empty())
    ctx.fail(mark,
             where +
                 ": an empty filter would suppress every mismatch; set at least one of "
                 "src, dest, app, dest_port, transport, rule, process_name, process_path, user");
  check_can_match(filter, policy, mark, where, ctx);
  return filter;
}

void read_filters(const Entry& section, Policy& policy, const ConfigContext& ctx) {
  if (section.value.IsNull()) return;  // "filters:" with nothing under it
  if (!section.value.IsSequence())
    ctx.fail(section.value, section.key_mark,
             "filters must be a list of filters (lines starting with '- '), not " +
                 std::string(node_kind(section.value)));
  std::size_t index = 0;
  for (const YAML::Node& item : section.value) {
    const std::string where = "filters[" + std::to_string(index++) + "]";
    // A null item has no mark of its own: point at the list rather than at "filters:".
    const YAML::Mark list =
        section.value.Mark().line >= 0 ? section.value.Mark() : section.key_mark;
    policy.add_filter(read_filter(item, list, where, policy, ctx));
  }
}

}  // namespace

std::vector<config::Section> config_sections(Policy& out) {
  return {
      // The preset first, wherever it is written: expected_ports and filters refine it.
      {"preset",
       [&out](const Entry& e, const ConfigContext& ctx) {
         const std::string name = read_scalar(e.value, e.key_mark, "preset", ctx);
         const auto preset = parse_preset(name);
         if (!preset)
           ctx.fail(e.value, e.key_mark,
                    "preset: unknown preset " + quote(name) + "; known presets: " + preset_names());
         std::string source = out.source();
         out = Policy::from_preset(*preset);
         out.set_source(std::move(source));
       }},
      {"expected_ports",
       [&out](const Entry& e, const ConfigContext& ctx) { read_expected_ports(e, out, ctx); }},
      {"port_rules",
       [&out](const Entry& e, const ConfigContext& ctx) { read_port_rules_switch(e, out, ctx); }},
      {"expected_apps",
       [&out](const Entry& e, const ConfigContext& ctx) { read_expected_apps(e, out, ctx); }},
      {"filters", [&out](const Entry& e, const ConfigContext& ctx) { read_filters(e, out, ctx); }},
  };
}

Policy parse_policy_text(std::string_view text, const std::string& file,
                         std::span<const config::Section> extra) {
  Policy policy;
  policy.set_source(file);
  std::vector<config::Section> sections = config_sections(policy);
  sections.insert(sections.end(), extra.begin(), extra.end());
  config::parse_text(text, file, sections);
  return policy;
}

Policy load_policy_file(const std::string& path, std::span<const config::Section> extra) {
  Policy policy;
  policy.set_source(path);
  std::vector<config::Section> sections = config_sections(policy);
  sections.insert(sections.end(), extra.begin(), extra.end());
  config::load_file(path, sections);
  return policy;
}

}  // namespace protoport::policy
