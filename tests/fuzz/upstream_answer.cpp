// fuzz_upstream_answer: the scan that reads usage and model out of Claude's answers without
// parsing them, upstream::json_member, read_usage and read_answer (server-proxy/src/upstream/
// answer.cpp); an answer, or an event of a stream, comes from the network.
//
// Input: the answer's text. Beyond "no crash": every member found is a slice of the input; and
// when nlohmann reads the text as an object with distinct keys and no escapes, json_member finds
// each member, and its text reads as the value nlohmann holds.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "upstream/answer.hpp"

namespace {

using nlohmann::json;
using namespace porchlight::upstream;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_upstream_answer: %s\n", what);
  std::abort();
}

bool inside(std::string_view part, std::string_view whole) {
  return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

// nlohmann keeps the last of repeated keys; json_member finds the first.
bool distinct_keys(std::string_view text) {
  std::size_t keys = 0;
  const json doc = json::parse(text, [&](int depth, json::parse_event_t event, json&) {
    if (event == json::parse_event_t::key && depth == 1) ++keys;
    return true;
  }, false);
  return !doc.is_discarded() && doc.is_object() && keys == doc.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  porchlight::Usage usage;
  std::string model;
  read_answer(text, usage, &model);
  for (const char* key : {"usage", "message", "model", "type", "input_tokens"})
    if (const auto member = json_member(text, key); member && !inside(*member, text))
      fail("json_member gave text outside its input");

  if (text.find('\\') != std::string_view::npos || !distinct_keys(text)) return 0;
  const json doc = json::parse(text);
  for (const auto& [key, value] : doc.items()) {
    const auto member = json_member(text, key);
    if (!member) fail("json_member missed a member nlohmann reads");
    const json read = json::parse(*member, nullptr, false);
    if (read.is_discarded() || read != value) fail("json_member's text is not the member nlohmann reads");
  }
  return 0;
}
