#include "porchlight/json_input.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "text.hpp"

namespace porchlight::json_input {

using detail::count_code_points;
using detail::has_control_chars;
using detail::is_blank;
using detail::is_valid_utf8;
using detail::truncate_utf8;

namespace {

// Deepest nesting of arrays and objects, counted outside strings. Stops early past `limit`. Only
// asked when the parser failed, so that too-deep input is named as such even when it is malformed
// too (the code callers see does not depend on where the parser gave up).
int nesting_depth(std::string_view text, int limit) {
  int depth = 0, deepest = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '[' || c == '{') {
      if (++depth > deepest) deepest = depth;
      if (deepest > limit) return deepest;
    } else if (c == ']' || c == '}') --depth;
  }
  return deepest;
}

// A strict RFC 8259 parser into nlohmann::json. The text is valid UTF-8 already. It builds the
// same values nlohmann's parser builds (unsigned for non-negative integers, signed for negative
// ones, double past 64 bits or with a fraction or exponent, the last of duplicate keys), but
// copies string runs instead of reading through an input adapter a byte at a time: request
// parsing was most of a route call. Recursion is bounded by max_depth.
class Parser {
 public:
  Parser(std::string_view text, int max_depth)
      : p_(text.data()), end_(text.data() + text.size()), max_depth_(max_depth) {}

  enum class Failure { none, malformed, too_deep };

  Failure parse(json& out) {
    if (end_ - p_ >= 3 && std::string_view(p_, 3) == "\xEF\xBB\xBF") p_ += 3;  // a UTF-8 BOM, as nlohmann skips it
    skip_space();
    if (!value(out, 0)) return failure_;
    skip_space();
    return p_ == end_ ? Failure::none : Failure::malformed;
  }

 private:
  bool fail(Failure f = Failure::malformed) {
    failure_ = f;
    return false;
  }

  void skip_space() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word)
      return fail();
    p_ += word.size();
    return true;
  }

  bool value(json& out, int depth) {
    if (p_ == end_) return fail();
    switch (*p_) {
      case '{': return object(out, depth + 1);
      case '[': return array(out, depth + 1);
      case '"': {
        out = std::string();
        return string(out.get_ref<std::string&>());
      }
      case 't': out = true; return literal("true");
      case 'f': out = false; return literal("false");
      case 'n': out = nullptr; return literal("null");
      default: return number(out);
    }
  }

  bool object(json& out, int depth) {
    if (depth > max_depth_) return fail(Failure::too_deep);
    ++p_;
    out = json::object();
    auto& members = out.get_ref<json::object_t&>();
    skip_space();
    if (p_ < end_ && *p_ == '}') { ++p_; return true; }
    std::string key;
    while (true) {
      if (p_ == end_ || *p_ != '"') return fail();
      key.clear();
      if (!string(key)) return false;
      skip_space();
      if (p_ == end_ || *p_ != ':') return fail();
      ++p_;
      skip_space();
      json& slot = members[key];
      if (!value(slot, depth)) return false;
      skip_space();
      if (p_ == end_) return fail();
      if (*p_ == ',') { ++p_; skip_space(); continue; }
      if (*p_ == '}') { ++p_; return true; }
      return fail();
    }
  }

  bool array(json& out, int depth) {
    if (depth > max_depth_) return fail(Failure::too_deep);
    ++p_;
    out = json::array();
    auto& items = out.get_ref<json::array_t&>();
    skip_space();
    if (p_ < end_ && *p_ == ']') { ++p_; return true; }
    while (true) {
      items.emplace_back();
      if (!value(items.back(), depth)) return false;
      skip_space();
      if (p_ == end_) return fail();
      if (*p_ == ',') { ++p_; skip_space(); continue; }
      if (*p_ == ']') { ++p_; return true; }
      return fail();
    }
  }

  bool hex4(std::uint32_t& v) {
    if (end_ - p_ < 4) return fail();
    v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint32_t>(c - 'A' + 10);
      else return fail();
    }
    return true;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // At the opening quote; leaves p_ after the closing one.
  bool string(std::string& out) {
    ++p_;
    while (true) {
      const char* run = p_;
      while (p_ < end_ && !detail::kJsonSpecialByte[static_cast<unsigned char>(*p_)]) ++p_;
      out.append(run, static_cast<std::size_t>(p_ - run));
      if (p_ == end_ || static_cast<unsigned char>(*p_) < 0x20) return fail();  // unterminated, raw control
      if (*p_++ == '"') return true;
      if (p_ == end_) return fail();
      switch (*p_++) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return fail();  // a low surrogate first
          if (cp >= 0xD800 && cp <= 0xDBFF) {                // must pair with a low surrogate
            std::uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return fail();
            p_ += 2;
            if (!hex4(low)) return false;
            if (low < 0xDC00 || low > 0xDFFF) return fail();
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: return fail();
      }
    }
  }

  static bool digit(char c) { return c >= '0' && c <= '9'; }

  bool number(json& out) {
    const char* start = p_;
    const bool negative = p_ < end_ && *p_ == '-';
    if (negative) ++p_;
    if (p_ == end_ || !digit(*p_)) return fail();
    if (*p_ == '0') ++p_;
    else while (p_ < end_ && digit(*p_)) ++p_;
    bool integral = true;
    if (p_ < end_ && *p_ == '.') {
      integral = false;
      ++p_;
      if (p_ == end_ || !digit(*p_)) return fail();
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      integral = false;
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !digit(*p_)) return fail();
      while (p_ < end_ && digit(*p_)) ++p_;
    }
    token_.assign(start, static_cast<std::size_t>(p_ - start));  // NUL-terminated for the C library
    char* stop = nullptr;
    if (integral) {
      errno = 0;
      if (negative) {
        const long long v = std::strtoll(token_.c_str(), &stop, 10);
        if (errno == 0) { out = static_cast<std::int64_t>(v); return true; }
      } else {
        const unsigned long long v = std::strtoull(token_.c_str(), &stop, 10);
        if (errno == 0) { out = static_cast<std::uint64_t>(v); return true; }
      }
    }
    const double v = std::strtod(token_.c_str(), &stop);  // past 64 bits, as nlohmann does: a double
    if (!std::isfinite(v)) return fail();                   // 1e400: nlohmann refuses it too
    out = v;
    return true;
  }

  const char* p_;
  const char* end_;
  int max_depth_;
  Failure failure_ = Failure::malformed;
  std::string token_;
};

}  // namespace

