// text.hpp (internal): UTF-8 checks, safe truncation, normalization for keyword matching, hashing.
// Everything here is deterministic and locale-free, so native and WASM give the same bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace porchlight::detail {

// Bytes a JSON string cannot hold raw: the C0 controls, '"' and '\\'. The writer escapes them; the
// parser stops at them. Runs without them are copied whole.
inline constexpr auto kJsonSpecialByte = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[static_cast<std::size_t>(c)] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

bool is_valid_utf8(std::string_view text);
std::size_t count_code_points(std::string_view utf8);
// True when text holds C0 control characters (or DEL); tab and newlines pass when allowed.
bool has_control_chars(std::string_view text, bool allow_newlines);
// At most max_bytes bytes, cut on a code point boundary; appends "…" when it cut.
std::string truncate_utf8(std::string_view utf8, std::size_t max_bytes);
// Whitespace runs folded to one space, trimmed.
std::string collapse_whitespace(std::string_view text);
// True when text holds only spaces, tabs and line breaks (what collapse_whitespace makes empty).
bool is_blank(std::string_view text);
// Lowercase ASCII letters and digits; every other byte run becomes one space; padded with a space
// on both sides so that " phrase" finds a phrase at a word start.
std::string normalize_for_matching(std::string_view text);
// What the router reads of a request: all of a short one; of a long one (a pasted page), its start
// and its end, which is where agents put their own question. Each part is cut between words.
struct Excerpt {
  std::string_view head, tail;  // tail is empty when head is the whole text
};
inline constexpr std::size_t kExcerptHeadBytes = 480, kExcerptTailBytes = 240;
Excerpt router_excerpt(std::string_view text);
// FNV-1a, 64 bits; `seed` continues an earlier hash. Inline: routing hashes every word and trigram.
constexpr std::uint64_t fnv1a64(std::string_view bytes, std::uint64_t seed = 0xcbf29ce484222325ULL) {
  for (char c : bytes) {
    seed ^= static_cast<unsigned char>(c);
    seed *= 0x100000001b3ULL;
  }
  return seed;
}
std::string hex64(std::uint64_t value);

}  // namespace porchlight::detail
