// upstream/answer.cpp: a bounds-checked scan over JSON text. It only walks: strings are skipped
// escape by escape, containers by depth (no recursion), so hostile text costs one pass at most.
#include "upstream/answer.hpp"

#include <charconv>
#include <cstdint>

namespace porchlight::upstream {

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::size_t skip_space(std::string_view s, std::size_t at) {
  while (at < s.size() && is_space(s[at])) ++at;
  return at;
}

// `at` is on an opening quote: the index after the closing one, or npos.
std::size_t skip_string(std::string_view s, std::size_t at) {
  for (++at; at < s.size(); ++at) {
    if (s[at] == '\\') ++at;
    else if (s[at] == '"') return at + 1;
  }
  return std::string_view::npos;
}

// `at` is on the first character of a value: the index after it, or npos.
std::size_t skip_value(std::string_view s, std::size_t at) {
  if (at >= s.size()) return std::string_view::npos;
  if (s[at] == '"') return skip_string(s, at);
  if (s[at] != '{' && s[at] != '[') {  // number, true, false, null
    const std::size_t start = at;
    while (at < s.size() && !is_space(s[at]) && s[at] != ',' && s[at] != '}' && s[at] != ']') ++at;
    return at > start ? at : std::string_view::npos;
  }
  std::size_t depth = 0;
  while (at < s.size()) {
    const char c = s[at];
    if (c == '"') {
      at = skip_string(s, at);
      if (at == std::string_view::npos) return at;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    else if ((c == '}' || c == ']') && --depth == 0) return at + 1;
    ++at;
  }
  return std::string_view::npos;
}

std::optional<std::int64_t> integer_member(std::string_view object, std::string_view key) {
  auto v = json_member(object, key);
  if (!v) return std::nullopt;
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc{} || end != v->data() + v->size()) return std::nullopt;  // 1.5, 1e3, "1"
  return n;
}

}  // namespace

std::optional<std::string_view> json_member(std::string_view object, std::string_view key) {
  std::size_t at = skip_space(object, 0);
  if (at >= object.size() || object[at] != '{') return std::nullopt;
  at = skip_space(object, at + 1);
  if (at < object.size() && object[at] == '}') return std::nullopt;
  while (at < object.size() && object[at] == '"') {
    const std::size_t name_end = skip_string(object, at);
    if (name_end == std::string_view::npos) return std::nullopt;
    const std::string_view name = object.substr(at + 1, name_end - at - 2);  // raw: API keys have no escapes
    at = skip_space(object, name_end);
    if (at >= object.size() || object[at] != ':') return std::nullopt;
    at = skip_space(object, at + 1);
    const std::size_t value_end = skip_value(object, at);
    if (value_end == std::string_view::npos) return std::nullopt;
    if (name == key) return object.substr(at, value_end - at);
    at = skip_space(object, value_end);
    if (at >= object.size() || object[at] != ',') return std::nullopt;  // '}' too: not found
    at = skip_space(object, at + 1);
  }
  return std::nullopt;
}

std::optional<std::string_view> plain_string_member(std::string_view object, std::string_view key) {
  auto v = json_member(object, key);
  if (!v || v->size() < 2 || v->front() != '"' || v->find('\\') != std::string_view::npos) return std::nullopt;
  return v->substr(1, v->size() - 2);
}

void read_usage(std::string_view u, Usage& usage) {
  auto take = [&](std::string_view key, std::int64_t& out) {
    if (auto n = integer_member(u, key)) out = *n;
  };
  take("input_tokens", usage.input_tokens);
  take("output_tokens", usage.output_tokens);
  take("cache_creation_input_tokens", usage.cache_creation_input_tokens);
  take("cache_read_input_tokens", usage.cache_read_input_tokens);
  if (auto cc = json_member(u, "cache_creation"))
    if (auto n = integer_member(*cc, "ephemeral_1h_input_tokens")) usage.cache_creation_1h_input_tokens = *n;
}

void read_answer(std::string_view answer, Usage& usage, std::string* model) {
  std::string_view message = answer;
  if (auto inner = json_member(answer, "message")) message = *inner;  // message_start
  if (auto u = json_member(message, "usage")) read_usage(*u, usage);
  if (model)
    if (auto m = plain_string_member(message, "model"); m && !m->empty()) *model = std::string(*m);
}

}  // namespace porchlight::upstream
