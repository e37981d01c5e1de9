// fact_values.hpp (internal): reading what a fact's value or a sentence says, for the checklists,
// the score, the stage machine and the fact extractor: words and numbers as tokens, phrases from
// the data files matched against them, money amounts and timelines.
//
// Deterministic and locale-free (ASCII case folding, integer arithmetic), so native and WASM read
// the same text the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace porchlight::detail {

// A word or a number of a text, with where it came from. Words are lowercase ASCII letters and
// digits ("don't" reads "dont"); numbers keep their value in thousandths ("1.5" is 1500), a
// leading "$" and a k/m/million/thousand multiplier ("450k" is 450000000 thousandths).
struct Token {
  std::string text;
  bool number = false;
  bool money = false;           // written with "$", or with k / m / thousand / million
  std::int64_t milli = 0;       // the number's value x 1000
  std::size_t begin = 0, end = 0;  // bytes of the source text
};
std::vector<Token> tokenize(std::string_view text);

// A phrase from a data file: words, the last of which may end in "*" to match as a prefix
// ("pre approv*" matches "pre-approved" and "Pre-Approval"). Written the way tokenize reads text.
struct Phrase {
  std::vector<std::string> words;
  bool prefix = false;
  std::string label;  // as written in the data file
};
// nullopt when the text has no words.
std::optional<Phrase> make_phrase(std::string_view text);
// Where `phrase` starts in `tokens` at or after `from`, or npos.
std::size_t find_phrase(const std::vector<Token>& tokens, const Phrase& phrase, std::size_t from = 0);
bool has_phrase(const std::vector<Token>& tokens, const std::vector<Phrase>& phrases);

// Clauses of a text (split at . ! ? ; and line breaks, not at a decimal point), trimmed.
struct Clause {
  std::string_view text;
  std::vector<Token> tokens;
};
std::vector<Clause> clauses(std::string_view text);

// The first money amount in tokens[from, from + within): "$450,000", "450k", "1.2 million";
// a bare number under 10,000 counts as thousands when `bare_is_thousands` ("approved for 450").
std::optional<std::int64_t> money_in(const std::vector<Token>& tokens, std::size_t from, std::size_t within,
                                     bool bare_is_thousands);
// The largest money amount anywhere in a fact's value ("$450-500k" reads 500,000: the top of a
// range), or nullopt. A bare number of 10,000 or more counts; a smaller one counts as thousands.
std::optional<std::int64_t> money_value(std::string_view text);
std::string format_money(std::int64_t dollars);  // "$450,000"

// A timeline read into months from `today` (days since 1970-01-01; -1 when unknown, which leaves
// month names unread): "30 days" 1, "2 years" 24, "by March" the months until next March,
// "ASAP" 0, "just looking" browsing.
struct TimelineReading {
  int months = -1;        // -1: not read
  bool browsing = false;  // "just looking", "no rush", "someday"
  std::string basis;      // what was read: "2 years", "March 2027"
};
// The words that say "now" ("asap", "right away") and "no timeline" ("just looking"): data
// (qualification.json), so a reviewer can add a region's idiom without touching the code.
struct TimelineWords {
  std::vector<Phrase> now, browsing;
};
TimelineReading read_timeline(std::string_view text, std::int64_t today, const TimelineWords& words);

}  // namespace porchlight::detail
