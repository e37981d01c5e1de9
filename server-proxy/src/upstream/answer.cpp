// upstream/answer.cpp: a bounds-checked scan over JSON text. It only walks: strings are skipped
// quote by quote, containers by depth (no recursion), so hostile text costs one pass at most.
#include "upstream/answer.hpp"

#include <charconv>
#include <cstring>
#include <cstdint>

namespace porchlight::upstream {

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

std::size_t skip_space(std::string_view s, std::size_t at) {
  while (at < s.size() && is_space(s[at])) ++at;
  return at;
}

// `at` is on an opening quote: the index after the closing one, or npos. Jumps from quote to
// quote (memchr); a quote after an odd run of backslashes is escaped.
std::size_t skip_string(std::string_view s, std::size_t at) {
  for (std::size_t from = at + 1; from < s.size();) {
    const void* found = std::memchr(s.data() + from, '"', s.size() - from);
    if (!found) break;
    const std::size_t quote = static_cast<std::size_t>(static_cast<const char*>(found) - s.data());
    std::size_t backslashes = 0;
    while (quote - backslashes > at + 1 && s[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote + 1;
    from = quote + 1;
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

// Calls on_member(name, value) for each member of the object, in one pass; name is raw (the API's
// names have no escapes). False when the text is not a well-formed object as far as it went, or
// when on_member returns false (found what it wanted).
template <class OnMember>
bool each_member(std::string_view object, OnMember&& on_member) {
  std::size_t at = skip_space(object, 0);
  if (at >= object.size() || object[at] != '{') return false;
  at = skip_space(object, at + 1);
  if (at < object.size() && object[at] == '}') return true;
  while (at < object.size() && object[at] == '"') {
    const std::size_t name_end = skip_string(object, at);
    if (name_end == std::string_view::npos) return false;
    const std::string_view name = object.substr(at + 1, name_end - at - 2);
    at = skip_space(object, name_end);
    if (at >= object.size() || object[at] != ':') return false;
    at = skip_space(object, at + 1);
    const std::size_t value_end = skip_value(object, at);
    if (value_end == std::string_view::npos) return false;
    if (!on_member(name, object.substr(at, value_end - at))) return false;
    at = skip_space(object, value_end);
    if (at < object.size() && object[at] == '}') return true;
    if (at >= object.size() || object[at] != ',') return false;
    at = skip_space(object, at + 1);
  }
  return false;
}

std::optional<std::int64_t> integer(std::string_view v) {
  std::int64_t n = 0;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc{} || end != v.data() + v.size()) return std::nullopt;  // 1.5, 1e3, "1"
  return n;
}

bool plain_string(std::string_view v) {
  return v.size() >= 2 && v.front() == '"' && v.find('\\') == std::string_view::npos;
}

}  // namespace

std::optional<std::string_view> json_member(std::string_view object, std::string_view key) {
  std::optional<std::string_view> found;
  each_member(object, [&](std::string_view name, std::string_view value) {
    if (name == key) found = value;
    return !found;
  });
  return found;
}

void read_usage(std::string_view u, Usage& usage) {
  each_member(u, [&](std::string_view name, std::string_view value) {
    std::int64_t* field = name == "input_tokens"                  ? &usage.input_tokens
                          : name == "output_tokens"               ? &usage.output_tokens
                          : name == "cache_creation_input_tokens" ? &usage.cache_creation_input_tokens
                          : name == "cache_read_input_tokens"     ? &usage.cache_read_input_tokens
                                                                  : nullptr;
    if (field) {
      if (auto n = integer(value)) *field = *n;
    } else if (name == "cache_creation") {
      if (auto h = json_member(value, "ephemeral_1h_input_tokens"))
        if (auto n = integer(*h)) usage.cache_creation_1h_input_tokens = *n;
    } else if (name == "server_tool_use") {
      if (auto s = json_member(value, "web_search_requests"))
        if (auto n = integer(*s)) usage.web_search_requests = *n;
    }
    return true;
  });
}

void read_answer(std::string_view answer, Usage& usage, std::string* model) {
  // One pass over the answer, and one over the message inside a message_start event.
  std::optional<std::string_view> message, usage_text, model_text;
  each_member(answer, [&](std::string_view name, std::string_view value) {
    if (name == "message") message = value;
    else if (name == "usage") usage_text = value;
    else if (name == "model") model_text = value;
    return true;
  });
  if (message)
    each_member(*message, [&](std::string_view name, std::string_view value) {
      if (name == "usage") usage_text = value;
      else if (name == "model") model_text = value;
      return true;
    });
  if (usage_text) read_usage(*usage_text, usage);
  if (model && model_text && plain_string(*model_text) && model_text->size() > 2)
    *model = std::string(model_text->substr(1, model_text->size() - 2));
}

}  // namespace porchlight::upstream
