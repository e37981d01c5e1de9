// porchlight/context.hpp: token estimates, the context window, and conversation ids.
//
// The context window keeps, within a token budget: the system prompt, the pinned lead facts and
// query, and the latest turns verbatim. Older turns are folded into a summary slot. Folding happens
// in chunks of turns, so the summary (and with it the cached prompt prefix) stays the same for
// several turns in a row instead of changing every turn.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"

namespace porchlight {

// A conservative, deterministic token estimate, the same natively and in WASM:
//   - a run of ASCII letters counts ceil(n / 6) tokens (common English words are one token);
//   - a run of digits counts ceil(n / 3);
//   - every other visible ASCII character (punctuation, symbols) counts 1;
//   - ASCII whitespace counts 0;
//   - every non-ASCII code point counts 1 (CJK is about one token per character; accented Latin
//     is overestimated, which is the safe side for budgets).
// On English coaching text it lands within about 20% of Claude's tokenizer, usually above it.
// Exact counts come from the API (/v1/messages/count_tokens); this is for budgeting and routing.
std::int64_t estimate_tokens(std::string_view text);

enum class TurnRole { user, assistant };
struct Turn {
  TurnRole role = TurnRole::user;
  std::string content;
};

struct ContextRequest {
  std::int64_t budget_tokens = 0;  // 0: the policy's default
  std::int64_t system_tokens = 0;  // the system prompt
  std::int64_t pinned_tokens = 0;  // lead facts and the new query, always sent
  std::string summary;             // the summary of turns before turns[0], if any
  std::vector<Turn> turns;         // oldest first
};

struct ContextWindow {
  std::size_t first_kept = 0;     // turns[first_kept..] are sent verbatim
  std::string summary;            // the summary slot: the prior summary plus folded turns
  std::int64_t budget_tokens = 0;
  std::int64_t system_tokens = 0;
  std::int64_t pinned_tokens = 0;
  std::int64_t summary_tokens = 0;
  std::int64_t turn_tokens = 0;   // of the kept turns
  std::int64_t total_tokens() const {
    return system_tokens + pinned_tokens + summary_tokens + turn_tokens;
  }
  bool over_budget = false;       // true when even an empty history does not fit
};

ContextWindow fit_context(const ContextRequest& request, const Policy& policy = Policy::embedded());
json to_json(const ContextWindow& window, const std::vector<Turn>& turns);

// The Messages API body (not streamed) that asks `model` to write a conversation's summary: the
// summary so far and the turns folded out of the window (policy.json's summary_instructions, at
// most summary_max_tokens). fit_context's summary is a digest that needs no call; this one reads.
std::string summary_request_body(std::string_view previous_summary, const std::vector<Turn>& folded,
                                 std::string_view model, const Policy& policy = Policy::embedded());

// One id for the conversation about one lead, the same from every surface (widget, Streamlit,
// API) and for every agent who works the lead (a hand-off to a TC continues the same thread):
// "cv_" and 32 hex digits derived from (location, lead). Surfaces without a lead create a random
// id of the same shape.
std::string conversation_id(std::string_view location_id, std::string_view lead_id);
bool is_valid_conversation_id(std::string_view id);

}  // namespace porchlight
