#include <doctest/doctest.h>

#include "porchlight/context.hpp"

using namespace porchlight;

TEST_CASE("context: the token estimate follows its documented rules") {
  CHECK(estimate_tokens("") == 0);
  CHECK(estimate_tokens("the") == 1);
  CHECK(estimate_tokens("qualification") == 3);     // 13 letters: ceil(13/6)
  CHECK(estimate_tokens("450000") == 2);            // 6 digits: ceil(6/3)
  CHECK(estimate_tokens("Hi, there!") == 4);        // Hi , there !
  CHECK(estimate_tokens("\xE6\x88\xBF\xE5\xB1\x8B") == 2);  // two CJK characters
  CHECK(estimate_tokens("   \n\t ") == 0);
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

TEST_CASE("context: one conversation id per (location, agent, lead), the same on every surface") {
  const auto a = conversation_id("loc-1", "agent-1", "lead-1");
  CHECK(a == conversation_id("loc-1", "agent-1", "lead-1"));
  CHECK(a != conversation_id("loc-1", "agent-1", "lead-2"));
  CHECK(a != conversation_id("loc-2", "agent-1", "lead-1"));
  // The separator keeps ("ab","c") and ("a","bc") apart.
  CHECK(conversation_id("ab", "c", "x") != conversation_id("a", "bc", "x"));
  CHECK(is_valid_conversation_id(a));
  CHECK_FALSE(is_valid_conversation_id("cv_XYZ"));
  CHECK_FALSE(is_valid_conversation_id("conversation-1"));
}
