// qualify.cpp: the checklist read from the facts' values, its problems, the lead score, and the
// guidance cards (see porchlight/qualify.hpp). The words and weights are qualification.json's.
//
// Sections:
//   [1] reading one item
//   [2] checks across facts
//   [3] the lead score
//   [4] qualification_checklist
//   [5] guidance cards

#include "porchlight/qualify.hpp"

#include <algorithm>

#include "dates.hpp"
#include "policy_data.hpp"
#include "text.hpp"

namespace porchlight {

using detail::ItemRule;
using detail::QualifyData;

// ---- [1] reading one item ----------------------------------------------------------------------

namespace {

// A plain answer: the whole value is one of the data's yes (or no) phrases.
bool is_answer(const std::vector<detail::Token>& t, const std::vector<detail::Phrase>& answers) {
  for (const auto& p : answers)
    if (p.words.size() == t.size() && detail::find_phrase(t, p) == 0) return true;
  return false;
}

void fill(std::string& text, std::string_view key, std::string_view value) {
  for (std::size_t at; (at = text.find(key)) != std::string::npos;) text.replace(at, key.size(), value);
}

std::string months_in_words(int months) {
  if (months <= 0) return "under a month";
  return "about " + std::to_string(months) + (months == 1 ? " month" : " months");
}

struct Reading {
  std::string cls, fact, value;
  int months = -1;
  std::string basis;
};

// The reading of one fact's value.
Reading read_fact(const ItemRule& rule, const detail::FactRead& f, const std::string& value, std::int64_t today,
                  const QualifyData& q) {
  Reading r{"", f.fact, value, -1, ""};
  if (rule.timeline) {
    const auto t = detail::read_timeline(value, today, q.timeline_words);
    r.months = t.months;
    r.basis = t.basis;
    r.cls = t.months >= 0 ? "dated" : t.browsing ? "browsing" : "unread";
    return r;
  }
  const auto tokens = detail::tokenize(value);
  if (!f.yes.empty() && is_answer(tokens, q.yes)) { r.cls = f.yes; return r; }
  if (!f.no.empty() && is_answer(tokens, q.no)) { r.cls = f.no; return r; }
  for (const auto& c : rule.classes)
    if (detail::has_phrase(tokens, c.phrases) || is_answer(tokens, c.alone)) { r.cls = c.name; return r; }
  r.cls = !f.otherwise.empty() ? f.otherwise : rule.otherwise;
  return r;
}

// `more`: the problems other facts of the item raise beside the winning one (a lead who texted
// STOP and asked not to be called has both), except those an outcome listed before them answers
// (consent on file answers the Do-Not-Call registry).
ChecklistItem read_item(const ItemRule& rule, int side, const Lead& lead, std::int64_t today, const QualifyData& q,
                        std::vector<std::string>& more) {
  ChecklistItem item;
  item.id = rule.id;
  item.label = rule.label[static_cast<std::size_t>(side)];
  item.say = rule.say[static_cast<std::size_t>(side)];
  // Across the item's facts, the reading whose outcome comes first wins: "pre_approved: yes"
  // outranks "lender: Chase", and "cash_buyer: no" does not hide a pre-approval.
  std::optional<std::pair<std::size_t, Reading>> best;
  std::vector<std::size_t> problems;
  std::size_t answered = rule.outcomes.size();  // the first outcome read that is no problem
  for (const auto& f : rule.facts) {
    auto it = lead.facts.find(f.fact);
    if (it == lead.facts.end()) continue;
    Reading r = read_fact(rule, f, it->second, today, q);
    for (std::size_t k = 0; k < rule.outcomes.size(); ++k) {
      if (rule.outcomes[k].reading != r.cls) continue;
      if (rule.outcomes[k].problem.empty()) answered = std::min(answered, k);
      else problems.push_back(k);
      if (!best || k < best->first) best.emplace(k, std::move(r));
      break;
    }
  }
  if (!best) return item;
  const auto& outcome = rule.outcomes[best->first];
  std::sort(problems.begin(), problems.end());
  for (std::size_t k : problems)
    if (k < answered && k != best->first && std::find(more.begin(), more.end(), rule.outcomes[k].problem) == more.end())
      more.push_back(rule.outcomes[k].problem);
  const Reading& r = best->second;
  item.status = outcome.status;
  item.known_as = r.fact;
  item.value = r.value;
  item.reading = r.cls;
  item.problem = outcome.problem;
  item.months = r.months;
  item.reads = outcome.reads;
  fill(item.reads, "{months}", months_in_words(r.months));
  fill(item.reads, "{basis}", r.basis);
  fill(item.reads, "{value}", detail::truncate_utf8(r.value, 80));
  return item;
}

// ---- [2] checks across facts -------------------------------------------------------------------

const std::string* fact(const Lead& lead, const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (auto it = lead.facts.find(n); it != lead.facts.end()) return &it->second;
  return nullptr;
}

std::optional<std::int64_t> money(const Lead& lead, const std::vector<std::string>& names) {
  const std::string* v = fact(lead, names);
  return v ? detail::money_value(*v) : std::nullopt;
}

Problem problem_from(const std::string& id, const std::string& item, const QualifyData& q,
                     const std::vector<std::pair<std::string_view, std::string>>& values) {
  const detail::ProblemText& t = q.problems.at(id);
  Problem p{id, item, t.severity, t.title, t.action, t.say, t.why, t.mistakes, t.edge, t.source, t.ask_by};
  for (std::string* text : {&p.title, &p.action, &p.say, &p.why, &p.mistakes, &p.edge})
    for (const auto& [key, value] : values) fill(*text, key, value);
  return p;
}

// "on Saturday, 2026-11-28 (in 2 days)" for a date; the value as written otherwise.
std::string when_text(const std::string& value, std::int64_t today) {
  std::int64_t day;
  if (!parse_civil_date(value, day)) {
    const std::string lower = detail::normalize_for_matching(value);
    for (const char* w : {" on ", " this ", " next ", " tomorrow ", " today ", " tonight "})
      if (lower.rfind(w, 0) == 0) return value;
    return "on " + value;
  }
  std::string out = "on " + std::string(detail::weekday_name(day)) + ", " + value;
  if (today >= 0) {
    const std::int64_t d = day - today;
    out += d == 0 ? " (today)" : d == 1 ? " (tomorrow)" : d > 1 ? " (in " + std::to_string(d) + " days)" : " (" + std::to_string(-d) + " days ago)";
  }
  return out;
}

// Raises the cross-fact problems on their items.
void cross_check(Checklist& c, int side, const Lead& lead, std::int64_t today, const QualifyData& q) {
  auto raise = [&](const std::string& id, const std::string& item_id, std::vector<std::pair<std::string_view, std::string>> values) {
    auto item = std::find_if(c.items.begin(), c.items.end(), [&](const ChecklistItem& i) { return i.id == item_id; });
    if (item == c.items.end()) return;
    Problem p = problem_from(id, item_id, q, values);
    // An alert names the item and replaces the item's own tip: one card, the louder one.
    if (p.severity == Severity::alert)
      std::erase_if(c.problems, [&](const Problem& x) { return x.item == item_id && x.severity == Severity::tip; });
    if (item->problem.empty() || p.severity == Severity::alert) item->problem = id;
    item->status = ItemStatus::problem;
    c.problems.push_back(std::move(p));
  };
  if (side == detail::kBuyer) {
    const auto& t = q.cross.touring;
    const ChecklistItem* agreement = c.item(t.item);
    if (agreement && agreement->reading != t.unless) {
      const std::string* tour = nullptr;
      for (const auto& f : t.tour_facts)
        if (auto it = lead.facts.find(f); it != lead.facts.end() && !is_answer(detail::tokenize(it->second), q.no)) { tour = &it->second; break; }
      if (!tour)
        for (const auto& f : t.appointment_facts)
          if (auto it = lead.facts.find(f); it != lead.facts.end() && detail::has_phrase(detail::tokenize(it->second), t.tour_words)) { tour = &it->second; break; }
      if (tour) raise("touring_without_agreement", t.item, {{"{when}", when_text(*tour, today)}});
    }
    const auto& a = q.cross.approval;
    const auto price = money(lead, a.price_facts), approval = money(lead, a.approval_facts);
    if (price && approval && *price > *approval)
      raise("price_above_approval", a.item, {{"{price}", detail::format_money(*price)}, {"{approval}", detail::format_money(*approval)}});
  } else {
    const auto& m = q.cross.cma;
    const auto expected = money(lead, m.price_facts), cma = money(lead, m.cma_facts);
    if (expected && cma && *expected * 100 > *cma * (100 + m.tolerance_percent))
      raise("price_above_cma", m.item, {{"{expected}", detail::format_money(*expected)}, {"{cma}", detail::format_money(*cma)}});
    const auto& e = q.cross.equity;
    const auto payoff = money(lead, e.payoff_facts), likely = money(lead, e.price_facts);
    if (payoff && likely && *payoff * 100 >= *likely * (100 - e.selling_cost_percent))
      raise(*payoff > *likely ? "underwater" : "thin_equity", e.item,
            {{"{payoff}", detail::format_money(*payoff)}, {"{price}", detail::format_money(*likely)}});
  }
}

// ---- [3] the lead score ------------------------------------------------------------------------

LeadScore score_of(const Checklist& c, int side, const QualifyData& q) {
  LeadScore s;
  int weighted = 0, total = 0;
  for (const auto& rule : q.score[static_cast<std::size_t>(side)]) {
    ScorePart part{rule.id, rule.label, rule.weight, rule.unknown, ""};
    const ChecklistItem* item = c.item(rule.item);
    std::string read = "not known yet";
    if (item && !item->reading.empty()) {
      read = item->reads;
      if (auto p = rule.points.find(item->reading); p != rule.points.end()) part.points = p->second;
      if (item->months >= 0 && !rule.months.empty())
        for (const auto& [within, points] : rule.months)
          if (within < 0 || item->months <= within) { part.points = points; break; }
      for (const auto& problem : c.problems)
        if (problem.item == rule.item)
          if (auto p = rule.problem_points.find(problem.id); p != rule.problem_points.end()) {
            part.points = std::min(part.points, p->second);
            read += "; " + problem.title;
          }
    }
    part.reason = rule.label + " (" + std::to_string(rule.weight) + "%): " + std::to_string(part.points) + "/100, " + read;
    weighted += rule.weight * part.points;
    total += rule.weight;
    s.parts.push_back(std::move(part));
  }
  s.value = total ? (weighted + total / 2) / total : 0;
  for (const auto& cap : q.caps)
    if (const ChecklistItem* item = c.item(cap.item); item && item->reading == cap.reading && s.value > cap.max) {
      s.value = cap.max;
      s.capped = cap.reason;
    }
  return s;
}

}  // namespace

// ---- [4] qualification_checklist ---------------------------------------------------------------

const ChecklistItem* Checklist::next() const {
  for (const auto& i : items)
    if (i.shown && i.status == ItemStatus::unknown) return &i;
  return nullptr;
}

const ChecklistItem* Checklist::item(std::string_view id) const {
  for (const auto& i : items)
    if (i.id == id) return &i;
  return nullptr;
}

Checklist qualification_checklist(const AgentProfile& profile, const Lead& lead, std::string_view today,
                                  const Policy& policy) {
  const QualifyData& q = policy.data().qualify;
  std::int64_t now = -1;
  if (!parse_civil_date(today, now)) now = -1;
  Checklist c;
  // The side: a `side` fact; else the lead's facts (those only one side's items read: a team
  // lead's FSBO seller is a seller); else the agent's role.
  auto side_fact = lead.facts.find("side");
  std::array<int, 2> votes{};  // by the shown items' facts: a check's (a buyer's sale of their home) is no side's sign
  for (int s : {detail::kBuyer, detail::kSeller})
    for (std::size_t index : q.shown[static_cast<std::size_t>(s)]) {
      const auto& item = q.items[index];
      if (item.sides[detail::kBuyer] != item.sides[detail::kSeller])
        for (const auto& f : item.facts) votes[static_cast<std::size_t>(s)] += lead.facts.count(f.fact) > 0;
    }
  const bool seller = side_fact != lead.facts.end()
                          ? detail::normalize_for_matching(side_fact->second).find("sell") != std::string::npos ||
                                detail::normalize_for_matching(side_fact->second).find("list") != std::string::npos
                      : votes[detail::kSeller] != votes[detail::kBuyer] ? votes[detail::kSeller] > votes[detail::kBuyer]
                                                                         : profile.role == AgentRole::listing_agent;
  const int side = seller ? detail::kSeller : detail::kBuyer;
  c.side = seller ? "seller" : "buyer";
  for (bool shown : {true, false})
    for (std::size_t index : (shown ? q.shown : q.checks)[static_cast<std::size_t>(side)]) {
      std::vector<std::string> more;
      ChecklistItem item = read_item(q.items[index], side, lead, now, q, more);
      item.shown = shown;
      if (item.status == ItemStatus::problem) c.problems.push_back(problem_from(item.problem, item.id, q, {}));
      for (const auto& id : more) c.problems.push_back(problem_from(id, item.id, q, {}));
      c.items.push_back(std::move(item));
    }
  for (auto& item : c.items) {
    if (item.status != ItemStatus::unknown) continue;
    for (const auto& a : q.item(item.id)->answered_by)
      if (const ChecklistItem* other = c.item(a.item); other && other->reading == a.reading) {
        item.status = ItemStatus::ok;
        item.reads = a.reads;
        break;
      }
  }
  cross_check(c, side, lead, now, q);
  std::stable_sort(c.problems.begin(), c.problems.end(),
                   [](const Problem& a, const Problem& b) { return a.severity == Severity::alert && b.severity != Severity::alert; });
  c.score = score_of(c, side, q);
  return c;
}

// ---- [5] guidance cards ------------------------------------------------------------------------

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

// How the next question may be asked: "" when any way will do. One problem alone says it in its
// own words; several, or a stated preference, are said together from the channels they leave
// ("by e-mail, not by text or phone (they opted out of texts; they asked not to be called)").
std::string ask_by(const Checklist& c, const Lead& lead, const QualifyData& q) {
  std::vector<const detail::ProblemText*> closing;
  for (const auto& p : c.problems) {
    const detail::ProblemText& t = q.problems.at(p.id);
    if (!t.ask_by.empty() && t.closes.empty()) return t.ask_by;  // a rule of its own (the DNC registry's)
    if (!t.closes.empty()) closing.push_back(&t);
  }
  std::string preferred;
  if (const std::string* value = fact(lead, q.reach.preference_facts)) {
    const auto tokens = detail::tokenize(*value);
    for (const auto& [channel, words] : q.reach.preferences)
      if (detail::has_phrase(tokens, words)) { preferred = channel; break; }
  }
  if (closing.empty()) return preferred.empty() ? "" : "by " + preferred + ", as they prefer";
  if (closing.size() == 1 && preferred.empty()) return closing.front()->ask_by;
  std::vector<std::string> closed, open, because;
  for (const auto* t : closing) {
    closed.insert(closed.end(), t->closes.begin(), t->closes.end());
    because.push_back(t->because);
  }
  for (const auto& ch : q.reach.channels)
    if (std::find(closed.begin(), closed.end(), ch) == closed.end()) open.push_back(ch);
  auto join = [](const std::vector<std::string>& xs, std::string_view sep) {
    std::string out;
    for (const auto& x : xs) out += (out.empty() ? "" : std::string(sep)) + x;
    return out;
  };
  const std::string why = " (" + join(because, "; ") + ")";
  if (!preferred.empty() && std::find(open.begin(), open.end(), preferred) != open.end())
    return "by " + preferred + ", as they prefer, not by " + join(closed, " or ") + why;
  if (open.empty()) return "only when they reach out" + why;
  return "by " + join(open, " or ") + ", not by " + join(closed, " or ") + why;
}

// A problem as a card, with the fields the agent's experience calls for.
json problem_card(const Problem& p, const AgentProfile& profile, const QualifyData& q) {
  json card = {{"type", name_of(p.severity == Severity::alert ? CardType::compliance_alert : CardType::coaching_tip)},
               {"id", p.id}, {"item", p.item}, {"severity", name_of(p.severity)}, {"title", p.title}};
  for (const auto& field : q.card_detail[static_cast<std::size_t>(profile.experience)]) {
    const std::string& text = field == "action" ? p.action : field == "say" ? p.say : field == "why" ? p.why
                            : field == "mistakes" ? p.mistakes : field == "edge" ? p.edge : p.source;
    if (!text.empty()) card[field] = text;
  }
  return card;
}

}  // namespace

