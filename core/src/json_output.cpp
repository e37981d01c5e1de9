// json_output.cpp: see porchlight/json_output.hpp.
#include "porchlight/json_output.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>

#include "text.hpp"

namespace porchlight {

// Escapes like nlohmann's serializer with ensure_ascii off: ", \ and the C0 controls; DEL and
// everything from U+0080 up pass through.
void append_json_escaped(std::string& out, std::string_view s) {
  if (!detail::is_valid_utf8(s)) {  // rare (inputs are checked): the library's replacement rules
    const std::string quoted = json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
    out.append(quoted, 1, quoted.size() - 2);
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
    default:  // binary, discarded: never in the core's output; the library's text is the reference
      out += value.dump(-1, ' ', false, json::error_handler_t::replace);
  }
}

std::string to_json_text(const json& value) {
  std::string out;
  out.reserve(256);
  append_json_text(out, value);
  return out;
}

}  // namespace porchlight
