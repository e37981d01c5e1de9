#include "porchlight/json_input.hpp"

#include <cmath>

#include "text.hpp"

namespace porchlight::json_input {

using detail::collapse_whitespace;
using detail::count_code_points;
using detail::has_control_chars;
using detail::is_valid_utf8;
using detail::truncate_utf8;

namespace {

// Deepest nesting of arrays and objects, counted outside strings. Stops early past `limit`.
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

}  // namespace

Result<json> parse_untrusted(std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_bytes)
    return Error{"request.too_large",
                 "input is " + std::to_string(text.size()) + " bytes; the limit is " +
                     std::to_string(limits.max_bytes) + " bytes",
                 ""};
  if (!is_valid_utf8(text))
    return Error{"request.invalid_utf8", "input is not valid UTF-8; send JSON encoded as UTF-8", ""};
  if (nesting_depth(text, limits.max_depth) > limits.max_depth)
    return Error{"request.too_deep",
                 "input nests arrays or objects deeper than " + std::to_string(limits.max_depth) +
                     " levels",
                 ""};
  json parsed = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded())
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
  if (need == Need::required && collapse_whitespace(s).empty()) {
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
