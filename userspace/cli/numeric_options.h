// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Validators for the numeric options of watch and replay. CLI11's own conversions accept nan and
// inf, let 1e19 overflow a later cast, and print ranges such as 0..1.8e308 in 309 digits; these
// parse the text themselves and fail with one line naming the option, the value (escaped) and a
// range a person can read. The failure is a CLI::ValidationError (exit 2).
#pragma once

#include <cstdint>
#include <string>

namespace CLI {
class Validator;
}

namespace protoport::cli {

// The longest duration or interval accepted, in seconds (365 days): far below where seconds
// times 1e9 overflows a signed 64-bit count of nanoseconds.
inline constexpr double kMaxSeconds = 365.0 * 24 * 3600;
// The shortest non-zero duration or interval, in seconds.
inline constexpr double kMinSeconds = 0.001;

// Seconds: 0 (meaning `zero_means`, e.g. "until Ctrl-C") or kMinSeconds..kMaxSeconds.
CLI::Validator seconds_option(const std::string& what, const std::string& zero_means);

// A whole number lo..hi (decimal digits only).
CLI::Validator count_option(const std::string& what, std::uint64_t lo, std::uint64_t hi);

// Bytes, with an optional binary suffix (K, M, G; KB, KiB, ... alike): a power of two from
// lo to hi. Rewrites the value to plain bytes.
CLI::Validator power_of_two_size_option(const std::string& what, std::uint64_t lo,
                                        std::uint64_t hi);

// Bytes, with an optional binary suffix, from lo to hi (any whole number). Rewrites to bytes.
CLI::Validator byte_size_option(const std::string& what, std::uint64_t lo, std::uint64_t hi);

// Checks the texts as the validators above do: "" if fine, else the message without the option
// name (CLI11 puts "--option: " before it). Exposed for unit tests.
std::string check_seconds(const std::string& text, const std::string& what,
                          const std::string& zero_means);
std::string check_count(const std::string& text, const std::string& what, std::uint64_t lo,
                        std::uint64_t hi);
// On success, text is rewritten to the number of bytes.
std::string check_size(std::string& text, const std::string& what, std::uint64_t lo,
                       std::uint64_t hi, bool power_of_two);
std::string check_power_of_two_size(std::string& text, const std::string& what, std::uint64_t lo,
                                    std::uint64_t hi);

}  // namespace protoport::cli
