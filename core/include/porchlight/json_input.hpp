// porchlight/json_input.hpp: reading untrusted JSON, for every entry point (the core's API, the
// proxy's HTTP handlers): bounded parsing, and FieldReader, which reads the fields of one object
// and records every problem instead of stopping at the first.
//
// Error codes made here: request.* for the text as a whole; for fields "<kind>.missing_<key>",
// "<kind>.invalid_<key>" and "<kind>.unknown_field", where kind names the object ("profile").
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/model.hpp"

namespace porchlight::json_input {

struct ParseLimits {
  std::size_t max_bytes = 1 << 20;  // 1 MiB
  int max_depth = 32;
};

// Size and UTF-8 are checked before the parser runs; the parser stops at max_depth, so hostile
// input costs linear scans and bounded recursion. Values are nlohmann's, as its parser builds them.
Result<json> parse_untrusted(std::string_view text, const ParseLimits& limits = {});

// The JSON type name of a value, for messages ("expected a string, got number").
std::string_view type_name(const json& value);
// A value quoted for a message, shortened: 'buyer'.
std::string in_quotes(std::string_view text);

enum class Need { optional, required };

class FieldReader {
 public:
  // `object` must outlive the reader. When it is not an object, one error is recorded.
  FieldReader(const json& object, std::string kind, std::string path, Errors& errors);

  bool valid() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string child_path(std::string_view key) const;
  bool has(std::string_view key) const;

  // Strings are checked for length (in code points) and control characters.
  std::optional<std::string> string(std::string_view key, Need need, std::size_t max_chars,
                                    bool multiline = false);
  std::optional<std::string> id(std::string_view key, Need need);
  std::optional<bool> boolean(std::string_view key, Need need);
  std::optional<std::int64_t> integer(std::string_view key, Need need, std::int64_t min,
                                      std::int64_t max);
  std::optional<double> number(std::string_view key, Need need, double min, double max);
  const json* object(std::string_view key, Need need);
  const json* array(std::string_view key, Need need, std::size_t max_items);

  template <class E> std::optional<E> enumeration(std::string_view key, Need need) {
    const json* v = find(key, need);
    if (!v) return std::nullopt;
    if (!v->is_string()) { wrong_type(key, "a string", *v); return std::nullopt; }
    const auto& s = v->get_ref<const std::string&>();
    if (auto e = parse_enum<E>(s)) return e;
    unknown_value(key, child_path(key), s, names_of<E>());
    return std::nullopt;
  }

  // A list of distinct enum values, at most max_items.
  template <class E> std::vector<E> enum_list(std::string_view key, std::size_t max_items) {
    std::vector<E> out;
    const json* arr = array(key, Need::optional, max_items);
    if (!arr) return out;
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const json& v = (*arr)[i];
      const std::string item_path = child_path(key) + "[" + std::to_string(i) + "]";
      if (!v.is_string()) { add(std::string("invalid_") + std::string(key), item_path,
                                "expected a string, got " + std::string(type_name(v))); continue; }
      const auto& s = v.get_ref<const std::string&>();
      auto e = parse_enum<E>(s);
      if (!e) { unknown_value(key, item_path, s, names_of<E>()); continue; }
      bool seen = false;
      for (E x : out) seen = seen || x == *e;
      if (seen) { add(std::string("invalid_") + std::string(key), item_path,
                      "duplicate value " + in_quotes(s)); continue; }
      out.push_back(*e);
    }
    return out;
  }

  // Records "<kind>.unknown_field" for every key not in `known`.
  void reject_unknown(std::initializer_list<std::string_view> known);

  // Records an error "<kind>.<problem>" at `path`.
  void add(std::string_view problem, std::string path, std::string message);

 private:
  template <class E> static std::string names_of() {
    std::string out;
    for (auto n : EnumNames<E>::names) { if (!out.empty()) out += ", "; out += n; }
    return out;
  }
  const json* find(std::string_view key, Need need);
  void wrong_type(std::string_view key, std::string_view expected, const json& got);
  void unknown_value(std::string_view key, const std::string& path, std::string_view value,
                     const std::string& expected);

  const json* object_ = nullptr;
  std::string kind_;
  std::string path_;
  Errors& errors_;
};

}  // namespace porchlight::json_input
