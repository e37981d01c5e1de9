// stages.cpp: the lead's stage moved by events and by signals read from its facts (see
// porchlight/qualify.hpp; the moves are stages.json's).

#include <algorithm>
#include <set>

#include "fact_values.hpp"
#include "policy_data.hpp"
#include "porchlight/qualify.hpp"
#include "text.hpp"

namespace porchlight {

namespace {

// Whether a signal holds, and the fact behind it ("buyer_agreement: 'signed 11/20'").
std::optional<std::string> signal_holds(const detail::StageSignal& s, const Checklist& c, const Lead& lead,
                                        const detail::QualifyData& q) {
  for (const auto& f : s.facts)
    if (auto it = lead.facts.find(f); it != lead.facts.end()) {
      const auto tokens = detail::tokenize(it->second);
      bool no = false;
      for (const auto& p : q.no) no = no || (p.words.size() == tokens.size() && detail::find_phrase(tokens, p) == 0);
      if (!no) return f + ": '" + detail::truncate_utf8(it->second, 60) + "'";
    }
  if (!s.item.empty()) {
    const ChecklistItem* item = c.item(s.item);
    if (item && !item->reading.empty()) {
      const bool reading = std::find(s.readings.begin(), s.readings.end(), item->reading) != s.readings.end();
      const bool months = s.months_over >= 0 && item->months > s.months_over;
      if (reading || months) return item->known_as + ": " + item->reads;
    }
  }
  if (s.known_items > 0) {
    int known = 0;
    for (const auto& i : c.items) known += i.shown && i.status != ItemStatus::unknown;
    if (known >= s.known_items) return std::to_string(known) + " checklist items known";
  }
  return std::nullopt;
}

}  // namespace

bool is_stage_event(std::string_view event, const Policy& policy) {
  return policy.data().stages.events.count(std::string(event)) > 0;
}

StageResult advance_stage(const Checklist& c, const Lead& lead, ConversationStage from,
                          const std::vector<std::string>& events, const Policy& policy) {
  const auto& d = policy.data();
  const auto& rules = d.stages.rules[c.side == "seller" ? detail::kSeller : detail::kBuyer];
  StageResult r;
  r.stage = from;
  std::set<std::size_t> used;                     // each move at most once per call
  std::set<ConversationStage> left_by_event;      // an event outranks a signal that would undo it
  for (int step = 0; step < 12; ++step) {
    bool moved = false;
    for (std::size_t i = 0; i < rules.size() && !moved; ++i) {
      const auto& rule = rules[i];
      if (used.count(i) || std::find(rule.from.begin(), rule.from.end(), r.stage) == rule.from.end()) continue;
      std::string trigger, because;
      for (const auto& e : rule.events)
        if (std::find(events.begin(), events.end(), e) != events.end()) { trigger = "event:" + e; because = d.stages.events.at(e); break; }
      if (trigger.empty() && !left_by_event.count(rule.to))
        for (const auto& name : rule.signals)
          for (const auto& s : d.stages.signals)
            if (s.name == name && trigger.empty())
              if (auto why = signal_holds(s, c, lead, d.qualify)) { trigger = "signal:" + name; because = *why; }
      if (trigger.empty()) continue;
      used.insert(i);
      if (trigger.rfind("event:", 0) == 0) left_by_event.insert(r.stage);
      r.moves.push_back({r.stage, rule.to, trigger, rule.reason + " (" + because + ")"});
      r.stage = rule.to;
      moved = true;
    }
    if (!moved) break;
  }
  return r;
}

}  // namespace porchlight
