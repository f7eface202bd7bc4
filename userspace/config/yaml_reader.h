// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Strict reading of YAML nodes with `file:line: message` errors, shared by every section of the
// configuration file (policy, exporters), so that each section reports unknown keys, duplicate
// keys, wrong types and bad ports the same way.
#pragma once

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.h"

namespace protoport::config {

class ConfigContext {
 public:
  explicit ConfigContext(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  // Throws ConfigError at the node's line, or at `fallback` when the node has no position
  // (yaml-cpp puts an empty value on the next token's line, so callers pass the key's mark).
  [[noreturn]] void fail(const YAML::Mark& mark, const std::string& message) const;
  [[noreturn]] void fail(const YAML::Node& node, const YAML::Mark& fallback,
                         const std::string& message) const;

 private:
  std::string file_;
};

// A map entry with the key's position, for error messages about its value.
struct Entry {
  std::string key;
  YAML::Mark key_mark;
  YAML::Node value;
};

// The entries of a mapping, in file order. Fails if `node` is not a mapping, a key is not a
// plain string, a key repeats, or a key is not in `known` (suggesting the closest known key).
// `where` names the mapping in messages ("top level", "filters[2]"), `noun` its keys ("key",
// "app").
std::vector<Entry> read_map(const YAML::Node& node, const YAML::Mark& fallback,
                            std::string_view where, const std::vector<std::string_view>& known,
                            const ConfigContext& ctx, std::string_view noun = "key");

// A scalar's text; fails on a sequence, mapping or null.
std::string read_scalar(const YAML::Node& node, const YAML::Mark& fallback, std::string_view where,
                        const ConfigContext& ctx);

// A port number 1..65535 written in decimal (53 or "53"); fails on anything else.
std::uint16_t read_port(const YAML::Node& node, const YAML::Mark& fallback, std::string_view where,
                        const ConfigContext& ctx);
// The same for text taken from `node` (e.g. the "853" of "853/tcp").
std::uint16_t port_from_text(std::string_view text, const YAML::Node& node,
                             const YAML::Mark& fallback, std::string_view where,
                             const ConfigContext& ctx);

// "a sequence", "a mapping", "a single value", "an empty value": for "must be X, not Y".
std::string_view node_kind(const YAML::Node& node);

// The keys of one section, each with what it sets: the one list of the section's keys, from
// which read_map() learns what is known and the reader what to do with each.
template <typename Config>
struct Key {
  std::string_view name;
  void (*read)(Config& c, const Entry& e, const std::string& where, const ConfigContext& ctx);
};

// Reads `section` into `c` with `keys`; returns the names of the keys present.
template <typename Config, std::size_t N>
std::vector<std::string_view> read_keys(const Entry& section, const std::string& base,
                                        const Key<Config> (&keys)[N], Config& c,
                                        const ConfigContext& ctx, std::string_view noun = "key") {
  std::vector<std::string_view> names;
  for (const Key<Config>& k : keys) names.push_back(k.name);
  std::vector<std::string_view> present;
  for (const Entry& e : read_map(section.value, section.key_mark, base, names, ctx, noun)) {
    for (const Key<Config>& k : keys) {
      if (e.key != k.name) continue;
      k.read(c, e, base + "." + e.key, ctx);
      present.push_back(k.name);
    }
  }
  return present;
}

inline bool has(const std::vector<std::string_view>& present, std::string_view key) {
  return std::find(present.begin(), present.end(), key) != present.end();
}

// The known word closest to `word` (edit distance <= 2), or empty.
std::string_view closest(std::string_view word, const std::vector<std::string_view>& known);

}  // namespace protoport::config
