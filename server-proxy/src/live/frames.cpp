// live/frames.cpp: splitting a stored batch of card frames (live/frames.hpp).

#include "live/frames.hpp"

#include <nlohmann/json.hpp>

namespace porchlight::proxy {

namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// The end of the object starting at text[at] (one past its closing brace), or npos: strings are
// skipped whole (with their escapes), so a brace inside one does not count.
std::size_t object_end(std::string_view text, std::size_t at) {
  int depth = 0;
  for (std::size_t i = at; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i)
        if (text[i] == '\\') ++i;
      if (i >= text.size()) return std::string_view::npos;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (--depth == 0) return c == '}' ? i + 1 : std::string_view::npos;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::optional<FrameBatch> split_frames(std::string_view text) {
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && is_space(text[i])) ++i;
  };
  skip_space();
  if (i >= text.size() || text[i] != '[') return std::nullopt;
  ++i;
  FrameBatch batch;
  for (;;) {
    skip_space();
    if (i < text.size() && text[i] == ']' && batch.frames.empty()) break;  // []
    if (i >= text.size() || text[i] != '{') return std::nullopt;
    const std::size_t end = object_end(text, i);
    if (end == std::string_view::npos) return std::nullopt;
    batch.frames.emplace_back(text.substr(i, end - i));
    i = end;
    skip_space();
    if (i < text.size() && text[i] == ',') {
      ++i;
      continue;
    }
    if (i < text.size() && text[i] == ']') break;
    return std::nullopt;
  }
  ++i;
  skip_space();
  if (i != text.size()) return std::nullopt;
  // The last frame (cards_done) is the smallest and carries the batch's fields, the push id among them.
  if (!batch.frames.empty()) {
    const auto last = nlohmann::json::parse(batch.frames.back(), nullptr, false);
    if (last.is_discarded()) return std::nullopt;
    if (auto push = last.find("push"); push != last.end() && push->is_string()) batch.push = push->get<std::string>();
  }
  return batch;
}

}  // namespace porchlight::proxy