json guidance_cards(const AgentProfile& profile, const Lead& lead, ConversationStage stage, const RouteDecision& route,
                    std::string_view answer, std::string_view today, const Policy& policy, std::string_view said) {
  const auto stated = said.empty() ? std::vector<ProposedFact>{} : facts_stated(said, today, policy);
  return guidance_cards(profile, lead, stage, route, answer, today, policy, said, stated);
}

json guidance_cards(const AgentProfile& profile, const Lead& lead, ConversationStage stage, const RouteDecision& route,
                    std::string_view answer, std::string_view today, const Policy& policy, std::string_view said,
                    const std::vector<ProposedFact>& said_facts) {
  const QualifyData& q = policy.data().qualify;
  json cards = json::array();
  // A tour asked for this turn ("can we see it Saturday?") counts as booked: the agreement must
  // come before it, and the alert is for now, not for when the agent records the date.
  const Lead* seen = &lead;
  Lead with_tour;
  if (!lead.facts.count("showing_date"))
    for (const auto& f : said_facts)
      if (f.fact == "showing_date") {
        with_tour = lead;
        with_tour.facts["showing_date"] = f.value;
        seen = &with_tour;
      }
  const Checklist checklist = qualification_checklist(profile, *seen, today, policy);
  const bool coaches_leads = profile.role != AgentRole::transaction_coordinator;
  const bool novice = profile.experience == ExperienceLevel::novice || profile.experience == ExperienceLevel::intermediate;

  // What was said this turn: its problems come first, whatever the stage (they are about now).
  std::vector<Problem> heard;
  if (!said.empty()) {
    const auto tokens = detail::tokenize(said);
    for (const auto& check : q.said_checks)
      if (detail::has_phrase(tokens, check.phrases)) heard.push_back(problem_from(check.problem, "said", q, {}));
  }
  // Compliance first: an alert outranks anything the answer says.
  for (const auto& p : heard)
    if (p.severity == Severity::alert) cards.push_back(problem_card(p, profile, q));
  for (const auto& p : checklist.problems)
    if (p.severity == Severity::alert) cards.push_back(problem_card(p, profile, q));
  for (const auto& p : heard)
    if (p.severity == Severity::tip) cards.push_back(problem_card(p, profile, q));

  if (std::string action = first_action(answer); !action.empty())
    cards.push_back({{"type", name_of(CardType::next_best_action)}, {"title", "Next best action"}, {"text", action},
                     {"specialist", name_of(route.specialist)}});
  else if (const ChecklistItem* next = checklist.next(); next && early_stage(stage) && coaches_leads) {
    // An opt-out limits how the question may be asked ("Ask by phone or e-mail, not by text: ...").
    std::string ask = "Ask";
    if (const std::string by = ask_by(checklist, lead, q); !by.empty()) ask += " " + by;
    cards.push_back({{"type", name_of(CardType::next_best_action)}, {"title", "Next best action"},
                     {"text", ask + (novice && !next->say.empty() ? ": \"" + next->say + "\"" : ": " + next->label)},
                     {"specialist", "qualification"}});
  }

  if (early_stage(stage) && coaches_leads) {
    int tips = 0;
    for (const auto& p : checklist.problems)
      if (p.severity == Severity::tip && tips++ < 3) cards.push_back(problem_card(p, profile, q));
    json items = json::array();
    for (const auto& i : checklist.items) {
      if (!i.shown) continue;
      json item = {{"id", i.id}, {"label", i.label}, {"status", name_of(i.status)}, {"done", i.status == ItemStatus::ok},
                   {"known_as", i.known_as}, {"reads", i.reads}};
      if (novice && i.status != ItemStatus::ok && !i.say.empty()) item["say"] = i.say;
      items.push_back(std::move(item));
    }
    json parts = json::array();
    for (const auto& p : checklist.score.parts)
      parts.push_back({{"id", p.id}, {"label", p.label}, {"weight", p.weight}, {"points", p.points}, {"reason", p.reason}});
    const ChecklistItem* next = checklist.next();
    json card = {{"type", name_of(CardType::qualification_checklist)},
                 {"title", checklist.side == "buyer" ? "LPMAMA checklist" : "Seller checklist"},
                 {"side", checklist.side},
                 {"score", checklist.score.value},
                 {"score_parts", parts},
                 {"next", next ? next->id : ""},
                 {"items", items}};
    if (!checklist.score.capped.empty()) card["score_capped"] = checklist.score.capped;
    cards.push_back(std::move(card));
  }

  if (contract_stage(stage) || profile.role == AgentRole::transaction_coordinator) {
    if (auto terms = contract_terms_from(lead, policy)) {
      auto timeline = contract_timeline(*terms, today, policy);
      if (timeline) {
        json items = json::array();
        for (const auto& x : timeline.value().items)
          items.push_back({{"id", x.id}, {"label", x.label}, {"date", x.date}, {"time", x.time}, {"days_left", x.days_left},
                           {"status", x.status}, {"rule", x.rule}, {"owner", x.owner}, {"note", x.note}, {"task", x.task},
                           {"from_lead", x.from_lead}, {"assumed", x.assumed}});
        cards.push_back({{"type", name_of(CardType::deadlines)}, {"title", "Contract to close"}, {"today", today},
                         {"form", timeline.value().form_name}, {"items", items}, {"notes", timeline.value().notes}});
      } else {
        json notes = json::array();
        for (const auto& e : timeline.errors()) notes.push_back(e.message);
        cards.push_back({{"type", name_of(CardType::deadlines)}, {"title", "Contract to close"}, {"today", today},
                         {"items", json::array()}, {"notes", notes}});
      }
    }
  }
  return cards;
}

}  // namespace porchlight
