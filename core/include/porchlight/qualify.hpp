// porchlight/qualify.hpp: what the agent still needs to learn about a lead, and what is coming due.
//
// The checklist is LPMAMA for buyers and its seller counterpart (core/data/qualification.json);
// an item ticks as soon as one of its facts is known. Deadlines come from dated facts
// ("inspection_deadline": "2026-12-01"); when only the closing date is known, the Closing
// Disclosure date is derived (TRID: received at least 3 business days before closing, where
// business days are all days but Sundays and federal holidays).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/route.hpp"

namespace porchlight {

struct ChecklistItem {
  std::string id;
  std::string label;
  bool done = false;
  std::string known_as;  // the fact that ticked it
};

struct Checklist {
  std::string side;  // "buyer" or "seller"
  std::vector<ChecklistItem> items;
  int score = 0;     // 0-100: a lead score from what is known (see qualify.cpp)
  const ChecklistItem* next() const;  // the first item not done, or nullptr
};

struct Deadline {
  std::string fact;   // "inspection_deadline", or "closing_disclosure_date (derived)"
  std::string label;
  std::string date;   // YYYY-MM-DD
  std::int64_t days_left = 0;  // negative: overdue
  bool derived = false;
};

// Buyer or seller side: the lead's "side" fact when given, else the agent's role.
Checklist qualification_checklist(const AgentProfile& profile, const Lead& lead,
                                  const Policy& policy = Policy::embedded());
// Deadlines from today - 3 days to today + 45 days, soonest first. `today` is YYYY-MM-DD (the
// core has no clock); an invalid date yields no deadlines.
std::vector<Deadline> upcoming_deadlines(const Lead& lead, std::string_view today,
                                         const Policy& policy = Policy::embedded());

// The cards a surface shows beside an answer: the qualification checklist (buyer and listing
// agents, early stages), deadlines (contract stages, and always for transaction coordinators),
// and, once an answer is known, its first actionable line as the next best action.
json guidance_cards(const AgentProfile& profile, const Lead& lead, ConversationStage stage,
                    const RouteDecision& route, std::string_view answer, std::string_view today,
                    const Policy& policy = Policy::embedded());

// Days since 1970-01-01 for a YYYY-MM-DD date; false when the text is not a valid date.
bool parse_civil_date(std::string_view text, std::int64_t& days);
std::string format_civil_date(std::int64_t days);

}  // namespace porchlight
