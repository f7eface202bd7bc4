// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The YAML configuration file (`--config FILE`, examples/protoport.yaml): one mapping whose
// top-level keys are sections, each owned and parsed by the layer it configures (the policy's
// preset, expected_ports and filters; the exporters), and put together by the caller. This
// module only reads the file, checks its shape and hands each section to its owner.
//
// Any problem throws ConfigError ("file:line: message"), before anything is attached.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "config/config_error.h"
#include "config/yaml_reader.h"

namespace protoport::config {

// One top-level key and the function that parses its value.
struct Section {
  std::string name;
  std::function<void(const Entry& entry, const ConfigContext& ctx)> parse;
};

// Parses `text` (one YAML document; an empty one configures nothing): every top-level key must
// name a section, at most once. Sections are parsed in the order of `sections`, not of the file,
// so that one may build on another (expected_ports on the preset). `file` names the text in
// error messages.
void parse_text(std::string_view text, const std::string& file, std::span<const Section> sections);

// Reads `path` (at most 1 MiB) and parses it with parse_text().
void load_file(const std::string& path, std::span<const Section> sections);

}  // namespace protoport::config
