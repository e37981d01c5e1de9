// json_reader: parse_untrusted builds exactly the values nlohmann's parser builds (types included)
// and refuses exactly the texts it refuses: checked on a hand-written corpus and on thousands of
// seeded mutations of it.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "porchlight/json_input.hpp"

using porchlight::json;
using porchlight::json_input::parse_untrusted;
using porchlight::json_input::ParseLimits;

namespace {

bool same(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto it = a.begin(), jt = b.begin(); it != a.end(); ++it, ++jt)
        if (it.key() != jt.key() || !same(it.value(), jt.value())) return false;
      return true;
    }
    case json::value_t::array:
      if (a.size() != b.size()) return false;
      for (std::size_t i = 0; i < a.size(); ++i)
        if (!same(a[i], b[i])) return false;
      return true;
    case json::value_t::number_float: {  // bit for bit (inf and -0.0 included)
      const double x = a.get<double>(), y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    default: return a == b;
  }
}

constexpr ParseLimits kDeep{1 << 20, 1000};

// Both refuse, or both accept with the same value. The one deliberate difference: nlohmann stops
// at a NUL byte as if the text ended there ("[1]\0anything" parses); a raw NUL is never JSON, and
// what follows it must not be hidden, so it is refused.
void check_like_nlohmann(const std::string& text) {
  if (text.find('\0') != std::string::npos) {
    CHECK_MESSAGE(!parse_untrusted(text, kDeep), "accepted a raw NUL byte");
    return;
  }
  const json reference = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const auto ours = parse_untrusted(text, kDeep);
  if (reference.is_discarded()) {
    CHECK_MESSAGE(!ours, "accepted what nlohmann refuses: " << text);
  } else {
    REQUIRE_MESSAGE(ours, "refused what nlohmann accepts: " << json(text).dump(-1, ' ', true, json::error_handler_t::replace));
    CHECK_MESSAGE(same(ours.value(), reference), "different value for: " << text);
  }
}

const std::vector<std::string> kCorpus = {
    // values nlohmann accepts
    R"({"query":"What's next?","profile":{"id":"a-1","role":"buyer_agent","specializations":["luxury"]},"n":[]})",
    R"([0, -0, 1, -1, 18446744073709551615, 18446744073709551616, -9223372036854775808, -9223372036854775809])",
    R"([1.5, -0.0, 1e3, 1E-3, 2.5e+10, 1e400, -1e400, 4.9e-324, 0.1, 123456789012345678901234567890])",
    R"(["\"\\\/\b\f\n\r\t", "\u0041\u00e9\u20ac", "\ud83c\udfe0", "\u0000x", "caf\u00C9", "\uD834\uDD1E"])",
    "{\"dup\":1,\"dup\":2,\"a\":{\"dup\":[1],\"dup\":{}}}",
    " \t\r\n[ true , false , null ] \n",
    "\"just a string\"",
    "42",
    "-3.25e-2",
    "{\"caf\xc3\xa9\":\"\xf0\x9f\x8f\xa0 \xe2\x80\x94 ok\"}",
    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
    "{\"\":\"\",\"a b\":[{}],\"x\":[[],[[]]]}",
    // texts nlohmann refuses
    "", " ", "[", "]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "[1,]", "[,1]", "{,}", "[1 2]",
    "01", "-", "-01", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity",
    "tru", "truee", "nul", "False", "'single'", "\"unterminated", "\"bad \\x escape\"",
    "\"raw\ttab\"", "\"raw\nline\"", std::string("\"nul\0byte\"", 11), std::string("[1]\0", 4),
    "\"\\u12\"", "\"\\u12G4\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\ud800x\"",
    "[1] [2]", "{\"a\":1}}", "// comment\n1", "/* c */ 1", "[1]//", "\xef\xbb\xbf{}",
};

}  // namespace

TEST_CASE("json_reader: the corpus parses exactly as nlohmann parses it") {
  for (const auto& text : kCorpus) check_like_nlohmann(text);
}

TEST_CASE("json_reader: seeded mutations of the corpus parse exactly as nlohmann parses them") {
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&] { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; };
  static const std::string kBytes = "{}[]\",:\\/ -+.0123456789eEtrufalsn\tu\n\x7f\x01";
  int runs = 0;
  for (const auto& seed : kCorpus) {
    if (seed.empty()) continue;
    for (int i = 0; i < 300; ++i) {
      std::string text = seed;
      for (int edits = 1 + static_cast<int>(next() % 3); edits > 0 && !text.empty(); --edits) {
        const std::size_t at = next() % text.size();
        switch (next() % 3) {
          case 0: text[at] = kBytes[next() % kBytes.size()]; break;     // replace
          case 1: text.erase(at, 1 + next() % 3); break;                // delete
          default: text.insert(at, 1, kBytes[next() % kBytes.size()]);  // insert
        }
      }
      check_like_nlohmann(text);
      ++runs;
    }
  }
  CHECK(runs > 10000);
}

TEST_CASE("json_reader: depth, size and UTF-8 are refused with their own codes") {
  CHECK(parse_untrusted(std::string(33, '[') + std::string(33, ']')).errors().front().code == "request.too_deep");
  CHECK(parse_untrusted(std::string(32, '[') + std::string(32, ']')));
  // Too deep and malformed too: still named too deep, wherever the parser stopped.
  CHECK(parse_untrusted("[1,,]" + std::string(40, '[')).errors().front().code == "request.too_deep");
  CHECK(parse_untrusted("[1,,]").errors().front().code == "request.malformed_json");
  CHECK(parse_untrusted("[\"\xff\"]").errors().front().code == "request.invalid_utf8");
  CHECK(parse_untrusted(std::string(2000, ' '), ParseLimits{1000, 32}).errors().front().code == "request.too_large");
}
