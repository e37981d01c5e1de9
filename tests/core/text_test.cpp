#include <doctest/doctest.h>

#include "text.hpp"

using namespace porchlight::detail;

TEST_CASE("text: UTF-8 validation rejects overlong forms, surrogates and truncated sequences") {
  CHECK(is_valid_utf8("plain ASCII"));
  CHECK(is_valid_utf8("caf\xC3\xA9 \xE2\x80\xA6 \xF0\x9F\x8F\xA0"));  // é … 🏠
  CHECK_FALSE(is_valid_utf8("\xC0\xAF"));              // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));          // UTF-16 surrogate D800
  CHECK_FALSE(is_valid_utf8("\xE2\x80"));              // truncated
  CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));      // past U+10FFFF
  CHECK_FALSE(is_valid_utf8("\xFF"));
}

TEST_CASE("text: UTF-8 validation finds a bad byte at any offset past ASCII runs read 8 at a time") {
  for (std::size_t at = 0; at < 40; ++at) {
    std::string s(40, 'a');
    CHECK(is_valid_utf8(s));
    s[at] = '\xFF';
    CHECK_FALSE_MESSAGE(is_valid_utf8(s), "offset " << at);
    s[at] = '\xC3';  // a lead byte whose continuation is ASCII
    if (at + 1 < s.size()) CHECK_FALSE_MESSAGE(is_valid_utf8(s), "offset " << at);
    s = s.substr(0, at + 1) + "\xA9" + s.substr(at + 1);
    CHECK_MESSAGE(is_valid_utf8(s), "offset " << at);
  }
}

TEST_CASE("text: blank means what collapse_whitespace empties") {
  for (const char* t : {"", " ", " \n\t\r ", "a", " a ", "\xC2\xA0", "\v"})
    CHECK_MESSAGE(is_blank(t) == collapse_whitespace(t).empty(), "'" << t << "'");
}

TEST_CASE("issue: truncation must not split a UTF-8 code point") {
  const std::string s = "\xF0\x9F\x8F\xA0\xF0\x9F\x8F\xA0\xF0\x9F\x8F\xA0";  // three 4-byte houses
  for (std::size_t limit = 0; limit <= s.size(); ++limit) {
    const std::string t = truncate_utf8(s, limit);
    CHECK(is_valid_utf8(t));
  }
  CHECK(truncate_utf8("short", 10) == "short");
}

TEST_CASE("text: normalization for keyword matching is ASCII-lowercase with word boundaries") {
  CHECK(normalize_for_matching("Pre-Approved? YES!") == " pre approved yes ");
  CHECK(normalize_for_matching("") == " ");
  CHECK(collapse_whitespace("  a \n\t b  ") == "a b");
}

TEST_CASE("text: FNV-1a matches the published test vectors") {
  CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(hex64(0xaf63dc4c8601ec8cULL) == "af63dc4c8601ec8c");
}

TEST_CASE("text: the router's excerpt of a long request is its start and its end, cut between words") {
  CHECK(router_excerpt("short question").head == "short question");
  CHECK(router_excerpt("short question").tail.empty());
  std::string page;
  for (int i = 0; page.size() < 2000; ++i) page += "word" + std::to_string(i) + " ";
  page += "final question?";
  const auto e = router_excerpt(page);
  CHECK(e.head.size() <= kExcerptHeadBytes);
  CHECK(e.tail.size() <= kExcerptTailBytes);
  CHECK(page.substr(0, e.head.size()) == e.head);
  CHECK(page.substr(page.size() - e.tail.size()) == e.tail);
  CHECK(page[e.head.size()] == ' ');                  // the head ends before a space
  CHECK(page[page.size() - e.tail.size() - 1] == ' ');  // the tail starts after one
  CHECK(e.tail.substr(e.tail.size() - 15) == "final question?");
  // One long run without spaces is cut on code point boundaries, never inside a character.
  std::string accents;
  while (accents.size() < 2000) accents += "\xC3\xA9";
  const auto a = router_excerpt(accents);
  CHECK(is_valid_utf8(a.head));
  CHECK(is_valid_utf8(a.tail));
  CHECK_FALSE(a.tail.empty());
}
