// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// The one bounds-checked cursor every fingerprint parser reads through. Payload bytes are
// attacker-controlled and usually truncated by the sampler, so every read says whether the bytes
// were there; nothing here can read past the span it was given, and nothing allocates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace protoport::fingerprint::detail {

using Bytes = std::span<const std::uint8_t>;

constexpr std::uint8_t ascii_lower(std::uint8_t c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}
constexpr bool is_digit(std::uint8_t c) { return c >= '0' && c <= '9'; }
// Visible ASCII, no space: what a URL, a host name or a protocol token is made of.
constexpr bool is_visible(std::uint8_t c) { return c > 0x20 && c < 0x7f; }

class ByteReader {
 public:
  explicit constexpr ByteReader(Bytes bytes) : bytes_(bytes) {}

  constexpr std::size_t offset() const { return pos_; }
  constexpr std::size_t remaining() const { return bytes_.size() - pos_; }
  constexpr bool empty() const { return pos_ == bytes_.size(); }
  constexpr bool has(std::size_t n) const { return n <= remaining(); }
  // The unread bytes.
  constexpr Bytes rest() const { return bytes_.subspan(pos_); }

  std::optional<std::uint8_t> peek_u8(std::size_t ahead = 0) const {
    if (!has(ahead + 1)) return std::nullopt;
    return bytes_[pos_ + ahead];
  }
  std::optional<std::uint8_t> u8() {
    if (!has(1)) return std::nullopt;
    return bytes_[pos_++];
  }
  std::optional<std::uint16_t> u16() {  // network byte order
    if (!has(2)) return std::nullopt;
    auto v = static_cast<std::uint16_t>((bytes_[pos_] << 8) | bytes_[pos_ + 1]);
    pos_ += 2;
    return v;
  }
  std::optional<std::uint32_t> u24() {  // network byte order
    if (!has(3)) return std::nullopt;
    auto v = (std::uint32_t{bytes_[pos_]} << 16) | (std::uint32_t{bytes_[pos_ + 1]} << 8) |
             bytes_[pos_ + 2];
    pos_ += 3;
    return v;
  }
  std::optional<std::uint32_t> u32() {  // network byte order
    if (!has(4)) return std::nullopt;
    auto v = (std::uint32_t{bytes_[pos_]} << 24) | (std::uint32_t{bytes_[pos_ + 1]} << 16) |
             (std::uint32_t{bytes_[pos_ + 2]} << 8) | bytes_[pos_ + 3];
    pos_ += 4;
    return v;
  }
  // Consumes n bytes; false (and nothing consumed) if fewer remain.
  bool skip(std::size_t n) {
    if (!has(n)) return false;
    pos_ += n;
    return true;
  }
  std::optional<Bytes> take(std::size_t n) {
    if (!has(n)) return std::nullopt;
    Bytes out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // Consumes up to n bytes (fewer if the span ends first): for a length field whose body the
  // sample may have cut off. `complete` says whether all n were there.
  Bytes take_up_to(std::size_t n, bool& complete) {
    complete = has(n);
    std::size_t k = complete ? n : remaining();
    Bytes out = bytes_.subspan(pos_, k);
    pos_ += k;
    return out;
  }

  // True if the unread bytes begin with `lit` (exact bytes); consumes it when `consume`.
  bool starts_with(std::string_view lit, bool consume = false) {
    if (!has(lit.size())) return false;
    for (std::size_t i = 0; i < lit.size(); ++i)
      if (bytes_[pos_ + i] != static_cast<std::uint8_t>(lit[i])) return false;
    if (consume) pos_ += lit.size();
    return true;
  }
  // Same, ASCII case-insensitive; `lit` must be lower case.
  bool starts_with_icase(std::string_view lit, bool consume = false) {
    if (!has(lit.size())) return false;
    for (std::size_t i = 0; i < lit.size(); ++i)
      if (ascii_lower(bytes_[pos_ + i]) != static_cast<std::uint8_t>(lit[i])) return false;
    if (consume) pos_ += lit.size();
    return true;
  }
  // The longest prefix (at most max_len bytes) whose bytes satisfy pred; consumes it.
  template <class Pred>
  Bytes take_while(Pred pred, std::size_t max_len = static_cast<std::size_t>(-1)) {
    std::size_t n = 0;
    while (n < max_len && pos_ + n < bytes_.size() && pred(bytes_[pos_ + n])) ++n;
    Bytes out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }
  // One text line: the bytes up to LF (a CR before it is dropped), consuming the terminator.
  // nullopt, and nothing consumed, if no LF comes within max_len bytes or before the span ends.
  std::optional<Bytes> line(std::size_t max_len = 1024) {
    std::size_t limit = remaining() < max_len + 1 ? remaining() : max_len + 1;
    for (std::size_t i = 0; i < limit; ++i) {
      if (bytes_[pos_ + i] != '\n') continue;
      std::size_t len = (i > 0 && bytes_[pos_ + i - 1] == '\r') ? i - 1 : i;
      Bytes out = bytes_.subspan(pos_, len);
      pos_ += i + 1;
      return out;
    }
    return std::nullopt;
  }

 private:
  Bytes bytes_;
  std::size_t pos_ = 0;
};

// ASCII case-insensitive search of `needle` (lower case) in `hay`.
inline bool contains_icase(Bytes hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (hay.size() < needle.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && ascii_lower(hay[i + j]) == static_cast<std::uint8_t>(needle[j]))
      ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

inline bool equals(Bytes a, std::string_view lit) {
  if (a.size() != lit.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != static_cast<std::uint8_t>(lit[i])) return false;
  return true;
}

}  // namespace protoport::fingerprint::detail
