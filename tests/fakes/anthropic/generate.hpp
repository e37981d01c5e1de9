// generate.hpp (internal to the fake): deterministic content: the coaching answer, tool inputs
// made from a JSON schema, and the splitting of text and JSON into stream deltas.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api_error.hpp"

namespace porchlight::fake {

inline constexpr std::uint64_t kFnvOffset = 1469598103934665603ULL;
std::uint64_t fnv1a(std::string_view data, std::uint64_t hash = kFnvOffset);

// The first words of `text` (whitespace collapsed, at most `max_words`), for quoting.
std::string quote_words(std::string_view text, std::size_t max_words);

// A short Markdown coaching answer that quotes the start of the last user message. `seed` picks
// one of a few phrasings; the same request always gets the same answer.
std::string coaching_answer(std::string_view last_user_text, std::uint64_t seed);
// The answer after tool results came back: names the tool and quotes the start of its result.
std::string tool_result_answer(std::string_view tool_name, std::string_view result_text, std::uint64_t seed);
// A short paragraph of "thinking" for requests that enable thinking.
std::string thinking_text(std::string_view last_user_text);

// A value that satisfies `schema` (a practical subset of JSON Schema: type, properties, required,
// items, enum, const, default, examples, anyOf/oneOf/allOf, local $ref, min/max bounds, formats).
// `root` resolves "#/..." references; `hint` is the property name, used to pick a plausible value.
json instance_for_schema(const json& schema, const json& root, std::string_view hint = {}, int depth = 0);

// Splits text into deltas of `words` words each; whitespace stays with the word before it.
std::vector<std::string> split_text(std::string_view text, std::size_t words);
// Splits JSON text into chunks of about `size` bytes, never inside a UTF-8 sequence, an escape
// sequence or a number/literal, so every prefix is truncated-but-valid JSON.
std::vector<std::string> split_json(std::string_view text, std::size_t size);

// The longest prefix of `text` (cut at whitespace) whose token estimate is at most `max_tokens`.
std::string truncate_to_tokens(std::string_view text, std::int64_t max_tokens);

}  // namespace porchlight::fake
