// qualify.cpp: checklists, lead score, deadlines and guidance cards.
//
// Sections:
//   [1] civil dates and US federal holidays
//   [2] checklist and lead score
//   [3] deadlines
//   [4] guidance cards

#include "porchlight/qualify.hpp"

#include <algorithm>
#include <cstdio>

#include "policy_data.hpp"
#include "text.hpp"

namespace porchlight {

// ---- [1] civil dates and US federal holidays ---------------------------------------------------

namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

int weekday(std::int64_t days) {  // 0 = Sunday
  return static_cast<int>(((days + 4) % 7 + 7) % 7);
}

// The n-th (1-based) given weekday of a month; n = -1 for the last.
std::int64_t nth_weekday(std::int64_t year, unsigned month, int wd, int n) {
  if (n > 0) {
    const std::int64_t first = days_from_civil(year, month, 1);
    return first + (wd - weekday(first) + 7) % 7 + 7 * (n - 1);
  }
  const std::int64_t last = days_from_civil(month == 12 ? year + 1 : year, month == 12 ? 1 : month + 1, 1) - 1;
  return last - (weekday(last) - wd + 7) % 7;
}

// Federal legal public holidays (5 U.S.C. 6103(a)) on their actual dates, which is how the
// TRID rule's "business day" counts them.
bool is_federal_holiday(std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const std::int64_t fixed[] = {days_from_civil(y, 1, 1), days_from_civil(y, 6, 19), days_from_civil(y, 7, 4),
                                days_from_civil(y, 11, 11), days_from_civil(y, 12, 25)};
  for (auto f : fixed) if (f == days) return true;
  return days == nth_weekday(y, 1, 1, 3) ||   // Birthday of Martin Luther King, Jr.
         days == nth_weekday(y, 2, 1, 3) ||   // Washington's Birthday
         days == nth_weekday(y, 5, 1, -1) ||  // Memorial Day
         days == nth_weekday(y, 9, 1, 1) ||   // Labor Day
         days == nth_weekday(y, 10, 1, 2) ||  // Columbus Day
         days == nth_weekday(y, 11, 4, 4);    // Thanksgiving Day
}

}  // namespace

bool parse_civil_date(std::string_view t, std::int64_t& days) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  int v[3] = {0, 0, 0};
  const std::size_t starts[3] = {0, 5, 8}, lens[3] = {4, 2, 2};
  for (int k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < lens[k]; ++i) {
      const char c = t[starts[k] + i];
      if (c < '0' || c > '9') return false;
      v[k] = v[k] * 10 + (c - '0');
    }
  if (v[1] < 1 || v[1] > 12 || v[2] < 1 || v[0] < 1900) return false;
  days = days_from_civil(v[0], static_cast<unsigned>(v[1]), static_cast<unsigned>(v[2]));
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  return static_cast<int>(d) == v[2];  // rejects 2026-02-30
}

std::string format_civil_date(std::int64_t days) {
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

// ---- [2] checklist and lead score --------------------------------------------------------------

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

// ---- [3] deadlines -----------------------------------------------------------------------------

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
      if (weekday(day) != 0 && !is_federal_holiday(day)) ++counted;
    }
    out.push_back({"closing_disclosure_date", "Closing Disclosure must be received (3 business days before closing)",
                   format_civil_date(day), day - now, true});
  }
  out.erase(std::remove_if(out.begin(), out.end(), [](const Deadline& x) { return x.days_left < -3 || x.days_left > 45; }),
            out.end());
  std::stable_sort(out.begin(), out.end(), [](const Deadline& a, const Deadline& b) { return a.date < b.date; });
  return out;
}

// ---- [4] guidance cards ------------------------------------------------------------------------

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
