// offline.cpp: answers from the playbooks when Claude is unreachable.

#include "porchlight/offline.hpp"

#include <algorithm>
#include <set>

#include "policy_data.hpp"
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
  auto parts = sections(d.rules(route.specialist).playbook(profile.experience).text);
  const auto query_words = words(query);
  for (auto& s : parts)
    for (const auto& w : words(s.title + " " + s.body)) s.score += static_cast<int>(query_words.count(w));
  // The two best-matching sections, shown in playbook order.
  std::vector<std::size_t> order(parts.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return parts[a].score > parts[b].score; });
  if (order.size() > 2) order.resize(2);
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
