#include <doctest/doctest.h>

#include "porchlight/context.hpp"

#include <cstdint>
#include <iterator>
#include <string>

using namespace porchlight;

TEST_CASE("context: the token estimate follows its documented rules") {
  CHECK(estimate_tokens("") == 0);
  CHECK(estimate_tokens("the") == 1);
  CHECK(estimate_tokens("qualification") == 3);     // 13 letters: ceil(13/6)
  CHECK(estimate_tokens("450000") == 2);            // 6 digits: ceil(6/3)
  CHECK(estimate_tokens("Hi, there!") == 4);        // Hi , there !
  CHECK(estimate_tokens("\xE6\x88\xBF\xE5\xB1\x8B") == 2);  // two CJK characters
  CHECK(estimate_tokens("   \n\t ") == 0);
  CHECK(estimate_tokens("\x80\x80 a\xC3") == 3);  // stray continuation bytes: one character; a lone lead: one
}

namespace {
// The rules above, written the plain way: the table-driven estimator must agree on any bytes.
std::int64_t reference_estimate(std::string_view text) {
  auto letter = [](unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto digit = [](unsigned char c) { return c >= '0' && c <= '9'; };
  std::int64_t tokens = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t run = 0;
    if (letter(c)) {
      while (i < text.size() && letter(static_cast<unsigned char>(text[i]))) ++run, ++i;
      tokens += static_cast<std::int64_t>((run + 5) / 6);
    } else if (digit(c)) {
      while (i < text.size() && digit(static_cast<unsigned char>(text[i]))) ++run, ++i;
      tokens += static_cast<std::int64_t>((run + 2) / 3);
    } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
      ++i;
    } else {
      ++tokens;
      ++i;
      if (c >= 0x80)
        while (i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) ++i;
    }
  }
  return tokens;
}
}  // namespace

TEST_CASE("context: the token estimate agrees with the plain reading of its rules on random bytes") {
  std::uint64_t state = 0x2545F4914F6CDD1DULL;
  auto next = [&] { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return state; };
  static const std::string kPieces[] = {"a", "Z", "qualification", "7", "450000", " ", "\n", "\t", ",", "$",
                                        "\xC3\xA9", "\xE2\x80\x94", "\xF0\x9F\x8F\xA0", "\x80", "\xFF"};
  for (int n = 0; n < 5000; ++n) {
    std::string text;
    for (int k = static_cast<int>(next() % 40); k > 0; --k) text += kPieces[next() % std::size(kPieces)];
    REQUIRE_MESSAGE(estimate_tokens(text) == reference_estimate(text), text);
  }
}

namespace {
std::vector<Turn> conversation(std::size_t turns, std::size_t words_per_turn) {
  std::vector<Turn> out;
  for (std::size_t i = 0; i < turns; ++i) {
    std::string text = (i % 2 == 0 ? "Question " : "Answer ") + std::to_string(i) + ":";
    for (std::size_t w = 0; w < words_per_turn; ++w) text += " word";
    out.push_back({i % 2 == 0 ? TurnRole::user : TurnRole::assistant, text});
  }
  return out;
}
}  // namespace

TEST_CASE("context: everything is kept while it fits") {
  ContextRequest r;
  r.budget_tokens = 5000;
  r.system_tokens = 1000;
  r.pinned_tokens = 50;
  r.turns = conversation(6, 20);
  const auto w = fit_context(r);
  CHECK(w.first_kept == 0);
  CHECK(w.summary.empty());
  CHECK_FALSE(w.over_budget);
  CHECK(w.total_tokens() <= 5000);
}

TEST_CASE("context: older turns fold into the summary, on an agent turn, within budget") {
  ContextRequest r;
  r.budget_tokens = 2000;
  r.system_tokens = 1000;
  r.pinned_tokens = 50;
  r.summary = "The lead is relocating from Denver.";
  r.turns = conversation(40, 30);
  const auto w = fit_context(r);
  CHECK(w.first_kept > 0);
  CHECK(w.first_kept < r.turns.size());
  CHECK(r.turns[w.first_kept].role == TurnRole::user);
  CHECK(w.total_tokens() <= 2000);
  CHECK(w.summary.rfind("The lead is relocating from Denver.", 0) == 0);
  CHECK(w.summary.find("- Agent: Question") != std::string::npos);
  CHECK_FALSE(w.over_budget);
}

TEST_CASE("context: the summary changes once per chunk of turns, not every turn") {
  ContextRequest r;
  r.budget_tokens = 2500;
  r.system_tokens = 1000;
  r.pinned_tokens = 50;
  int changes = 0;
  std::string last;
  for (std::size_t n = 20; n < 60; ++n) {
    r.turns = conversation(n, 30);
    const auto w = fit_context(r);
    if (w.summary != last) ++changes;
    last = w.summary;
  }
  CHECK(changes >= 3);
  CHECK(changes <= 40 / 4 + 1);  // chunks of fold_chunk_turns (4) turns
}

TEST_CASE("context: a system prompt larger than the budget is reported, not hidden") {
  ContextRequest r;
  r.budget_tokens = 1000;
  r.system_tokens = 5000;
  r.turns = conversation(4, 5);
  const auto w = fit_context(r);
  CHECK(w.over_budget);
  CHECK(w.first_kept == 4);
}

TEST_CASE("context: one conversation id per (location, lead), the same on every surface and for every agent") {
  const auto a = conversation_id("loc-1", "lead-1");
  CHECK(a == conversation_id("loc-1", "lead-1"));
  CHECK(a != conversation_id("loc-1", "lead-2"));
  CHECK(a != conversation_id("loc-2", "lead-1"));
  // The separator keeps ("ab","c") and ("a","bc") apart.
  CHECK(conversation_id("ab", "c") != conversation_id("a", "bc"));
  CHECK(is_valid_conversation_id(a));
  CHECK_FALSE(is_valid_conversation_id("cv_XYZ"));
  CHECK_FALSE(is_valid_conversation_id("conversation-1"));
}
