// situations.cpp: which notes of playbooks/situations.md a request carries (situations.json says
// when), and the system block that holds them.

#include "fact_values.hpp"
#include "policy_data.hpp"
#include "prompt_parts.hpp"

namespace porchlight::detail {

std::vector<const Situation*> situations_for(const Lead& lead, std::string_view query, const PolicyData& d) {
  std::vector<const Situation*> out;
  const auto query_tokens = tokenize(query);
  auto yes = [&](const std::string& value) {
    const auto t = tokenize(value);
    for (const auto& p : d.qualify.yes) if (p.words.size() == t.size() && find_phrase(t, p) == 0) return true;
    return false;
  };
  for (const auto& s : d.situations.list) {
    bool match = has_phrase(query_tokens, s.query);
    for (const auto& f : s.facts)
      if (auto it = lead.facts.find(f); !match && it != lead.facts.end()) match = yes(it->second);
    for (const auto& [fact, phrases] : s.values)
      if (auto it = lead.facts.find(fact); !match && it != lead.facts.end())
        match = phrases.empty() || has_phrase(tokenize(it->second), phrases);
    if (match) out.push_back(&s);
    if (out.size() == d.situations.max_per_request) break;
  }
  return out;
}

std::string situations_text(const std::vector<const Situation*>& situations) {
  std::string out =
      "# Situation notes\n\nFrom Porchlight's playbooks, because of this lead's facts or the agent's question. "
      "Apply what fits; state law and the forms in use govern.";
  for (const Situation* s : situations) out += "\n\n" + s->text;
  return out;
}

}  // namespace porchlight::detail
