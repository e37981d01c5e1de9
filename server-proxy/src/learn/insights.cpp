// learn/insights.cpp: the insights' figures and recommendations (insights.hpp).
//
// Sections:
//   [1] thresholds and words (data: every recommendation names the numbers it compared)
//   [2] figures: one accumulator per agent, team and the location
//   [3] recommendations
//   [4] compute

#include "learn/insights.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>

#include "porchlight/cost.hpp"
#include "porchlight/qualify.hpp"
#include "store/store_util.hpp"

namespace porchlight::proxy::insights {

namespace {

// ---- [1] thresholds and words --------------------------------------------------------------------

// A lead this many days past its first contact should have its checklist item settled.
constexpr std::int64_t kStallDays = 14;
// A checklist gap is worth a recommendation when it holds for at least this many of an agent's
// leads and at least this share of them.
constexpr std::int64_t kStallMinLeads = 3;
constexpr double kStallMinShare = 0.5;
// Drafted replies are "edited heavily" when their median edit distance is at least this many
// characters over at least this many edited replies.
constexpr std::int64_t kHeavyEditChars = 100;
constexpr std::int64_t kHeavyEditMinReplies = 3;
// Guidance is mostly ignored when at least this share of at least this many answers saw no copy,
// send, edit or rating.
constexpr double kIgnoredShare = 0.6;
constexpr std::int64_t kIgnoredMinAnswers = 5;
// Leads' first replies are slow when their median is over this many minutes (at least this many
// leads); a lead with no reply at all counts as one more reason.
constexpr double kSlowReplyMinutes = 30;
constexpr std::int64_t kSlowReplyMinLeads = 3;
// An objection recurs when one topic came up at least this many times for one agent.
constexpr std::int64_t kRecurringObjections = 3;
// The prompt cache is underused when less than this share of prompt tokens were read from it,
// over at least this many prompt tokens.
constexpr double kLowCacheShare = 0.3;
constexpr std::int64_t kLowCacheMinTokens = 100'000;

// The checklist items that gate a lead's next step (a lender's pre-approval before offers, a
// signed agreement before touring or listing, a booked appointment): a stall on one of them is a
// recommendation; the other items' gaps are figures only, or every new lead would raise eight.
bool milestone_item(const std::string& item) {
  return item == "mortgage" || item == "agreement" || item == "listing_agreement" || item == "appointment";
}

// Stages in which the qualification checklist still matters (before a contract).
bool qualifying_stage(const std::string& stage) {
  static const std::vector<std::string> before_contract{
      "", "new_lead", "contacted", "qualifying", "nurturing", "appointment_set", "agreement_signed", "active",
      "offer_negotiation"};
  return std::find(before_contract.begin(), before_contract.end(), stage) != before_contract.end();
}

// What an unsettled checklist item means for a lead, in a sentence's words ("no pre-approval").
std::string gap_words(const std::string& item) {
  static const std::map<std::string, std::string> words{
      {"location", "no target area"},          {"price", "no price range"},
      {"motivation", "no stated motivation"},  {"timeline", "no timeline"},
      {"agent", "no answer on other agents"},  {"agreement", "no signed buyer agreement"},
      {"mortgage", "no pre-approval"},         {"appointment", "no appointment booked"},
      {"asking_price", "no price expectation"}, {"equity", "no payoff or equity known"},
      {"listing_status", "an open listing question"}, {"decision", "no confirmed decision makers"},
      {"listing_agreement", "no signed listing agreement"}};
  auto it = words.find(item);
  return it != words.end() ? it->second : "an open " + item + " item";
}

std::string nice_topic(std::string topic) {
  if (!topic.empty()) topic[0] = static_cast<char>(topic[0] - 'a' + 'A');
  return topic;
}

// What a team lead can do about a recurring objection.
std::string objection_action(const std::string& topic) {
  if (topic == "commission")
    return "role-play the value-of-representation talk (buyer agreements put the fee in writing before touring)";
  if (topic == "price") return "bring fresh comparable sales to pricing conversations";
  if (topic == "timing") return "set up a nurture plan for leads who say not now";
  if (topic == "rates") return "line up a lender to walk leads through payments and rate buydowns";
  return "review these objections together";
}

}  // namespace

const std::vector<store::ObjectionTopic>& objection_topics() {
  static const std::vector<store::ObjectionTopic> topics{
      {"commission", {"commission", "fee", "6%", "3%", "percent", "discount broker", "flat fee", "pay you", "pay the agent"}},
      {"rates", {"interest rate", "rates", "mortgage rate"}},
      {"price", {"price", "overpriced", "zestimate", "worth", "lowball", "too high", "too low", "appraisal"}},
      {"timing", {"wait", "not ready", "next year", "spring", "not now", "later", "timing", "holidays"}},
  };
  return topics;
}

namespace {

// ---- [2] figures -----------------------------------------------------------------------------------

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
double one_decimal(double x) { return std::round(x * 10) / 10; }
double share(std::int64_t part, std::int64_t whole) { return whole > 0 ? std::round(1000.0 * part / whole) / 1000 : 0; }

struct ItemGap {
  std::int64_t open = 0;   // leads whose item is not settled
  std::int64_t stale = 0;  // ... and first seen kStallDays or more before the range's end
};

struct Figures {
  // guidance
  std::int64_t answers = 0, helpful = 0, not_helpful = 0, used = 0, ignored = 0, edited = 0;
  std::map<std::string, store::GuidanceUseRow> by_type;
  std::vector<double> edit_distances;
  // objections, by topic
  std::map<std::string, std::int64_t> objections;
  // speed to lead
  std::int64_t new_leads = 0, unanswered = 0;
  std::vector<double> reply_minutes;
  // the checklist: leads before contract, by side; gaps by side and item; days in each stage
  std::map<std::string, std::int64_t> leads_by_side, stale_leads_by_side;
  std::map<std::pair<std::string, std::string>, ItemGap> gaps;
  std::map<std::string, std::vector<double>> days_in_stage;
  // outcomes and spend
  std::map<std::string, std::int64_t> outcomes;
  double cost_usd = 0;
  std::int64_t input_tokens = 0, cache_read_tokens = 0, cache_write_tokens = 0;

