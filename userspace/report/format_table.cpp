// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The human format: what was found against what was expected, aligned, fitted to the terminal's
// width when the content allows (long evidence is cut with "..."). Every payload byte goes through
// for_terminal(), so the output holds printable ASCII and '\n' only.
#include <algorithm>
#include <vector>

#include "common/escape.h"
#include "report/format.h"
#include "report/time_format.h"

namespace protoport::report {

namespace {

constexpr std::size_t kIndent = 4;
constexpr std::size_t kMaxExpectedWidth = 24;

std::string found_text(fingerprint::App app, std::uint16_t port, fingerprint::Transport t) {
  return std::string(fingerprint::to_string(app)) + " on " + std::to_string(port) + "/" +
         std::string(fingerprint::to_string(t));
}

std::string endpoint(const IpAddr& ip, std::uint16_t port) {
  return ip.v4 ? ip.to_string() + ":" + std::to_string(port)
               : "[" + ip.to_string() + "]:" + std::to_string(port);
}

// "key=value" items for the evidence, each short enough for a continuation line. Items are
// separated by two spaces, which no value holds (for_table_value), so none can forge another.
// The direction when it was inferred rather than witnessed (a handshake, a request or reply):
// the analyst should know that src and dest may be the other way round.
std::optional<std::string> direction_guess(DirectionBy by) {
  if (by == DirectionBy::syn || by == DirectionBy::payload) return std::nullopt;
  return "direction_by=" + std::string(to_string(by));
}

std::vector<std::string> evidence_items(const std::vector<fingerprint::Evidence>& evidence,
                                        std::size_t width) {
  std::vector<std::string> items;
  const std::size_t room = width > kIndent ? width - kIndent : 1;
  for (const auto& [key, value] : evidence_fields(evidence)) {
    std::string item = for_terminal(key) + "=";
    item += for_table_value(value, room > item.size() ? room - item.size() : 3);
    items.push_back(std::move(item));
  }
  return items;
}

// Process attribution, on a line of its own: "process curl pid 812 /usr/bin/curl user root (0)
// cgroup /x" (and, on a row, how many distinct processes its flows had).
std::vector<std::string> process_items(const ProcessInfo* p, std::optional<std::size_t> count,
                                       std::size_t width) {
  if (p == nullptr) return {};
  const std::size_t room = width > kIndent ? width - kIndent : 1;
  std::vector<std::string> items{"process " + for_table_value(p->name, room) + " pid " +
                                 std::to_string(p->pid)};
  if (!p->path.empty()) items.push_back(for_table_value(p->path, room));
  items.push_back("user " + (p->user.empty() ? std::string("?") : for_table_value(p->user, room)) +
                  " (" + std::to_string(p->uid) + ")");
  if (!p->cgroup.empty()) items.push_back("cgroup " + for_table_value(p->cgroup, room));
  if (!p->container_id.empty()) items.push_back("container " + p->container_id.substr(0, 12));
  if (count && *count > 1) items.push_back("(" + std::to_string(*count) + " processes)");
  return items;
}

// Greedy packing of items into lines of at most `width` columns; the first line starts at column
// `column`, later ones after kIndent spaces. An item wider than a line still gets its own line.
void pack(std::string& out, const std::vector<std::string>& items, std::size_t column,
          std::size_t width, std::string_view separator = "  ") {
  bool line_empty = true;
  for (const std::string& item : items) {
    if (!line_empty && column + separator.size() + item.size() > width) {
      out += '\n';
      out.append(kIndent, ' ');
      column = kIndent;
      line_empty = true;
    }
    if (!line_empty) {
      out += separator;
      column += separator.size();
    }
    out += item;
    column += item.size();
    line_empty = false;
  }
  out += '\n';
}

std::string plural(std::uint64_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

std::string pad_right(std::string text, std::size_t width) {
  if (text.size() < width) text.append(width - text.size(), ' ');
  return text;
}

std::string pad_left(std::string text, std::size_t width) {
  if (text.size() < width) text.insert(0, width - text.size(), ' ');
  return text;
}

std::string cut(const std::string& text, std::size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

class TableFormatter final : public Formatter {
 public:
  explicit TableFormatter(const FormatOptions& options)
      : width_(std::max<std::size_t>(options.width, 40)) {}

  std::string header() const override { return {}; }

  std::string new_mismatch(const policy::Mismatch& m) const override {
    std::string out;
    pack(out,
         {"NEW", found_text(m.app, m.dest_port, m.transport) + ", expected " + m.expected + ":",
          endpoint(m.src_ip, m.src_port) + " -> " + m.dest_ip.to_string()},
         0, width_, " ");
    out.append(kIndent, ' ');
    std::vector<std::string> items{"at " + format_utc(m.time_ns), m.rule};
    if (const auto guess = direction_guess(m.direction_by)) items.push_back(*guess);
    for (auto& item : evidence_items(m.evidence, width_)) items.push_back(std::move(item));
    pack(out, items, kIndent, width_);
    if (const auto proc = process_items(m.process.get(), std::nullopt, width_); !proc.empty()) {
      out.append(kIndent, ' ');
      pack(out, proc, kIndent, width_, " ");
    }
    return out;
  }

  std::string risk(const RiskEvent& e) const override {
    std::string out;
    pack(out,
         {"RISK", e.src_ip.to_string() + " -> " + e.dest_ip.to_string(),
          "score " + std::to_string(kRiskScore) + ":", std::string(kRiskMessage)},
         0, width_, " ");
    out.append(kIndent, ' ');
    pack(out,
         {"risk_object " + e.src_ip.to_string() + " (" + std::string(kRiskObjectType) + "),",
          "threat_object " + e.dest_ip.to_string() + " (" + std::string(kThreatObjectType) + "),",
          found_text(e.app, e.dest_port, e.transport) + " (" + e.rule + "),",
          plural(e.count, "flow") + " since " + format_utc(e.first_ns)},
         kIndent, width_, " ");
    return out;
  }

  std::string report(const ReportSnapshot& s, std::int64_t now_ns) const override {
    std::string out = "protoport report " + format_utc(now_ns) + " UTC\n";
    if (s.rows.empty()) {
      out += "no mismatches\n";
    } else {
      out += rows_table(s);
    }
    out += plural(s.rows.size(), "row") + ", " + plural(s.flows, "flow") + "; evicted " +
           plural(s.evicted_rows, "row") + " (" + plural(s.evicted_flows, "flow") + "); filtered " +
           plural(s.filtered, "flow") + "\n";
    return out;
  }

 private:
  std::string rows_table(const ReportSnapshot& s) const {
    struct Cells {
      std::string src, dest, found, expected, flows, first, last;
    };
    std::vector<Cells> cells;
    std::size_t w_src = 6, w_dest = 7, w_found = 5, w_expected = 8, w_flows = 5;
    for (const Row& row : s.rows) {
      Cells c{row.key.src_ip.to_string(),
              row.key.dest_ip.to_string(),
              found_text(row.key.app, row.key.dest_port, row.key.transport),
              cut(row.expected, kMaxExpectedWidth),
              std::to_string(row.count),
              format_utc(row.first_ns),
              format_utc(row.last_ns)};
      w_src = std::max(w_src, c.src.size());
      w_dest = std::max(w_dest, c.dest.size());
      w_found = std::max(w_found, c.found.size());
      w_expected = std::max(w_expected, c.expected.size());
      w_flows = std::max(w_flows, c.flows.size());
      cells.push_back(std::move(c));
    }
    const std::size_t w_time = 19;
    const std::size_t base = w_src + 2 + w_dest + 2 + w_found + 2 + w_expected + 2 + w_flows;
    // The times join the first line when it still fits; otherwise they open the second.
    const bool times_inline = base + 2 + w_time + 2 + w_time <= width_;

    std::string out = pad_right("SRC_IP", w_src) + "  " + pad_right("DEST_IP", w_dest) + "  " +
                      pad_right("FOUND", w_found) + "  " + pad_right("EXPECTED", w_expected) +
                      "  " + pad_left("FLOWS", w_flows);
    if (times_inline)
      out += "  " + pad_right("FIRST (UTC)", w_time) + "  LAST (UTC)\n";
    else
      out += "\n    first and last seen (UTC), evidence\n";

    for (std::size_t i = 0; i < cells.size(); ++i) {
      const Cells& c = cells[i];
      out += pad_right(c.src, w_src) + "  " + pad_right(c.dest, w_dest) + "  " +
             pad_right(c.found, w_found) + "  " + pad_right(c.expected, w_expected) + "  " +
             pad_left(c.flows, w_flows);
      std::vector<std::string> items;
      if (times_inline) {
        out += "  " + c.first + "  " + c.last + "\n";
      } else {
        out += '\n';
        items.push_back("first " + c.first);
        items.push_back("last " + c.last);
      }
      if (const auto guess = direction_guess(s.rows[i].direction_by)) items.push_back(*guess);
      for (auto& item : evidence_items(s.rows[i].evidence, width_))
        items.push_back(std::move(item));
      if (!items.empty()) {
        out.append(kIndent, ' ');
        pack(out, items, kIndent, width_);
      }
      const auto proc = process_items(s.rows[i].process.get(), s.rows[i].processes.size(), width_);
      if (!proc.empty()) {
        out.append(kIndent, ' ');
        pack(out, proc, kIndent, width_, " ");
      }
    }
    return out;
  }

  std::size_t width_;
};

}  // namespace

std::unique_ptr<Formatter> make_table_formatter(const FormatOptions& options) {
  return std::make_unique<TableFormatter>(options);
}

}  // namespace protoport::report
