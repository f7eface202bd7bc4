// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "config/yaml_reader.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "common/escape.h"
#include "common/text.h"

namespace protoport::config {

namespace {

int line_of(const YAML::Mark& mark) { return mark.line >= 0 ? mark.line + 1 : 0; }

std::string known_list(const std::vector<std::string_view>& known) {
  std::string out;
  for (const auto k : known) {
    if (!out.empty()) out += ", ";
    out += k;
  }
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

void ConfigContext::fail(const YAML::Mark& mark, const std::string& message) const {
  throw ConfigError(file_, line_of(mark), message);
}

void ConfigContext::fail(const YAML::Node& node, const YAML::Mark& fallback,
                         const std::string& message) const {
  // A null value's mark is where the next token starts, often the following line: use the key's.
  const YAML::Mark mark =
      node.IsDefined() && !node.IsNull() && node.Mark().line >= 0 ? node.Mark() : fallback;
  fail(mark, message);
}

std::string_view node_kind(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "an empty value";
  if (node.IsSequence()) return "a sequence";
  if (node.IsMap()) return "a mapping";
  return "a single value";
}

std::string_view closest(std::string_view word, const std::vector<std::string_view>& known) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (const auto k : known) {
    const std::size_t d = edit_distance(word, k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

std::vector<Entry> read_map(const YAML::Node& node, const YAML::Mark& fallback,
                            std::string_view where, const std::vector<std::string_view>& known,
                            const ConfigContext& ctx, std::string_view noun) {
  if (!node.IsMap())
    ctx.fail(node, fallback,
             std::string(where) + " must be a mapping of keys (" + known_list(known) + "), not " +
                 std::string(node_kind(node)));
  std::vector<Entry> entries;
  std::set<std::string, std::less<>> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies: the iterator hands out a temporary pair, so a reference would dangle.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar())
      ctx.fail(
          key, node.Mark(),
          std::string(where) + ": a key must be a plain word, not " + std::string(node_kind(key)));
    const std::string& name = key.Scalar();
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      std::string message =
          "unknown " + std::string(noun) + " " + quote(name) + " in " + std::string(where);
      if (const auto guess = closest(name, known); !guess.empty())
        message += " (did you mean '" + std::string(guess) + "'?)";
      message += "; known " + std::string(noun) + "s: " + known_list(known);
      ctx.fail(key.Mark(), message);
    }
    if (!seen.insert(name).second) {
      const auto first = std::find_if(entries.begin(), entries.end(),
                                      [&](const Entry& e) { return e.key == name; });
      ctx.fail(key.Mark(), "duplicate " + std::string(noun) + " " + quote(name) + " in " +
                               std::string(where) + " (first at line " +
                               std::to_string(line_of(first->key_mark)) + ")");
    }
    entries.push_back(Entry{name, key.Mark(), value});
  }
  return entries;
}

std::string read_scalar(const YAML::Node& node, const YAML::Mark& fallback, std::string_view where,
                        const ConfigContext& ctx) {
  if (!node.IsScalar())
    ctx.fail(node, fallback,
             std::string(where) + " must be a single value, not " + std::string(node_kind(node)));
  return node.Scalar();
}

std::uint16_t read_port(const YAML::Node& node, const YAML::Mark& fallback, std::string_view where,
                        const ConfigContext& ctx) {
  return port_from_text(read_scalar(node, fallback, where, ctx), node, fallback, where, ctx);
}

std::uint16_t port_from_text(std::string_view text, const YAML::Node& node,
                             const YAML::Mark& fallback, std::string_view where,
                             const ConfigContext& ctx) {
  const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return c >= '0' && c <= '9';
  });
  if (!digits_only)
    ctx.fail(node, fallback,
             std::string(where) + ": " + quote(text) + " is not a port number (1..65535)");
  unsigned long value = 0;
  const auto [stop, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || stop != text.data() + text.size() || value < 1 || value > 65535)
    ctx.fail(node, fallback,
             std::string(where) + ": port " + for_terminal(text, 64) + " is out of range 1..65535");
  return static_cast<std::uint16_t>(value);
}

}  // namespace protoport::config