  std::int64_t outcome_total() const {
    std::int64_t n = 0;
    for (const auto& [k, v] : outcomes) n += v;
    return n;
  }
  // The share of prompt tokens read from the cache (input_tokens counts the uncached rest).
  double cache_share() const {
    return share(cache_read_tokens, input_tokens + cache_read_tokens + cache_write_tokens);
  }

  json to_json() const {
    json types = json::array();
    for (const auto& [type, r] : by_type)
      types.push_back({{"guidance_type", type}, {"answers", r.events}, {"helpful", r.helpful}, {"not_helpful", r.not_helpful},
                       {"used", r.used}, {"ignored", r.ignored}, {"edited", r.edited}});
    json objection_list = json::array();
    std::vector<std::pair<std::string, std::int64_t>> sorted(objections.begin(), objections.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    for (const auto& [topic, n] : sorted) objection_list.push_back({{"topic", topic}, {"count", n}});
    json items = json::array();
    for (const auto& [key, g] : gaps)
      items.push_back({{"side", key.first}, {"item", key.second}, {"gap", gap_words(key.second)}, {"open", g.open},
                       {"open_after_stall_days", g.stale}, {"leads", leads_by_side.at(key.first)},
                       {"leads_after_stall_days", stale_leads_by_side.count(key.first) ? stale_leads_by_side.at(key.first) : 0}});
    json stages = json::array();
    for (const auto& [stage, days] : days_in_stage) {
      const auto over = std::count_if(days.begin(), days.end(), [](double d) { return d >= kStallDays; });
      stages.push_back({{"stage", stage}, {"leads", days.size()}, {"median_days", one_decimal(median(days))},
                        {"over_stall_days", over}});
    }
    json funnel = json::object();
    for (const char* o : {"appointment_set", "agreement_signed", "offer_written", "under_contract", "closed_won", "closed_lost"})
      funnel[o] = outcomes.count(o) ? outcomes.at(o) : 0;
    const std::int64_t total = outcome_total();
    const std::int64_t answered = new_leads - unanswered;
    return {{"guidance", {{"answers", answers}, {"rated", helpful + not_helpful}, {"helpful", helpful},
                          {"helpful_rate", share(helpful, helpful + not_helpful)}, {"used", used}, {"ignored", ignored},
                          {"ignored_share", share(ignored, answers)}, {"edited", edited},
                          {"median_edit_distance", one_decimal(median(edit_distances))}, {"by_type", types}}},
            {"objections", objection_list},
            {"speed_to_lead", {{"new_leads", new_leads}, {"answered", answered}, {"unanswered", unanswered},
                               {"median_minutes", reply_minutes.empty() ? json(nullptr) : json(one_decimal(median(reply_minutes)))}}},
            {"checklist", {{"stall_days", kStallDays}, {"items", items}, {"stages", stages}}},
            {"outcomes", funnel},
            {"cost", {{"cost_usd", round_usd(cost_usd)}, {"outcomes", total},
                      {"cost_per_outcome_usd", total > 0 ? json(round_usd(cost_usd / static_cast<double>(total))) : json(nullptr)},
                      {"input_tokens", input_tokens}, {"cache_read_tokens", cache_read_tokens},
                      {"cache_write_tokens", cache_write_tokens}, {"cache_share", cache_share()}}}};
  }
};

// The figures of an agent, of its team and of the location, each fed the same rows.
struct Groups {
  std::map<std::string, Figures> agents, teams;
  Figures location;
  const std::map<std::string, AgentProfile>& profiles;

