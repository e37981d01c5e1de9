// knobs.cpp: parsing behaviours from JSON and from x-fake-* headers.
#include "knobs.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace porchlight::fake {

namespace {

constexpr const char* kFields =
    "status, error_type, error_message, retry_after, retry_after_ms, latency_ms, ttft_ms, "
    "tokens_per_second, disconnect_after_events, error_event_after_events, text, match";

constexpr std::int64_t kMaxDelayMs = 10 * 60 * 1000;

template <class T>
void take(std::optional<T>& field, const std::optional<T>& base) {
  if (!field && base) field = base;
}

bool read_int(const json& v, std::int64_t lo, std::int64_t hi, std::int64_t& out) {
  if (v.is_number_integer() || v.is_number_unsigned()) {
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi)) return false;
    out = v.get<std::int64_t>();
  } else if (v.is_number_float()) {
    double d = v.get<double>();
    if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
      return false;
    out = static_cast<std::int64_t>(d);
  } else {
    return false;
  }
  return out >= lo && out <= hi;
}

// Header values are text; turn them into the JSON value the field would have in a script.
json header_value_to_json(std::string_view name, std::string_view value) {
  if (name == "x-fake-text" || name == "x-fake-error-type" || name == "x-fake-error-message")
    return std::string(value);
  auto parsed = json::parse(value, nullptr, false);
  if (!parsed.is_discarded() && parsed.is_number()) return parsed;
  return std::string(value);
}

}  // namespace

void Behaviour::fill_from(const Behaviour& base) {
  take(status, base.status);
  take(error_type, base.error_type);
  take(error_message, base.error_message);
  take(retry_after, base.retry_after);
  take(retry_after_ms, base.retry_after_ms);
  take(latency_ms, base.latency_ms);
  take(ttft_ms, base.ttft_ms);
  take(tokens_per_second, base.tokens_per_second);
  take(disconnect_after_events, base.disconnect_after_events);
  take(error_event_after_events, base.error_event_after_events);
  take(text, base.text);
}

bool Behaviour::empty() const {
  return to_json().empty();
}

json Behaviour::to_json() const {
  json j = json::object();
  if (status) j["status"] = *status;
  if (error_type) j["error_type"] = *error_type;
  if (error_message) j["error_message"] = *error_message;
  if (retry_after) j["retry_after"] = *retry_after;
  if (retry_after_ms) j["retry_after_ms"] = *retry_after_ms;
  if (latency_ms) j["latency_ms"] = *latency_ms;
  if (ttft_ms) j["ttft_ms"] = *ttft_ms;
  if (tokens_per_second) j["tokens_per_second"] = *tokens_per_second;
  if (disconnect_after_events) j["disconnect_after_events"] = *disconnect_after_events;
  if (error_event_after_events) j["error_event_after_events"] = *error_event_after_events;
  if (text) j["text"] = *text;
  if (match) j["match"] = *match;
  return j;
}

std::optional<Behaviour> parse_behaviour(const json& value, const std::string& where, std::string& error) {
  if (!value.is_object()) {
    error = where + ": expected an object with any of " + std::string(kFields);
    return std::nullopt;
  }
  Behaviour b;
  for (const auto& [key, v] : value.items()) {
    const std::string path = where.empty() ? key : where + "." + key;
    std::int64_t n = 0;
    if (key == "status") {
      if (!read_int(v, 100, 599, n)) {
        error = path + ": expected an HTTP status between 100 and 599";
        return std::nullopt;
      }
      b.status = static_cast<int>(n);
    } else if (key == "error_type" || key == "error_message" || key == "text" || key == "match") {
      if (!v.is_string() || (key == "match" && v.get_ref<const std::string&>().empty())) {
        error = path + (key == "match" ? ": expected a non-empty string" : ": expected a string");
        return std::nullopt;
      }
      (key == "error_type" ? b.error_type : key == "text" ? b.text : key == "match" ? b.match : b.error_message) = v.get<std::string>();
    } else if (key == "retry_after") {
      bool ok = (v.is_number() && std::isfinite(v.get<double>()) && v.get<double>() >= 0) || v.is_string();
      if (!ok) {
        error = path + ": expected a number of seconds (>= 0) or an HTTP date string";
        return std::nullopt;
      }
      b.retry_after = v;
    } else if (key == "retry_after_ms") {
      if (!read_int(v, 0, kMaxDelayMs, n)) {
        error = path + ": expected milliseconds between 0 and 600000";
        return std::nullopt;
      }
      b.retry_after_ms = n;
    } else if (key == "latency_ms" || key == "ttft_ms") {
      if (!read_int(v, 0, kMaxDelayMs, n)) {
        error = path + ": expected milliseconds between 0 and 600000";
        return std::nullopt;
      }
      (key == "latency_ms" ? b.latency_ms : b.ttft_ms) = n;
    } else if (key == "tokens_per_second") {
      if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>())) {
        error = path + ": expected a number of tokens per second > 0";
        return std::nullopt;
      }
      b.tokens_per_second = v.get<double>();
    } else if (key == "disconnect_after_events" || key == "error_event_after_events") {
      if (!read_int(v, 0, 1000000, n)) {
        error = path + ": expected a number of events >= 0";
        return std::nullopt;
      }
      (key == "disconnect_after_events" ? b.disconnect_after_events : b.error_event_after_events) = n;
    } else {
      error = path + ": unknown field; expected one of " + std::string(kFields);
      return std::nullopt;
    }
  }
  return b;
}

std::optional<Behaviour> behaviour_from_headers(const http::fields& headers, std::string& error) {
  static constexpr std::string_view kPrefix = "x-fake-";
  json object = json::object();
  for (const auto& field : headers) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (name.rfind(kPrefix, 0) != 0) continue;
    std::string key = name.substr(kPrefix.size());
    for (auto& c : key)
      if (c == '-') c = '_';
    object[key] = header_value_to_json(name, field.value());
  }
  if (object.empty()) return Behaviour{};
  std::string inner;
  auto b = parse_behaviour(object, "", inner);
  if (!b) {
    // Name the header, not the JSON field.
    auto dot = inner.find(':');
    std::string field = inner.substr(0, dot);
    for (auto& c : field)
      if (c == '_') c = '-';
    error = "x-fake-" + field + inner.substr(dot);
  }
  return b;
}

std::string retry_after_header(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  double d = value.get<double>();
  if (d == std::floor(d) && d < 1e15) return std::to_string(static_cast<std::int64_t>(d));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%g", d);
  return buf;
}

}  // namespace porchlight::fake
