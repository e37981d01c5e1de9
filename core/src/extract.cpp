// extract.cpp: the cheap fact extractor (see porchlight/qualify.hpp): phrases from
// extraction.json, found clause by clause, propose facts with the clause that said them.

#include <algorithm>

#include "fact_values.hpp"
#include "policy_data.hpp"
#include "porchlight/qualify.hpp"
#include "text.hpp"

namespace porchlight {

namespace {

using detail::Clause;
using detail::ExtractRule;

// A negation up to three words before the phrase, in the same part of the clause: a comma ends
// its reach ("don't call, text is fine" says nothing against texting).
bool negated_before(const Clause& c, std::size_t pos, const detail::ExtractData& x) {
  const std::size_t from = pos > 3 ? pos - 3 : 0;
  for (const auto& n : x.negations) {
    const std::size_t at = detail::find_phrase(c.tokens, n, from);
    if (at == std::string::npos || at >= pos) continue;
    const std::size_t begin = c.tokens[at].begin, end = c.tokens[pos].begin;
    if (c.text.substr(begin, end - begin).find(',') == std::string::npos) return true;
  }
  return false;
}

std::string rest_of(const Clause& c, std::size_t token) {
  if (token >= c.tokens.size()) return {};
  return detail::truncate_utf8(detail::collapse_whitespace(c.text.substr(c.tokens[token].begin)), 80);
}

// The day a clause names, with the time after it, as written ("Saturday", "tmrw @ 4", "el sábado
// a las 11"), or "" when it names none: "can we see it?" proposes no showing date.
std::string day_in(const Clause& c, const detail::ExtractData& x) {
  for (std::size_t i = 0; i < c.tokens.size(); ++i)
    for (const auto& day : x.day_words) {
      if (detail::find_phrase(c.tokens, day, i) != i) continue;
      std::size_t last = i + day.words.size() - 1;
      for (std::size_t k = last + 1; k < c.tokens.size() && k <= last + 3;) {
        const auto& t = c.tokens[k];
        std::size_t step = 0;
        if (t.number) step = 1;
        for (const auto& w : x.time_words)
          if (detail::find_phrase(c.tokens, w, k) == k) step = std::max(step, w.words.size());
        if (!step) break;
        last = k + step - 1;
        k += step;
      }
      const std::size_t begin = c.tokens[i].begin, end = c.tokens[last].end;
      return detail::truncate_utf8(detail::collapse_whitespace(c.text.substr(begin, end - begin)), 60);
    }
  return {};
}

// The value a rule proposes for the phrase found at `pos`, or "" for none.
std::string value_of(const ExtractRule& rule, const detail::Phrase& phrase, const Clause& c, std::size_t pos,
                     std::int64_t today, const detail::ExtractData& x, const detail::QualifyData& q) {
  const std::size_t after = pos + phrase.words.size();
  if (negated_before(c, pos, x)) return rule.negated;
  if (rule.capture.empty()) return rule.value;
  if (rule.capture == "money") {
    // A bare number counts when it could be a price in thousands ("approved for 450"), not a count.
    for (std::size_t i = after; i < c.tokens.size() && i < after + 4; ++i) {
      if (!c.tokens[i].number) continue;
      const std::int64_t whole = c.tokens[i].milli / 1000;
      if (!c.tokens[i].money && whole < 100) return {};
      const auto amount = detail::money_in(c.tokens, i, 1, true);
      return amount ? detail::format_money(*amount) : std::string();
    }
    return {};
  }
  if (rule.capture == "timeline") {
    const std::string rest = rest_of(c, after);
    // Read with the phrase's last word ("by March", "in June"): it tells a month from a verb.
    const auto t = detail::read_timeline(phrase.words.back() + " " + rest, today, q.timeline_words);
    if (t.months < 0) return {};  // "within walking distance" is not a time
    return rule.value + rest;
  }
  if (rule.capture == "count_before") {
    if (pos == 0 || !c.tokens[pos - 1].number) return {};
    const std::int64_t n = c.tokens[pos - 1].milli;
    if (n <= 0 || n > 20000) return {};
    return c.tokens[pos - 1].text;
  }
  if (rule.capture == "day") return day_in(c, x);
  return detail::truncate_utf8(detail::collapse_whitespace(c.text), 160);  // clause
}

std::string same_text(std::string_view s) { return detail::normalize_for_matching(s); }

}  // namespace

std::vector<ProposedFact> facts_stated(std::string_view text, std::string_view today, const Policy& policy) {
  const auto& d = policy.data();
  const auto& x = d.extraction;
  std::int64_t now = -1;
  if (!parse_civil_date(today, now)) now = -1;
  std::vector<ProposedFact> out;
  const auto parts = detail::clauses(text);
  // An "alone" phrase must be the whole message, give or take a sign-off ("Stop. Thanks"): every
  // other clause at most two words.
  auto only_signoffs_beside = [&](const auto& c) {
    return std::all_of(parts.begin(), parts.end(), [&](const auto& other) { return &other == &c || other.tokens.size() <= 2; });
  };
  for (const auto& c : parts) {
    for (const auto& rule : x.rules) {
      for (const auto& phrase : rule.phrases) {
        if (rule.alone && (c.tokens.size() != phrase.words.size() || !only_signoffs_beside(c))) continue;
        const std::size_t pos = detail::find_phrase(c.tokens, phrase);
        if (pos == std::string::npos) continue;
        std::string value = value_of(rule, phrase, c, pos, now, x, d.qualify);
        if (value.empty()) break;  // this rule says nothing here; the next rule may
        ProposedFact p{rule.fact, value, detail::truncate_utf8(detail::collapse_whitespace(c.text), 200), ""};
        auto same = std::find_if(out.begin(), out.end(), [&](const ProposedFact& f) { return f.fact == rule.fact; });
        if (same != out.end()) out.erase(same);  // the later statement wins
        out.push_back(std::move(p));
        break;
      }
    }
  }
  return out;
}

std::vector<ProposedFact> proposals_for(std::vector<ProposedFact> stated, const Lead& lead, const Policy& policy) {
  std::vector<ProposedFact> proposals;
  for (auto& p : stated) {
    if (auto it = lead.facts.find(p.fact); it != lead.facts.end()) {
      if (same_text(it->second) == same_text(p.value)) continue;
      p.current = it->second;
    }
    if (proposals.size() < policy.data().extraction.max_proposals) proposals.push_back(std::move(p));
  }
  return proposals;
}

std::vector<ProposedFact> extract_facts(std::string_view text, const Lead& lead, std::string_view today, const Policy& policy) {
  return proposals_for(facts_stated(text, today, policy), lead, policy);
}

}  // namespace porchlight
