// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "config/config_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

#include <yaml-cpp/depthguard.h>

namespace protoport::config {

namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;

void parse_document(const YAML::Node& root, std::span<const Section> sections,
                    const ConfigContext& ctx) {
  if (!root.IsDefined() || root.IsNull()) return;  // an empty file: every default
  std::vector<std::string_view> known;
  for (const Section& section : sections) known.push_back(section.name);
  const YAML::Mark top{};  // line 0 -> reported as line 1
  const std::vector<Entry> entries = read_map(root, top, "top level", known, ctx);
  for (const Section& section : sections)
    for (const Entry& e : entries)
      if (e.key == section.name) section.parse(e, ctx);
}

}  // namespace

void parse_text(std::string_view text, const std::string& file, std::span<const Section> sections) {
  const ConfigContext ctx(file);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::DeepRecursion& e) {  // yaml-cpp's own text for it is "bad file"
    ctx.fail(e.mark, "the YAML nests deeper than " + std::to_string(e.depth()) +
                         " levels here; a protoport configuration needs at most 4 (is this the "
                         "right file?)");
  } catch (const YAML::Exception& e) {
    ctx.fail(e.mark, "YAML syntax error: " + e.msg);
  }
  if (documents.size() > 1)
    ctx.fail(documents[1], YAML::Mark{},
             "the file holds " + std::to_string(documents.size()) +
                 " YAML documents (separated by ---); protoport reads exactly one");
  try {
    parse_document(documents.empty() ? YAML::Node() : documents[0], sections, ctx);
  } catch (const YAML::Exception& e) {  // a conversion we did not foresee: still file:line
    ctx.fail(e.mark, e.msg);
  }
}

void load_file(const std::string& path, std::span<const Section> sections) {
  const auto cannot = [&path](const std::string& why) { return ConfigError(path, 0, why); };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rbe"),
                                                       std::fclose);
  if (!file)
    throw cannot(std::string("cannot open the configuration file: ") + std::strerror(errno));
  std::string text;
  char buf[8192];
  for (;;) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, file.get());
    text.append(buf, n);
    if (text.size() > kMaxFileBytes)
      throw cannot("the configuration file is larger than 1 MiB; is this the right file?");
    if (n < sizeof buf) break;
  }
  if (std::ferror(file.get()))
    throw cannot(std::string("cannot read the configuration file: ") + std::strerror(errno));
  parse_text(text, path, sections);
}

}  // namespace protoport::config