Result<json> parse_untrusted(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes)
    return Error{"request.too_large",
                 "input is " + std::to_string(text.size()) + " bytes; the limit is " +
                     std::to_string(limits.max_bytes) + " bytes",
                 ""};
  if (!is_valid_utf8(text))
    return Error{"request.invalid_utf8", "input is not valid UTF-8; send JSON encoded as UTF-8", ""};
  json parsed;
  const Parser::Failure failure = Parser(text, limits.max_depth).parse(parsed);
  if (failure == Parser::Failure::too_deep ||
      (failure == Parser::Failure::malformed && nesting_depth(text, limits.max_depth) > limits.max_depth))
    return Error{"request.too_deep",
                 "input nests arrays or objects deeper than " + std::to_string(limits.max_depth) +
                     " levels",
                 ""};
  if (failure != Parser::Failure::none)
    return Error{"request.malformed_json", "input is not well-formed JSON", ""};
  return parsed;
}

std::string_view type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::binary: return "binary";
    case json::value_t::discarded: return "discarded";
    default: return "number";
  }
}

std::string in_quotes(std::string_view text) {
  std::string out(1, '\'');
  out += truncate_utf8(text, 60);
  out += '\'';
  return out;
}

FieldReader::FieldReader(const json& object, std::string kind, std::string path, Errors& errors)
    : kind_(std::move(kind)), path_(std::move(path)), errors_(errors) {
  if (object.is_object()) object_ = &object;
  else add("invalid_type", path_, "expected an object, got " + std::string(type_name(object)));
}

std::string FieldReader::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

bool FieldReader::has(std::string_view key) const {
  return object_ && object_->find(key) != object_->end();
}

void FieldReader::add(std::string_view problem, std::string path, std::string message) {
  // A hostile request can hold thousands of bad fields; the first ones are enough to fix it.
  constexpr std::size_t kMaxErrors = 32;
  if (errors_.size() >= kMaxErrors) return;
  std::string full = path.empty() ? message : path + ": " + message;
  errors_.push_back(Error{kind_ + "." + std::string(problem), std::move(full), std::move(path)});
}

const json* FieldReader::find(std::string_view key, Need need) {
  if (!object_) return nullptr;
  auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) {
    if (need == Need::required)
      add("missing_" + std::string(key), child_path(key), "is required");
    return nullptr;
  }
  return &*it;
}

void FieldReader::wrong_type(std::string_view key, std::string_view expected, const json& got) {
  add("invalid_" + std::string(key), child_path(key),
      "expected " + std::string(expected) + ", got " + std::string(type_name(got)));
}

