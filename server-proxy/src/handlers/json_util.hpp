// handlers/json_util.hpp: JSON for store records, and reading request bodies, shared by handlers.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "app.hpp"
#include "porchlight/json_input.hpp"
#include "store/store_util.hpp"

// GCC 12 cannot compile a braced list that holds string literals inside a co_await expression
// ("array used as initializer"). These build such values in a lambda, outside the coroutine frame.
#define JSON_OBJ(...) ([&]() -> ::porchlight::json { return ::porchlight::json __VA_ARGS__; }())
#define HEADERS(...) ([&]() -> ::porchlight::proxy::Headers { return ::porchlight::proxy::Headers __VA_ARGS__; }())

namespace porchlight::proxy {

json to_json(const store::Message& m);
json to_json(const store::Conversation& c);

// A streaming answer nobody has touched for `after`: its proxy stopped writing it.
bool stream_went_stale(const store::Message& m, std::chrono::milliseconds after);

// Parses a request body as a JSON object within the core's limits; answers 400 and returns
// nullopt when it is not one.
awaitable<std::optional<json>> read_json_body(App& app, Exchange& ex, std::size_t max_bytes = 1u << 20);

// An optional integer query parameter: true when absent (out unchanged) or within [min, max].
bool parse_count(const std::string& text, std::int64_t min, std::int64_t max, std::int64_t& out);

// ?from=YYYY-MM-DD&to=YYYY-MM-DD, inclusive UTC days; by default the month so far.
struct DayRange {
  std::string from, to;
};
// The request's range, at most `max_days` long (0: any); nullopt when it was answered with
// request.invalid_query (not dates), request.range_reversed or request.range_too_long.
awaitable<std::optional<DayRange>> read_day_range(App& app, Exchange& ex, std::int64_t max_days = 0);

using store::detail::now_rfc3339;  // the store's canonical form, so what handlers stamp is what the store keeps
std::string new_id(std::string_view prefix);  // store::detail::time_ordered_id

// A string member of an object from outside (a client, a webhook): "" when `j` is not an object,
// or the member is absent or not a string (json::value would throw on another type).
std::string string_field(const json& j, std::string_view key);

}  // namespace porchlight::proxy