  void each(const std::string& agent_id, const std::function<void(Figures&)>& add) {
    add(agents[agent_id]);
    if (auto p = profiles.find(agent_id); p != profiles.end() && !p->second.team_id.empty()) add(teams[p->second.team_id]);
    add(location);
  }
};

double minutes_between(const std::string& from, const std::string& to) {
  auto a = store::detail::unix_micros_of(from), b = store::detail::unix_micros_of(to);
  return a && b ? static_cast<double>(*b - *a) / 60e6 : 0;
}

// The leads' checklists, read by the core as of the range's end, and how long each sat in its stage.
void add_leads(Groups& g, const Inputs& in, const Policy& policy) {
  const std::string end = in.to + "T23:59:59Z";
  for (const auto& row : in.leads) {
    if (!qualifying_stage(row.stage)) continue;
    AgentProfile agent;  // an agent without a profile: the lead's side fact decides (buyer by default)
    agent.role = AgentRole::buyer_agent;
    if (auto p = in.agents.find(row.agent_id); p != in.agents.end()) agent = p->second;
    Lead lead;
    lead.id = row.lead_id;
    lead.facts = row.facts;
    const Checklist checklist = qualification_checklist(agent, lead, in.to, policy);
    const bool stale = minutes_between(row.first_seen_at, end) >= kStallDays * 24 * 60;
    const double days_in_stage = row.stage_since.empty() ? -1 : minutes_between(row.stage_since, end) / (24 * 60);
    g.each(row.agent_id, [&](Figures& f) {
      ++f.leads_by_side[checklist.side];
      if (stale) ++f.stale_leads_by_side[checklist.side];
      for (const auto& item : checklist.items) {
        if (!item.shown || item.status == ItemStatus::ok) continue;
        auto& gap = f.gaps[{checklist.side, item.id}];
        ++gap.open;
        if (stale) ++gap.stale;
      }
      if (days_in_stage >= 0) f.days_in_stage[row.stage].push_back(days_in_stage);
    });
  }
}

void add_rows(Groups& g, const Inputs& in, const Policy& policy) {
  for (const auto& r : in.guidance)
    g.each(r.agent_id, [&](Figures& f) {
      f.answers += r.events, f.helpful += r.helpful, f.not_helpful += r.not_helpful;
      f.used += r.used, f.ignored += r.ignored, f.edited += r.edited;
      auto& t = f.by_type[r.guidance_type];
      t.events += r.events, t.helpful += r.helpful, t.not_helpful += r.not_helpful;
      t.used += r.used, t.ignored += r.ignored, t.edited += r.edited;
    });
  for (const auto& r : in.edits)
    g.each(r.agent_id, [&](Figures& f) { f.edit_distances.push_back(static_cast<double>(r.distance)); });
  for (const auto& r : in.objections) g.each(r.agent_id, [&](Figures& f) { f.objections[r.topic] += r.events; });
  for (const auto& r : in.responses)
    g.each(r.agent_id, [&](Figures& f) {
      ++f.new_leads;
      if (r.first_response_at.empty()) ++f.unanswered;
      else f.reply_minutes.push_back(minutes_between(r.first_inbound_at, r.first_response_at));
    });
  for (const auto& r : in.outcomes) g.each(r.agent_id, [&](Figures& f) { f.outcomes[r.outcome] += r.count; });
  for (const auto& r : in.usage)
    g.each(r.agent_id, [&](Figures& f) {
      f.cost_usd += r.cost_usd;
      f.input_tokens += r.input_tokens, f.cache_read_tokens += r.cache_read_tokens, f.cache_write_tokens += r.cache_write_tokens;
    });
  add_leads(g, in, policy);
}

// ---- [3] recommendations ---------------------------------------------------------------------------

std::string possessive(const std::string& name) { return name + (name.ends_with('s') ? "'" : "'s"); }
std::string fixed(double x) {
  std::string s = std::to_string(one_decimal(x));
  s.erase(s.find('.') + 2);
  if (s.ends_with(".0")) s.erase(s.size() - 2);
  return s;
}
std::string duration(double minutes) {
  if (minutes < 90) return fixed(minutes) + " min";
  if (minutes < 48 * 60) return fixed(minutes / 60) + " h";
  return fixed(minutes / (24 * 60)) + " days";
}

// One agent's (or one team's) recommendations; `who` names them in a sentence.
void recommend(const std::string& who, const json& subject, const Figures& f, json& out) {
  auto add = [&](std::string kind, std::string text, json numbers) {
    json r = subject;
    r.update({{"kind", std::move(kind)}, {"text", std::move(text)}, {"numbers", std::move(numbers)}});
    out.push_back(std::move(r));
  };
  // Leads stalled on a checklist item.
  for (const auto& [key, gap] : f.gaps) {
    // Of the side's leads first seen kStallDays or more ago, those still missing the item.
    const std::int64_t leads = f.stale_leads_by_side.count(key.first) ? f.stale_leads_by_side.at(key.first) : 0;
    if (!milestone_item(key.second)) continue;
    if (gap.stale < kStallMinLeads || leads == 0 || static_cast<double>(gap.stale) < kStallMinShare * static_cast<double>(leads)) continue;
    add("checklist_stall",
        std::to_string(gap.stale) + " of " + possessive(who) + " " + std::to_string(leads) + " " + key.first + " leads have " +
            gap_words(key.second) + " after " + std::to_string(kStallDays) + " days",
        {{"side", key.first}, {"item", key.second}, {"stalled", gap.stale}, {"leads", leads}, {"stall_days", kStallDays}});
  }
  // Drafts edited heavily.
  if (static_cast<std::int64_t>(f.edit_distances.size()) >= kHeavyEditMinReplies && median(f.edit_distances) >= kHeavyEditChars) {
    const double m = median(f.edit_distances);
    add("heavy_edits",
        possessive(who) + " drafted replies are edited heavily (median distance " + fixed(m) + " over " +
            std::to_string(f.edit_distances.size()) + " replies): review the follow-up playbook together",
        {{"median_edit_distance", one_decimal(m)}, {"edited_replies", f.edit_distances.size()}, {"threshold", kHeavyEditChars}});
  }
  // Guidance mostly ignored.
  if (f.answers >= kIgnoredMinAnswers && static_cast<double>(f.ignored) >= kIgnoredShare * static_cast<double>(f.answers))
    add("ignored_guidance",
        who + " left " + std::to_string(f.ignored) + " of " + std::to_string(f.answers) +
            " answers unused (no copy, send, edit or rating): ask what would make them useful",
        {{"ignored", f.ignored}, {"answers", f.answers}, {"threshold_share", kIgnoredShare}});
  // Slow first replies.
  const std::int64_t answered = f.new_leads - f.unanswered;
  if (answered >= kSlowReplyMinLeads && median(f.reply_minutes) > kSlowReplyMinutes) {
    std::string text = possessive(who) + " median first reply to a new lead took " + duration(median(f.reply_minutes)) + " (" +
                       std::to_string(answered) + " leads)";
    if (f.unanswered > 0) text += "; " + std::to_string(f.unanswered) + " more have no reply yet";
    add("slow_first_reply", text + ": set up an instant first text and a call within five minutes",
        {{"median_minutes", one_decimal(median(f.reply_minutes))}, {"answered", answered}, {"unanswered", f.unanswered},
         {"threshold_minutes", kSlowReplyMinutes}});
  }
  // Recurring objections.
  for (const auto& [topic, n] : f.objections) {
    if (topic == "other" || n < kRecurringObjections) continue;
    add("recurring_objection",
        nice_topic(topic) + " objections came up " + std::to_string(n) + " times for " + who + ": " + objection_action(topic),
        {{"topic", topic}, {"count", n}, {"threshold", kRecurringObjections}});
  }
}

}  // namespace

// ---- [4] compute -------------------------------------------------------------------------------------

json compute(const Inputs& in, const Policy& policy) {
  Groups g{{}, {}, {}, in.agents};
  add_rows(g, in, policy);
  auto name_of = [&](const std::string& id) {
    auto p = in.agents.find(id);
    return p != in.agents.end() && !p->second.name.empty() ? p->second.name : id.empty() ? std::string("Unassigned") : id;
  };
  json agents = json::array(), teams = json::array(), recommendations = json::array();
  for (const auto& [id, f] : g.agents) {
    auto p = in.agents.find(id);
    const std::string team = p != in.agents.end() ? p->second.team_id : "";
    json a = f.to_json();
    a.update({{"agent_id", id}, {"name", name_of(id)}, {"team_id", team}});
    agents.push_back(std::move(a));
    if (!id.empty()) recommend(name_of(id), {{"agent_id", id}}, f, recommendations);
  }
  for (const auto& [team, f] : g.teams) {
    json t = f.to_json();
    json members = json::array();
    for (const auto& [id, p] : in.agents)
      if (p.team_id == team && g.agents.count(id)) members.push_back(id);
    t.update({{"team_id", team}, {"agents", members}});
    teams.push_back(std::move(t));
  }
  // Location-wide: the prompt cache is the operator's matter, not an agent's.
  const Figures& loc = g.location;
  const std::int64_t prompt_tokens = loc.input_tokens + loc.cache_read_tokens + loc.cache_write_tokens;
  if (prompt_tokens >= kLowCacheMinTokens && loc.cache_share() < kLowCacheShare)
    recommendations.push_back(
        {{"kind", "low_cache_share"},
         {"text", "Only " + fixed(100 * loc.cache_share()) + "% of prompt tokens were read from the prompt cache (" +
                      std::to_string(loc.cache_read_tokens) + " of " + std::to_string(prompt_tokens) +
                      "): check that agents' profiles and playbooks stay stable between turns"},
         {"numbers", {{"cache_share", loc.cache_share()}, {"prompt_tokens", prompt_tokens}, {"threshold_share", kLowCacheShare}}}});
  return {{"from", in.from},
          {"to", in.to},
          {"thresholds",
           {{"stall_days", kStallDays}, {"stall_min_leads", kStallMinLeads}, {"stall_min_share", kStallMinShare},
            {"heavy_edit_chars", kHeavyEditChars}, {"heavy_edit_min_replies", kHeavyEditMinReplies},
            {"ignored_share", kIgnoredShare}, {"ignored_min_answers", kIgnoredMinAnswers},
            {"slow_reply_minutes", kSlowReplyMinutes}, {"slow_reply_min_leads", kSlowReplyMinLeads},
            {"recurring_objections", kRecurringObjections}, {"low_cache_share", kLowCacheShare},
            {"low_cache_min_tokens", kLowCacheMinTokens}}},
          {"location", loc.to_json()},
          {"teams", teams},
          {"agents", agents},
          {"recommendations", recommendations}};
}

}  // namespace porchlight::proxy::insights