void FieldReader::unknown_value(std::string_view key, const std::string& path,
                                std::string_view value, const std::string& expected) {
  add("invalid_" + std::string(key), path,
      "unknown value " + in_quotes(value) + "; expected one of " + expected);
}

std::optional<std::string> FieldReader::string(std::string_view key, Need need,
                                               std::size_t max_chars, bool multiline) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_string()) { wrong_type(key, "a string", *v); return std::nullopt; }
  const auto& s = v->get_ref<const std::string&>();
  const std::size_t chars = count_code_points(s);
  if (chars > max_chars) {
    add("invalid_" + std::string(key), child_path(key),
        "is " + std::to_string(chars) + " characters long; the limit is " +
            std::to_string(max_chars));
    return std::nullopt;
  }
  if (has_control_chars(s, multiline)) {
    add("invalid_" + std::string(key), child_path(key),
        multiline ? "contains control characters" : "contains control characters or line breaks");
    return std::nullopt;
  }
  if (need == Need::required && is_blank(s)) {
    add("missing_" + std::string(key), child_path(key), "is required and must not be blank");
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> FieldReader::id(std::string_view key, Need need) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_string()) { wrong_type(key, "a string", *v); return std::nullopt; }
  const auto& s = v->get_ref<const std::string&>();
  if (s.empty() && need == Need::optional) return std::nullopt;  // "" means absent
  if (!is_valid_id(s)) {
    add("invalid_" + std::string(key), child_path(key),
        "invalid id " + in_quotes(s) + "; ids are 1-64 characters of A-Z a-z 0-9 _ . : -");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> FieldReader::boolean(std::string_view key, Need need) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) { wrong_type(key, "true or false", *v); return std::nullopt; }
  return v->get<bool>();
}

std::optional<std::int64_t> FieldReader::integer(std::string_view key, Need need, std::int64_t min,
                                                 std::int64_t max) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  std::int64_t value;
  if (v->is_number_integer()) {
    if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
      add("invalid_" + std::string(key), child_path(key),
          "must be between " + std::to_string(min) + " and " + std::to_string(max));
      return std::nullopt;
    }
    value = v->get<std::int64_t>();
  } else if (v->is_number_float() && std::isfinite(v->get<double>()) &&
             std::floor(v->get<double>()) == v->get<double>() &&
             std::fabs(v->get<double>()) < 9.0e15) {
    value = static_cast<std::int64_t>(v->get<double>());
  } else {
    wrong_type(key, "an integer", *v);
    return std::nullopt;
  }
  if (value < min || value > max) {
    add("invalid_" + std::string(key), child_path(key),
        "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return std::nullopt;
  }
  return value;
}

std::optional<double> FieldReader::number(std::string_view key, Need need, double min,
                                          double max) {
  const json* v = find(key, need);
  if (!v) return std::nullopt;
  if (!v->is_number()) { wrong_type(key, "a number", *v); return std::nullopt; }
  const double value = v->get<double>();
  if (!std::isfinite(value) || value < min || value > max) {
    add("invalid_" + std::string(key), child_path(key), "is out of range");
    return std::nullopt;
  }
  return value;
}

const json* FieldReader::object(std::string_view key, Need need) {
  const json* v = find(key, need);
  if (!v) return nullptr;
  if (!v->is_object()) { wrong_type(key, "an object", *v); return nullptr; }
  return v;
}

const json* FieldReader::array(std::string_view key, Need need, std::size_t max_items) {
  const json* v = find(key, need);
  if (!v) return nullptr;
  if (!v->is_array()) { wrong_type(key, "an array", *v); return nullptr; }
  if (v->size() > max_items) {
    add("invalid_" + std::string(key), child_path(key),
        "has " + std::to_string(v->size()) + " items; the limit is " + std::to_string(max_items));
    return nullptr;
  }
  return v;
}

void FieldReader::reject_unknown(std::initializer_list<std::string_view> known) {
  if (!object_) return;
  for (auto it = object_->begin(); it != object_->end(); ++it) {
    bool ok = false;
    for (auto k : known) ok = ok || it.key() == k;
    if (ok) continue;
    std::string expected;
    for (auto k : known) { if (!expected.empty()) expected += ", "; expected += k; }
    add("unknown_field", child_path(it.key()),
        "unknown field " + in_quotes(it.key()) + "; known fields are " + expected);
  }
}

}  // namespace porchlight::json_input
