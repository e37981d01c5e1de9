// Reading values: tokens, phrases, money.
#include <doctest/doctest.h>

#include "fact_values.hpp"

using namespace porchlight::detail;

TEST_CASE("fact values: tokens keep numbers, money and words apart") {
  auto t = tokenize("We're pre-approved for $450,000 (or 1.2m?), 3br");
  REQUIRE(t.size() == 9);
  CHECK(t[0].text == "were");
  CHECK(t[1].text == "pre");
  CHECK(t[4].number);
  CHECK(t[4].money);
  CHECK(t[4].milli == 450000000);
  CHECK(t[6].milli == 1200000000);  // 1.2m
  CHECK(t[7].text == "3");
  CHECK(t[8].text == "br");
  // "3,4" is two numbers, "450,000" one.
  CHECK(tokenize("3,4").size() == 2);
}

TEST_CASE("fact values: phrases match whole words, or a prefix with *") {
  const auto approv = *make_phrase("pre approv*");
  CHECK(find_phrase(tokenize("Pre-Approval letter"), approv) == 0);
  CHECK(find_phrase(tokenize("she is preapproved"), approv) == std::string::npos);
  const auto no = *make_phrase("no");
  CHECK(find_phrase(tokenize("nothing yet"), no) == std::string::npos);
  CHECK(find_phrase(tokenize("no, not yet"), no) == 0);
}

TEST_CASE("fact values: money reads ranges by their top, and bare numbers as thousands") {
  CHECK(*money_value("$450-500k") == 500000);
  CHECK(*money_value("under $300k") == 300000);
  CHECK(*money_value("450") == 450000);
  CHECK(*money_value("$1.2M-1.5M") == 1500000);
  CHECK_FALSE(money_value("not sure"));
  CHECK(format_money(1250000) == "$1,250,000");
}

TEST_CASE("fact values: clauses split on sentence ends, not decimal points") {
  const auto c = clauses("Approved for 1.5 million. Move by May! OK");
  REQUIRE(c.size() == 3);
  CHECK(c[0].text == "Approved for 1.5 million");
  CHECK(c[1].text == "Move by May");
}
