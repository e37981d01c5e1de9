// generate.cpp: deterministic answers, schema instances and delta splitting.
//
// Sections: hashing and quoting · answers · schema instances · splitting
#include "generate.hpp"

#include <algorithm>
#include <cctype>

#include "porchlight/context.hpp"

namespace porchlight::fake {

// ---- Hashing and quoting ------------------------------------------------------------------------

std::uint64_t fnv1a(std::string_view data, std::uint64_t hash) {
  for (unsigned char c : data) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

std::vector<std::string_view> words_of(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && is_space(text[i])) ++i;
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::string quote_words(std::string_view text, std::size_t max_words) {
  auto words = words_of(text);
  std::string out;
  for (std::size_t i = 0; i < words.size() && i < max_words; ++i) {
    if (!out.empty()) out += ' ';
    out += words[i];
  }
  for (auto& c : out) {
    if (c == '"') c = '\'';
    if (c == '`' || c == '*' || c == '_') c = ' ';  // keep the Markdown around the quote intact
  }
  if (words.size() > max_words) out += "...";
  return out;
}

// ---- Answers ------------------------------------------------------------------------------------

std::string coaching_answer(std::string_view last_user_text, std::uint64_t seed) {
  std::string quote = quote_words(last_user_text, 8);
  if (quote.empty()) quote = "your question";
  switch (seed % 3) {
    case 0:
      return "**On \"" + quote +
             "\"**\n\n"
             "Here is how I would handle it:\n\n"
             "1. **Lead with their goal.** Restate what the client wants in one sentence before you offer "
             "options.\n"
             "2. **Ask one sharp question.** For example: \"What would make this a clear yes for you?\"\n"
             "3. **Set the next step.** Propose a specific time to follow up and confirm it in writing.\n\n"
             "_Tip:_ keep your reply under 80 words so it reads well on a phone.";
    case 1:
      return "You asked: \"" + quote +
             "\"\n\n"
             "**What to say next**\n\n"
             "- Acknowledge the concern first, then share one fact that moves the conversation forward.\n"
             "- Offer two concrete choices instead of an open question.\n"
             "- Close with a date: \"Can we look at this together on Thursday at 5?\"\n\n"
             "**Why it works:** clients decide faster when the next step is small and specific.";
    default:
      return "### Coaching note\n\n"
             "About \"" +
             quote +
             "\": start from what the lead already told you.\n\n"
             "1. Summarize their situation in their own words.\n"
             "2. Name the one thing that blocks a decision today.\n"
             "3. Suggest a low-pressure next step, like a short call or a saved search.\n\n"
             "> Stay curious, not pushy: the goal of this message is a reply, not a signature.";
  }
}

std::string tool_result_answer(std::string_view tool_name, std::string_view result_text, std::uint64_t seed) {
  std::string quote = quote_words(result_text, 8);
  std::string answer =
      "Thanks, the `" + std::string(tool_name.empty() ? "tool" : tool_name) + "` result is in";
  answer += quote.empty() ? ".\n\n" : (": \"" + quote + "\".\n\n");
  answer += (seed % 2 == 0)
                ? "**Next step:** share the key number with the client and ask whether it changes their plan."
                : "**Next step:** turn this into one clear recommendation and a follow-up date.";
  return answer;
}

std::string thinking_text(std::string_view last_user_text) {
  std::string quote = quote_words(last_user_text, 6);
  return "The agent is asking about \"" + (quote.empty() ? std::string("their situation") : quote) +
         "\". I should give a short, practical answer: the goal, one good question, and a concrete next "
         "step.";
}

// ---- Schema instances ---------------------------------------------------------------------------

namespace {

bool contains_word(std::string_view name, std::string_view word) {
  std::string lower(name);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find(word) != std::string::npos;
}

std::string string_for(const json& schema, std::string_view hint) {
  std::string format =
      schema.contains("format") && schema["format"].is_string() ? schema["format"].get<std::string>() : "";
  std::string value;
  if (format == "date")
    value = "2026-12-01";
  else if (format == "date-time")
    value = "2026-12-01T10:00:00Z";
  else if (format == "time")
    value = "10:00:00";
  else if (format == "email")
    value = "client@example.com";
  else if (format == "uri" || format == "url")
    value = "https://example.com/listing/1";
  else if (format == "uuid")
    value = "3f2b6c1e-8d4a-4b7e-9c21-5a6f0e9d1b2c";
  else if (contains_word(hint, "email"))
    value = "client@example.com";
  else if (contains_word(hint, "phone"))
    value = "+1-512-555-0100";
  else if (contains_word(hint, "date"))
    value = "2026-12-01";
  else if (contains_word(hint, "city"))
    value = "Austin";
  else if (contains_word(hint, "zip") || contains_word(hint, "postal"))
    value = "78701";
  else if (contains_word(hint, "address"))
    value = "123 Main St";
  else if (contains_word(hint, "name"))
    value = "Jordan Lee";
  else if (contains_word(hint, "id"))
    value = "lead_001";
  else if (!hint.empty())
    value = "example " + std::string(hint);
  else
    value = "example";
  auto bound = [&](const char* key, std::size_t fallback) {
    return schema.contains(key) && schema[key].is_number_unsigned() ? schema[key].get<std::size_t>()
                                                                    : fallback;
  };
  std::size_t min_len = bound("minLength", 0), max_len = bound("maxLength", 1u << 20);
  while (value.size() < min_len) value += 'x';
  if (value.size() > max_len) value.resize(max_len);
  return value;
}

json number_for(const json& schema, bool integer) {
  auto num = [&](const char* key, double& out) {
    if (schema.contains(key) && schema[key].is_number()) {
      out = schema[key].get<double>();
      return true;
    }
    return false;
  };
  double lo = 0, hi = 0, v = integer ? 1 : 1.5;
  bool has_lo = num("minimum", lo), has_hi = num("maximum", hi);
  double xlo = 0, xhi = 0;
  if (num("exclusiveMinimum", xlo)) {
    lo = integer ? xlo + 1 : xlo + 0.5;
    has_lo = true;
  }
  if (num("exclusiveMaximum", xhi)) {
    hi = integer ? xhi - 1 : xhi - 0.5;
    has_hi = true;
  }
  if (has_lo && v < lo) v = lo;
  if (has_hi && v > hi) v = has_lo ? lo : hi;
  if (integer) return static_cast<std::int64_t>(v);
  return v;
}

std::string first_type(const json& schema) {
  if (!schema.contains("type")) {
    if (schema.contains("properties")) return "object";
    if (schema.contains("items")) return "array";
    return "string";
  }
  const json& t = schema["type"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array()) {
    for (const auto& x : t)
      if (x.is_string() && x.get<std::string>() != "null") return x.get<std::string>();
    if (!t.empty() && t[0].is_string()) return t[0].get<std::string>();
  }
  return "string";
}

}  // namespace

namespace {

// Every value made counts against `budget`, so recursive or wide schemas (a $ref cycle under
// minItems) cannot blow up: once it is spent, arrays stop growing and nested values become null.
json make_instance(const json& schema, const json& root, std::string_view hint, int depth,
                   std::size_t& budget);

}  // namespace

json instance_for_schema(const json& schema, const json& root, std::string_view hint, int depth) {
  std::size_t budget = 2000;
  return make_instance(schema, root, hint, depth, budget);
}

namespace {

json make_instance(const json& schema, const json& root, std::string_view hint, int depth,
                   std::size_t& budget) {
  if (depth > 16 || budget == 0) return nullptr;
  --budget;
  if (!schema.is_object()) return string_for(json::object(), hint);  // `true` or `{}`: anything goes
  if (schema.contains("$ref") && schema["$ref"].is_string()) {
    std::string ref = schema["$ref"].get<std::string>();
    if (ref.rfind("#", 0) == 0) {
      try {
        json::json_pointer pointer(ref.substr(1));
        if (root.contains(pointer)) return make_instance(root.at(pointer), root, hint, depth + 1, budget);
      } catch (const std::exception&) {
        // An invalid pointer: fall through to a plain value.
      }
    }
    return string_for(json::object(), hint);
  }
  if (schema.contains("const")) return schema["const"];
  if (schema.contains("enum") && schema["enum"].is_array() && !schema["enum"].empty())
    return schema["enum"][0];
  if (schema.contains("default")) return schema["default"];
  if (schema.contains("examples") && schema["examples"].is_array() && !schema["examples"].empty())
    return schema["examples"][0];
  for (const char* key : {"anyOf", "oneOf", "allOf"}) {
    if (schema.contains(key) && schema[key].is_array() && !schema[key].empty()) {
      for (const auto& alternative : schema[key]) {
        if (alternative.is_object() && alternative.value("type", "") == "null") continue;
        return make_instance(alternative, root, hint, depth + 1, budget);
      }
      return nullptr;
    }
  }
  const std::string type = first_type(schema);
  if (type == "object") {
    json object = json::object();
    if (schema.contains("properties") && schema["properties"].is_object()) {
      for (const auto& [name, property] : schema["properties"].items())
        object[name] = make_instance(property, root, name, depth + 1, budget);
    }
    return object;
  }
  if (type == "array") {
    std::size_t count = 1;
    if (schema.contains("minItems") && schema["minItems"].is_number_unsigned())
      count = std::max<std::size_t>(count, schema["minItems"].get<std::size_t>());
    if (schema.contains("maxItems") && schema["maxItems"].is_number_unsigned())
      count = std::min<std::size_t>(count, schema["maxItems"].get<std::size_t>());
    count = std::min<std::size_t>(count, 8);
    json array = json::array();
    json items = schema.contains("items") ? schema["items"] : json::object();
    std::string item_hint = hint.size() > 1 && hint.back() == 's'
                                ? std::string(hint.substr(0, hint.size() - 1))
                                : std::string(hint);
    for (std::size_t i = 0; i < count && budget > 0; ++i)
      array.push_back(make_instance(items, root, item_hint, depth + 1, budget));
    return array;
  }
  if (type == "integer") return number_for(schema, true);
  if (type == "number") return number_for(schema, false);
  if (type == "boolean") return true;
  if (type == "null") return nullptr;
  return string_for(schema, hint);
}

}  // namespace

// ---- Splitting ----------------------------------------------------------------------------------

std::vector<std::string> split_text(std::string_view text, std::size_t words) {
  std::vector<std::string> parts;
  if (words == 0) words = 1;
  std::string current;
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    // One word and the whitespace after it.
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    while (i < text.size() && is_space(text[i])) ++i;
    current.append(text.substr(start, i - start));
    if (++count == words) {
      parts.push_back(std::move(current));
      current.clear();
      count = 0;
    }
  }
  if (!current.empty()) parts.push_back(std::move(current));
  return parts;
}

std::vector<std::string> split_json(std::string_view text, std::size_t size) {
  std::vector<std::string> parts;
  if (size == 0) size = 1;
  auto is_literal = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+';
  };
  bool in_string = false;
  std::size_t escape_left = 0;  // bytes of an escape sequence still to come
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // May we cut before text[i]?
    const unsigned char c = static_cast<unsigned char>(text[i]);
    bool cut_ok = escape_left == 0 && (c & 0xC0) != 0x80;
    if (!in_string && i > 0 && is_literal(text[i - 1]) && is_literal(text[i])) cut_ok = false;
    if (cut_ok && i - start >= size) {
      parts.emplace_back(text.substr(start, i - start));
      start = i;
    }
    // Advance the scanner over text[i].
    if (escape_left > 0) {
      if (escape_left == 5 && text[i] != 'u') escape_left = 1;  // a one-character escape
      --escape_left;
    } else if (in_string) {
      if (text[i] == '\\')
        escape_left = 5;  // 'u' and four hex digits at most
      else if (text[i] == '"')
        in_string = false;
    } else if (text[i] == '"') {
      in_string = true;
    }
  }
  if (start < text.size()) parts.emplace_back(text.substr(start));
  return parts;
}

std::string truncate_to_tokens(std::string_view text, std::int64_t max_tokens) {
  std::int64_t used = 0;
  std::size_t i = 0, end = 0;
  while (i < text.size()) {
    std::size_t start = i;
    while (i < text.size() && !is_space(text[i])) ++i;
    std::int64_t t = estimate_tokens(text.substr(start, i - start));
    if (used + t > max_tokens) break;
    used += t;
    while (i < text.size() && is_space(text[i])) ++i;
    end = i;
  }
  std::string out(text.substr(0, end));
  while (!out.empty() && is_space(out.back())) out.pop_back();
  return out;
}

}  // namespace porchlight::fake
