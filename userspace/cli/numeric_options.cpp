// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
#include "cli/numeric_options.h"

#include <CLI/CLI.hpp>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/escape.h"

namespace protoport::cli {
namespace {

// The value as the user typed it, safe for a terminal and short enough for one line.
std::string shown(const std::string& text) { return for_terminal(text, 40); }

// Decimal digits only, no sign, no exponent; false if empty, not digits, or above UINT64_MAX.
bool parse_whole(const std::string& text, std::uint64_t& value) {
  if (text.empty() || text.size() > 20) return false;
  for (const char c : text)
    if (c < '0' || c > '9') return false;
  errno = 0;
  value = std::strtoull(text.c_str(), nullptr, 10);
  return errno == 0;
}

std::string human_bytes(std::uint64_t bytes) {
  if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "G";
  if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "M";
  if (bytes >= (1ull << 10) && bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "K";
  return std::to_string(bytes);
}

}  // namespace

std::string check_seconds(const std::string& text, const std::string& what,
                          const std::string& zero_means) {
  const std::string range =
      "must be 0 (" + zero_means + ") or 0.001 to 31536000 seconds (365 days)";
  char* end = nullptr;
  errno = 0;
  const double v = text.empty() ? NAN : std::strtod(text.c_str(), &end);
  // strtod accepts nan, inf and hexadecimal floats: only finite decimal numbers are seconds.
  const bool numeric = !text.empty() && end != nullptr && *end == '\0' && std::isfinite(v) &&
                       text.find_first_of("xXnN") == std::string::npos;
  if (!numeric || v < 0 || (v > 0 && v < kMinSeconds) || v > kMaxSeconds)
    return "invalid " + what + " " + shown(text) + ": " + range;
  return {};
}

std::string check_count(const std::string& text, const std::string& what, std::uint64_t lo,
                        std::uint64_t hi) {
  std::uint64_t v = 0;
  if (!parse_whole(text, v) || v < lo || v > hi)
    return "invalid " + what + " " + shown(text) + ": must be " + std::to_string(lo) + ".." +
           std::to_string(hi);
  return {};
}

std::string check_power_of_two_size(std::string& text, const std::string& what, std::uint64_t lo,
                                    std::uint64_t hi) {
  return check_size(text, what, lo, hi, true);
}

std::string check_size(std::string& text, const std::string& what, std::uint64_t lo,
                       std::uint64_t hi, bool power_of_two) {
  const std::string range = std::string(power_of_two ? "must be a power of two" : "must be") +
                            " from " + human_bytes(lo) + " to " + human_bytes(hi) +
                            " bytes (e.g. 4M)";
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  std::string suffix = text.substr(digits);
  for (char& c : suffix) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  unsigned shift = 0;
  if (suffix.empty() || suffix == "b")
    shift = 0;
  else if (suffix == "k" || suffix == "kb" || suffix == "kib")
    shift = 10;
  else if (suffix == "m" || suffix == "mb" || suffix == "mib")
    shift = 20;
  else if (suffix == "g" || suffix == "gb" || suffix == "gib")
    shift = 30;
  else
    return "invalid " + what + " " + shown(text) + ": " + range;
  std::uint64_t v = 0;
  if (!parse_whole(text.substr(0, digits), v) || v > (hi >> shift))
    return "invalid " + what + " " + shown(text) + ": " + range;
  v <<= shift;
  if (v < lo || v > hi || (power_of_two && (v & (v - 1)) != 0))
    return "invalid " + what + " " + shown(text) + ": " + range;
  text = std::to_string(v);
  return {};
}

CLI::Validator seconds_option(const std::string& what, const std::string& zero_means) {
  return CLI::Validator(
      [what, zero_means](std::string& text) { return check_seconds(text, what, zero_means); },
      "0 or 0.001..31536000");
}

CLI::Validator count_option(const std::string& what, std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator(
      [what, lo, hi](std::string& text) { return check_count(text, what, lo, hi); },
      std::to_string(lo) + ".." + std::to_string(hi));
}

CLI::Validator byte_size_option(const std::string& what, std::uint64_t lo, std::uint64_t hi) {
  return CLI::Validator(
      [what, lo, hi](std::string& text) { return check_size(text, what, lo, hi, false); },
      human_bytes(lo) + ".." + human_bytes(hi));
}

CLI::Validator power_of_two_size_option(const std::string& what, std::uint64_t lo,
                                        std::uint64_t hi) {
  return CLI::Validator(
      [what, lo, hi](std::string& text) { return check_power_of_two_size(text, what, lo, hi); },
      "power of two " + human_bytes(lo) + ".." + human_bytes(hi));
}

}  // namespace protoport::cli
