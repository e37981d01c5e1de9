// json_output.cpp: see porchlight/json_output.hpp.
#include "porchlight/json_output.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "text.hpp"

namespace porchlight {

namespace {

// The length of the well-formed UTF-8 prefix of a sequence starting at s[0] (Unicode table 3-7),
// and whether it is a whole code point: the same judgement, byte by byte, as the decoder of
// nlohmann's serializer.
struct Sequence {
  std::size_t length;  // bytes that belong to it (at least 1: an invalid lead byte is consumed)
  bool whole;
};

Sequence read_sequence(std::string_view s) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  if (b0 < 0x80) return {1, true};
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
  if (b0 >= 0xC2 && b0 <= 0xDF) need = 1;
  else if (b0 >= 0xE0 && b0 <= 0xEF) need = 2, lo = b0 == 0xE0 ? 0xA0 : 0x80, hi = b0 == 0xED ? 0x9F : 0xBF;
  else if (b0 >= 0xF0 && b0 <= 0xF4) need = 3, lo = b0 == 0xF0 ? 0x90 : 0x80, hi = b0 == 0xF4 ? 0x8F : 0xBF;
  else return {1, false};
  std::size_t i = 1;
  for (; i <= need && i < s.size(); ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) return {i, false};
  }
  return {i, i == need + 1};
}

// Invalid UTF-8 made valid the way dump()'s error_handler_t::replace does it: each maximal
// invalid part (a bad lead byte, or a sequence cut short) becomes one U+FFFD.
std::string replace_invalid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (std::size_t i = 0; i < s.size();) {
    const Sequence seq = read_sequence(s.substr(i));
    if (seq.whole) out.append(s.substr(i, seq.length));
    else out += "\xEF\xBF\xBD";
    i += seq.length;
  }
  return out;
}

}  // namespace

// Escapes like nlohmann's serializer with ensure_ascii off: ", \ and the C0 controls; DEL and
// everything from U+0080 up pass through.
void append_json_escaped(std::string& out, std::string_view s) {
  if (!detail::is_valid_utf8(s)) {  // rare (inputs are checked): the library's replacement rules
    append_json_escaped(out, replace_invalid_utf8(s));
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    const char* run = p;
    while (p < end && !detail::kJsonSpecialByte[static_cast<unsigned char>(*p)]) ++p;
    out.append(run, static_cast<std::size_t>(p - run));  // (pointer, length): one memcpy
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p++);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
    }
  }
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  append_json_escaped(out, s);
  out.push_back('"');
}

namespace {
template <class Int> void append_integer(std::string& out, Int v) {
  std::array<char, 24> buf;
  const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  out.append(buf.data(), static_cast<std::size_t>(r.ptr - buf.data()));
}
}  // namespace

void append_json_text(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, it.key());
        out.push_back(':');
        append_json_text(out, it.value());
      }
      out.push_back('}');
      return;
    }
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : value) {
        if (!first) out.push_back(',');
        first = false;
        append_json_text(out, item);
      }
      out.push_back(']');
      return;
    }
    case json::value_t::string:
      append_json_string(out, value.get_ref<const std::string&>());
      return;
    case json::value_t::number_integer: append_integer(out, value.get<std::int64_t>()); return;
    case json::value_t::number_unsigned: append_integer(out, value.get<std::uint64_t>()); return;
    case json::value_t::number_float: {
      // What dump() writes: null for NaN and infinities, else the library's own shortest
      // round-trip digits (Grisu2), through the same function dump() calls.
      const double x = value.get<double>();
      if (!std::isfinite(x)) { out += "null"; return; }
      std::array<char, 64> buf;
      const char* end = nlohmann::detail::to_chars(buf.data(), buf.data() + buf.size(), x);
      out.append(buf.data(), static_cast<std::size_t>(end - buf.data()));
      return;
    }
    case json::value_t::boolean: out += value.get<bool>() ? "true" : "false"; return;
    case json::value_t::null: out += "null"; return;
    default:  // binary, discarded: never in the core's output (no serializer in the browser's core)
      out += "null";
  }
}

std::string to_json_text(const json& value) {
  std::string out;
  out.reserve(256);
  append_json_text(out, value);
  return out;
}

}  // namespace porchlight
