#include "text.hpp"

#include <cstring>

namespace porchlight::detail {

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    // Most text is ASCII: eight bytes at a time while no byte has its high bit set.
    while (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i == n) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) { ++i; continue; }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; }
    else return false;
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    i += len;
  }
  return true;
}

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

bool has_control_chars(std::string_view s, bool allow_newlines) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (allow_newlines && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

std::string truncate_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  static constexpr std::string_view kEllipsis = "\xE2\x80\xA6";
  std::size_t cut = max_bytes >= kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  std::string out(s.substr(0, cut));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += kEllipsis;
  return out;
}

std::string collapse_whitespace(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char c : s) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out += ' ';
    pending_space = false;
    out += c;
  }
  return out;
}

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  return true;
}

std::string normalize_for_matching(std::string_view s) {
  // Written through a pointer into a buffer sized for the longest result (every routed request
  // passes here): ' ' + at most one byte per input byte + ' '.
  std::string out(s.size() + 2, ' ');
  char* o = out.data() + 1;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 'A' && c <= 'Z') *o++ = static_cast<char>(c - 'A' + 'a');
    else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '$' || c == '%') *o++ = ch;
    else if (o[-1] != ' ') *o++ = ' ';
  }
  if (o[-1] != ' ') *o++ = ' ';
  out.resize(static_cast<std::size_t>(o - out.data()));
  return out;
}

Excerpt router_excerpt(std::string_view s) {
  if (s.size() <= kExcerptHeadBytes + kExcerptTailBytes) return {s, {}};
  auto is_space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  auto is_continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
  // The head ends at its last space (or, with none, on a code point boundary); the tail starts
  // after its first space (likewise).
  std::size_t head = kExcerptHeadBytes;
  while (head > 0 && !is_space(s[head])) --head;
  if (head == 0)
    for (head = kExcerptHeadBytes; head > 0 && is_continuation(s[head]);) --head;
  std::size_t tail = s.size() - kExcerptTailBytes;
  while (tail < s.size() && !is_space(s[tail])) ++tail;
  if (tail < s.size()) ++tail;
  else
    for (tail = s.size() - kExcerptTailBytes; tail < s.size() && is_continuation(s[tail]);) ++tail;
  return {s.substr(0, head), s.substr(tail)};
}

std::string hex64(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kDigits[v & 0xF];
    v >>= 4;
  }
  return out;
}

}  // namespace porchlight::detail
