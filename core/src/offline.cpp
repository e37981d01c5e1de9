// offline.cpp: answers from the playbooks when Claude is unreachable.

#include "porchlight/offline.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "policy_data.hpp"
#include "prompt_parts.hpp"
#include "porchlight/qualify.hpp"
#include "text.hpp"

namespace porchlight {

namespace {

struct Section {
  std::string title;
  std::string body;
  int score = 0;
};

// "## Heading" sections of a playbook, in order (text before the first heading is skipped).
std::vector<Section> sections(const std::string& playbook) {
  std::vector<Section> out;
  std::size_t start = 0;
  while (start < playbook.size()) {
    std::size_t end = playbook.find('\n', start);
    if (end == std::string::npos) end = playbook.size();
    const std::string_view line(playbook.data() + start, end - start);
    if (line.rfind("## ", 0) == 0) out.push_back({std::string(line.substr(3)), "", 0});
    else if (!out.empty()) out.back().body.append(line).append("\n");
    start = end + 1;
  }
  return out;
}

// Words of four letters or more: enough to tell sections apart without a stemmer.
std::set<std::string> words(std::string_view text) {
  std::set<std::string> out;
  const std::string n = detail::normalize_for_matching(text);
  std::size_t start = 1;
  while (start < n.size()) {
    const std::size_t end = n.find(' ', start);
    if (end - start >= 4) out.insert(n.substr(start, std::min<std::size_t>(end - start, 6)));  // a crude stem
    start = end + 1;
  }
  return out;
}

}  // namespace

std::string offline_answer(const RouteDecision& route, std::string_view query, const AgentProfile& profile,
                           const Lead& lead, const Policy& policy) {
  const auto& d = policy.data();
  std::string out(kOfflineLabel);
  out += "\n\n";
  if (route.specialist == Specialist::qualification) {
    const Checklist c = qualification_checklist(profile, lead, {}, policy);
    if (const ChecklistItem* next = c.next()) out += "**Ask next:** " + next->label + "\n\n";
  }
  // A situation the lead's facts or the question name (probate, 55+, a short sale...) is the most
  // specific note there is: it comes first, as it does in Claude's prompt.
  const auto situations = detail::situations_for(lead, query, d);
  std::size_t shown = 0;
  for (const detail::Situation* s : situations) {
    if (shown == 2) break;
    std::string text = s->text;
    if (text.rfind("## ", 0) == 0) text = "### " + s->title + text.substr(text.find('\n') == std::string::npos ? text.size() : text.find('\n'));
    out += detail::truncate_utf8(text, 1600);
    if (out.back() != '\n') out += "\n";
    out += "\n";
    ++shown;
  }
  // Then the routed playbook's sections that best match the query: a word counts by how few
  // sections have it (N / df: "buyer" is everywhere, "escalation" in one), three times in a title.
  auto parts = sections(d.rules(route.specialist).playbook(profile.experience).text);
  const auto query_words = words(query);
  std::vector<std::set<std::string>> title_words, body_words;
  std::map<std::string, int> df;
  for (const auto& s : parts) {
    title_words.push_back(words(s.title));
    body_words.push_back(words(s.title + " " + s.body));
    for (const auto& w : body_words.back())
      if (query_words.count(w)) ++df[w];
  }
  const int n = static_cast<int>(parts.size());
  for (std::size_t i = 0; i < parts.size(); ++i)
    for (const auto& w : query_words)
      if (body_words[i].count(w)) parts[i].score += (title_words[i].count(w) ? 3 : 1) * (100 * n / df[w]);
  std::vector<std::size_t> order(parts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return parts[a].score > parts[b].score; });
  // Two notes in all. A section that matches nothing is shown only when nothing else would be.
  std::size_t want = 2 - shown;
  while (want > 0 && want <= order.size() && parts[order[want - 1]].score == 0) --want;
  if (want == 0 && shown == 0) want = 1;
  if (order.size() > want) order.resize(want);
  std::sort(order.begin(), order.end());
  for (std::size_t i : order) {
    out += "### " + parts[i].title + "\n\n";
    out += detail::truncate_utf8(parts[i].body, 1600);
    if (out.back() != '\n') out += "\n";
    out += "\n";
  }
  out += "_When Claude is back, ask again for advice fitted to this lead._";
  return out;
}

}  // namespace porchlight
