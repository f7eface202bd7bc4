// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "policy/describe.h"

#include <algorithm>
#include <vector>

#include "common/escape.h"
#include "policy/names.h"

namespace protoport::policy {

namespace {

// Greedy word wrap: the first line starts with `first` (already `first.size()` columns wide),
// later lines with `indent` spaces. A word longer than a line is cut rather than overflowing.
std::string wrap(const std::string& first, std::string_view text, std::size_t indent,
                 std::size_t width) {
  width = std::max<std::size_t>(width, indent + 8);
  std::string out = first;
  std::size_t column = first.size();
  bool line_has_word = false;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ') {
      ++i;
      continue;
    }
    std::size_t end = text.find(' ', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view word = text.substr(i, end - i);
    while (!word.empty()) {
      const std::size_t need = word.size() + (line_has_word ? 1 : 0);
      if (column + need > width && (line_has_word || column > indent)) {
        out += '\n' + std::string(indent, ' ');
        column = indent;
        line_has_word = false;
        continue;
      }
      if (line_has_word) {
        out += ' ';
        ++column;
      }
      const std::size_t room = width > column ? width - column : 0;
      const std::string_view piece = word.substr(0, std::max<std::size_t>(room, 1));
      out += piece;
      column += piece.size();
      line_has_word = true;
      word.remove_prefix(piece.size());
    }
    i = end;
  }
  return out + '\n';
}

std::string pad(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string ports_text(const Rule& rule) {
  std::string out;
  for (const PortSpec& spec : rule.expected) {
    if (!out.empty()) out += ", ";
    out += spec.to_string();
  }
  return out;
}

std::string port_rules_text(const Policy& policy, std::size_t width) {
  std::string out = wrap(
      policy.port_rules_enabled() ? "Port rules (the description's direction): "
                                  : "Port rules (OFF: port_rules: false or --port-rules off): ",
      "a flow to PORT whose app has no app rule and is none of those listed is a mismatch; "
      "unknown only when its opening was seen whole (>= 16 bytes from the initiator, the TCP "
      "handshake seen) and is not even loosely shaped like the expected protocol.",
      2, width);
  if (policy.port_rules().empty()) return out + "  (none)\n";
  std::size_t rule_width = 4, port_width = 4;
  for (const PortRule& r : policy.port_rules()) {
    rule_width = std::max(rule_width, r.id().size());
    port_width = std::max(port_width, r.port_text().size());
  }
  out += "  " + pad("RULE", rule_width) + "  " + pad("PORT", port_width) + "  EXPECTED APPS\n";
  const std::size_t apps_column = 2 + rule_width + 2 + port_width + 2;
  for (const PortRule& r : policy.port_rules()) {
    const std::string lead =
        "  " + pad(r.id(), rule_width) + "  " + pad(r.port_text(), port_width) + "  ";
    std::string apps;
    for (const App app : r.expected) {
      if (!apps.empty()) apps += ", ";
      apps += fingerprint::to_string(app);
    }
    out += wrap(lead, apps, apps_column, width);
  }
  return out;
}

}  // namespace

std::string describe(const Policy& policy, std::size_t width) {
  std::string out;
  out += wrap("Policy: ", protoport::for_terminal(policy.source()), 2, width);
  out += wrap("Preset: ",
              std::string(to_string(policy.preset())) + " (" +
                  std::string(preset_description(policy.preset())) + ")",
              2, width);

  out += '\n';
  out += wrap("App rules (the search's direction): ",
              "a flow of APP to a destination port not listed is a mismatch.", 2, width);
  std::size_t rule_width = 4, app_width = 3;
  for (const Rule& rule : policy.rules()) {
    rule_width = std::max(rule_width, rule.id().size());
    app_width = std::max(app_width, fingerprint::to_string(rule.app).size());
  }
  const std::size_t ports_column = 2 + rule_width + 2 + app_width + 2;
  out += "  " + pad("RULE", rule_width) + "  " + pad("APP", app_width) + "  EXPECTED PORTS\n";
  for (const Rule& rule : policy.rules()) {
    const std::string lead = "  " + pad(rule.id(), rule_width) + "  " +
                             pad(std::string(fingerprint::to_string(rule.app)), app_width) + "  ";
    out += wrap(lead, ports_text(rule), ports_column, width);
  }
  out += wrap("  ", "(PORT alone: tcp and udp; PORT/tcp, PORT/udp: that transport only)", 3, width);

  out += '\n';
  out += port_rules_text(policy, width);

  std::string unpoliced;
  for (const App app : all_apps()) {
    if (policy.can_mismatch(app)) continue;
    if (!unpoliced.empty()) unpoliced += ", ";
    unpoliced += fingerprint::to_string(app);
  }
  if (!unpoliced.empty()) out += wrap("Never a mismatch (no rule): ", unpoliced, 2, width);

  if (policy.filters().empty()) {
    out += "\nFilters: none\n";
    return out;
  }
  out += "\n";
  out += wrap(
      "Filters: ", "a mismatch that matches every field of a filter is suppressed and counted.", 2,
      width);
  for (std::size_t i = 0; i < policy.filters().size(); ++i) {
    const Filter& filter = policy.filters()[i];
    std::string lead = "  filters[" + std::to_string(i) + "]";
    if (filter.line > 0) lead += " (line " + std::to_string(filter.line) + ")";
    lead += ": ";
    out += wrap(lead, filter.summary(), 6, width);
    if (!filter.comment.empty())
      out += wrap("      # ", protoport::for_terminal(filter.comment), 8, width);
  }
  return out;
}

}  // namespace protoport::policy
