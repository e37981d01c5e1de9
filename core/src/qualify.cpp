// qualify.cpp: checklists, lead score, deadlines and guidance cards.
//
// Sections:
//   [1] checklist and lead score
//   [2] deadlines
//   [3] guidance cards

#include "porchlight/qualify.hpp"

#include <algorithm>
#include <cstdio>

#include "dates.hpp"
#include "policy_data.hpp"
#include "text.hpp"

namespace porchlight {

// ---- [1] checklist and lead score --------------------------------------------------------------

const ChecklistItem* Checklist::next() const {
  for (const auto& i : items)
    if (!i.done) return &i;
  return nullptr;
}

namespace {
bool says_yes(const std::string& v) {
  const std::string n = detail::normalize_for_matching(v);
  return n == " yes " || n == " true " || n.rfind(" yes ", 0) == 0 || n == " cash ";
}
}  // namespace

Checklist qualification_checklist(const AgentProfile& profile, const Lead& lead, const Policy& policy) {
  const auto& d = policy.data();
  Checklist c;
  auto side = lead.facts.find("side");
  const bool seller = side != lead.facts.end() ? detail::normalize_for_matching(side->second).find("sell") != std::string::npos
                                               : profile.role == AgentRole::listing_agent;
  c.side = seller ? "seller" : "buyer";
  int done = 0;
  for (const auto& rule : seller ? d.seller_checklist : d.buyer_checklist) {
    ChecklistItem item{rule.id, rule.label, false, ""};
    for (const auto& f : rule.facts)
      if (lead.facts.count(f)) { item.done = true; item.known_as = f; break; }
    done += item.done;
    c.items.push_back(std::move(item));
  }
  // Lead score: 80 points for what is known, 20 for financing (or, for sellers, equity) in hand.
  const std::size_t total = c.items.size();
  c.score = total ? static_cast<int>(80 * done / static_cast<int>(total)) : 0;
  for (const char* f : {"pre_approved", "cash_buyer", "pre_approval"})
    if (auto it = lead.facts.find(f); it != lead.facts.end() && says_yes(it->second)) { c.score += 20; break; }
  c.score = std::min(c.score, 100);
  return c;
}

// ---- [2] deadlines -----------------------------------------------------------------------------

std::vector<Deadline> upcoming_deadlines(const Lead& lead, std::string_view today, const Policy& policy) {
  std::vector<Deadline> out;
  std::int64_t now;
  if (!parse_civil_date(today, now)) return out;
  bool has_cd = false;
  for (const auto& [fact, label] : policy.data().deadline_facts) {
    auto it = lead.facts.find(fact);
    std::int64_t when;
    if (it == lead.facts.end() || !parse_civil_date(it->second, when)) continue;
    has_cd = has_cd || fact == "closing_disclosure_date";
    out.push_back({fact, label, it->second, when - now, false});
  }
  // The Closing Disclosure must be received 3 business days before closing (TRID).
  auto closing = lead.facts.find("closing_date");
  std::int64_t close_day;
  if (!has_cd && closing != lead.facts.end() && parse_civil_date(closing->second, close_day)) {
    std::int64_t day = close_day;
    for (int counted = 0; counted < 3;) {
      --day;
      if (detail::weekday(day) != 0 && !detail::holiday_on(day, detail::federal_holidays())) ++counted;
    }
    out.push_back({"closing_disclosure_date", "Closing Disclosure must be received (3 business days before closing)",
                   format_civil_date(day), day - now, true});
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Deadline& x) { return x.days_left < -3 || x.days_left > 45; }),
            out.end());
  std::stable_sort(out.begin(), out.end(), [](const Deadline& a, const Deadline& b) { return a.date < b.date; });
  return out;
}

// ---- [3] guidance cards ------------------------------------------------------------------------

namespace {

// The first line of an answer that reads as an action: a list item or a sentence, without
// Markdown markers, at most 240 bytes.
std::string first_action(std::string_view answer) {
  std::size_t start = 0;
  while (start < answer.size()) {
    std::size_t end = answer.find('\n', start);
    std::string_view line = answer.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    start = end == std::string_view::npos ? answer.size() : end + 1;
    std::string text = detail::collapse_whitespace(line);
    if (text.empty() || text[0] == '#' || text.rfind("**Offline", 0) == 0 || text.rfind("---", 0) == 0) continue;
    std::size_t i = 0;
    while (i < text.size() && (text[i] == '-' || text[i] == '*' || text[i] == ' ' || text[i] == '>' ||
                               (text[i] >= '0' && text[i] <= '9') || text[i] == '.' || text[i] == ')'))
      ++i;
    text = text.substr(i);
    std::string clean;
    for (char c : text) if (c != '*' && c != '_' && c != '`') clean += c;
    if (clean.size() < 8) continue;
    return detail::truncate_utf8(clean, 240);
  }
  return {};
}

bool early_stage(ConversationStage s) { return static_cast<int>(s) <= static_cast<int>(ConversationStage::active); }
bool contract_stage(ConversationStage s) {
  return s == ConversationStage::offer_negotiation || s == ConversationStage::under_contract ||
         s == ConversationStage::clear_to_close;
}

}  // namespace

json guidance_cards(const AgentProfile& profile, const Lead& lead, ConversationStage stage, const RouteDecision& route,
                    std::string_view answer, std::string_view today, const Policy& policy) {
  json cards = json::array();
  const Checklist checklist = qualification_checklist(profile, lead, policy);
  if (std::string action = first_action(answer); !action.empty())
    cards.push_back({{"type", name_of(CardType::next_best_action)}, {"title", "Next best action"}, {"text", action},
                     {"specialist", name_of(route.specialist)}});
  else if (const ChecklistItem* next = checklist.next(); next && early_stage(stage) &&
                                                       profile.role != AgentRole::transaction_coordinator)
    cards.push_back({{"type", name_of(CardType::next_best_action)}, {"title", "Next best action"}, {"text", "Ask: " + next->label},
                     {"specialist", "qualification"}});

  if (early_stage(stage) && profile.role != AgentRole::transaction_coordinator) {
    json items = json::array();
    for (const auto& i : checklist.items)
      items.push_back({{"id", i.id}, {"label", i.label}, {"done", i.done}, {"known_as", i.known_as}});
    const ChecklistItem* next = checklist.next();
    cards.push_back({{"type", name_of(CardType::qualification_checklist)},
                     {"title", checklist.side == "buyer" ? "LPMAMA checklist" : "Seller checklist"},
                     {"side", checklist.side},
                     {"score", checklist.score},
                     {"next", next ? next->id : ""},
                     {"items", items}});
  }
  if (contract_stage(stage) || profile.role == AgentRole::transaction_coordinator) {
    const auto deadlines = upcoming_deadlines(lead, today, policy);
    if (!deadlines.empty()) {
      json items = json::array();
      for (const auto& x : deadlines)
        items.push_back({{"fact", x.fact}, {"label", x.label}, {"date", x.date}, {"days_left", x.days_left},
                         {"derived", x.derived}});
      cards.push_back({{"type", name_of(CardType::deadlines)}, {"title", "Upcoming deadlines"}, {"today", today}, {"items", items}});
    }
  }
  return cards;
}

}  // namespace porchlight
