// json_output: the same text as nlohmann's dump(), for every kind of value and every byte that
// needs escaping, including invalid UTF-8 (replaced the library's way).
#include <doctest/doctest.h>

#include "porchlight/json_output.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

using porchlight::json;
using porchlight::to_json_text;

namespace {
std::string reference(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }
}  // namespace

TEST_CASE("json_output: every byte value in a string is written as dump() writes it") {
  for (int c = 0; c < 0x80; ++c) {
    const json j = std::string("a") + static_cast<char>(c) + "b";
    CHECK_MESSAGE(to_json_text(j) == reference(j), "byte " << c);
  }
  const json unicode = "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x8f\xa0 \x7f";
  CHECK(to_json_text(unicode) == reference(unicode));
}

TEST_CASE("json_output: invalid UTF-8 is replaced as dump() replaces it") {
  for (const char* bad : {"\xff", "ok\xc3", "\xc0\xaf", "a\xed\xa0\x80z", "\xf4\x90\x80\x80", "x\x80y\"q"}) {
    const json j = std::string(bad);
    CHECK(to_json_text(j) == reference(j));
    const json key = json{{std::string(bad), 1}};
    CHECK(to_json_text(key) == reference(key));
  }
}

TEST_CASE("json_output: random bytes are replaced exactly as dump() replaces them") {
  std::uint64_t state = 0x2545F4914F6CDD1DULL;
  auto next = [&] { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; };
  // Bytes drawn mostly from the interesting ranges: ASCII, continuations, every kind of lead byte.
  const unsigned char pool[] = {'a', '"', '\\', 0x01, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
                                0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(next() % 12, '\0');
    for (char& c : bytes) c = static_cast<char>(pool[next() % sizeof pool]);
    const json j = bytes;
    REQUIRE_MESSAGE(to_json_text(j) == reference(j), reference(j));
  }
}

TEST_CASE("json_output: nested values, numbers, literals and key order") {
  const json j = json::parse(R"({"z": [1, -2, 3.5, 1e300, 0.1, 18446744073709551615, true, false, null, {}, [], ""],
      "a": {"nested": {"deeper": ["\"quoted\"\n\ttext\\"]}}, "m": -0.0, "n": 12345678901234})");
  CHECK(to_json_text(j) == reference(j));
  CHECK(to_json_text(json::array()) == "[]");
  CHECK(to_json_text(json::object()) == "{}");
}

TEST_CASE("json_output: every number is written as dump() writes it") {
  std::uint64_t state = 0x9E3779B97F4A7C15ULL;
  auto next = [&] { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; };
  std::vector<json> values = {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max(),
                              std::numeric_limits<std::uint64_t>::max(), 0, -1, 0.0, -0.0, 1e-7, 1e21, 123.0,
                              0.1 + 0.2, 5e-324, 1.7976931348623157e308, std::nan(""), HUGE_VAL, -HUGE_VAL};
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t bits = next();
    double d;
    std::memcpy(&d, &bits, sizeof d);  // any double, NaNs and subnormals included
    values.emplace_back(d);
    values.emplace_back(static_cast<std::int64_t>(next()));
    values.emplace_back(next() >> (next() % 64));
    values.emplace_back(static_cast<double>(next() % 100000) / 100.0);  // money-like values
  }
  for (const json& v : values) REQUIRE_MESSAGE(to_json_text(v) == reference(v), reference(v));
}

TEST_CASE("json_output: a built prompt body is byte-identical to dump()") {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += i % 97 == 0 ? "\"q\"\n" : "word ";
  const json body = {{"system", json::array({{{"type", "text"}, {"text", text}}})}, {"max_tokens", 1024}};
  CHECK(to_json_text(body) == reference(body));
}
