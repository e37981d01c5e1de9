// api_support.hpp (internal): the envelope every JSON entry point shares (api.cpp,
// api_qualify.cpp): parse the untrusted request, collect every error, answer JSON text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "json_reader.hpp"
#include "porchlight/json_output.hpp"
#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"

namespace porchlight::detail {

inline std::string dump(const json& j) { return to_json_text(j); }

// The policy the entry points decide with: the built-in one, or what api::load_policy loaded.
const Policy& api_policy();

inline json error_json(const Errors& errors) {
  json list = json::array();
  for (const auto& e : errors) list.push_back({{"code", e.code}, {"message", e.message}, {"path", e.path}});
  const Error& first = errors.front();
  return json{{"error",
               {{"code", first.code}, {"message", first.message}, {"path", first.path}, {"errors", list}}}};
}

// Parses the request and hands the object to `body`, which returns JSON or records errors.
template <class F> std::string handle(std::string_view text, F&& body) {
  auto parsed = parse_untrusted(text);
  if (!parsed) return dump(error_json(parsed.errors()));
  if (!parsed.value().is_object())
    return dump(error_json({Error{"request.not_object",
                                  "the request must be a JSON object, got " + std::string(type_name(parsed.value())),
                                  ""}}));
  Errors errors;
  auto out = body(parsed.value(), errors);
  if (!errors.empty()) return dump(error_json(errors));
  if constexpr (std::is_same_v<decltype(out), std::string>) return out;  // written as text already
  else return dump(out);
}

// An object field read by a record's from_json (profile_from_json, lead_from_json), its errors
// added to `errors`.
template <class T, class F>
std::optional<T> child(FieldReader& r, std::string_view key, Need need, Errors& errors, F&& from_json) {
  const json* v = r.object(key, need);
  if (!v) return std::nullopt;
  auto result = from_json(*v, r.child_path(key));
  if (!result) {
    errors.insert(errors.end(), result.errors().begin(), result.errors().end());
    return std::nullopt;
  }
  return std::move(result).value();
}

}  // namespace porchlight::detail
