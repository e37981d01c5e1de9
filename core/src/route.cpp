// route.cpp: Router v1 (see core/data/routing.json for the rules and weights).
//
// Sections:
//   [1] scoring specialists
//   [2] choosing the tier
//   [3] estimates and the decision

#include "porchlight/route.hpp"

#include <algorithm>
#include <cmath>

#include "porchlight/context.hpp"
#include "porchlight/cost.hpp"
#include "prompt_parts.hpp"
#include "router_model.hpp"
#include "text.hpp"

namespace porchlight {

namespace {

using detail::PolicyData;

// "+2.5": weights printed with one decimal through integers, identical natively and in WASM.
std::string signed_weight(double w) {
  const long tenths = std::lround(w * 10);
  const long whole = std::labs(tenths) / 10, frac = std::labs(tenths) % 10;
  return std::string(tenths < 0 ? "-" : "+") + std::to_string(whole) + "." + std::to_string(frac);
}

// The index entries whose keyword occurs in `text` (normalized), each once, in index order.
std::vector<std::uint32_t> matched_keywords(const std::string& text, const detail::KeywordIndex& index) {
  std::vector<std::uint32_t> hits;
  const char* t = text.data();
  for (std::size_t i = 0; i + 2 < text.size(); ++i) {
    if (t[i] != ' ' || t[i + 1] == ' ') continue;  // i is the space before a word
    const int slot = detail::KeywordIndex::slot(t[i + 1], t[i + 2]);
    if (slot < 0) continue;
    const std::size_t room = text.size() - i;
    const auto at = static_cast<std::size_t>(slot);
    for (std::uint32_t n = index.first[at]; n < index.first[at + 1]; ++n) {
      const std::uint32_t e = index.by_slot[n];
      const std::string& phrase = index.entries[e].keyword->phrase;  // its first three bytes matched
      if (phrase.size() > room) continue;
      std::size_t k = 3;  // phrases are a few bytes: compared here, not through a call to memcmp
      while (k < phrase.size() && phrase[k] == t[i + k]) ++k;
      if (k == phrase.size()) hits.push_back(e);
    }
  }
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  return hits;
}

// ---- [1] scoring specialists -------------------------------------------------------------------

struct Scored {
  double score = 0;
  std::vector<const detail::Keyword*> hits;  // strongest first
};

std::array<Scored, enum_count<Specialist>()> score_all(const std::vector<std::uint32_t>& hits,
                                                       const RouteRequest& req,
                                                       const PolicyData& d) {
  std::array<Scored, enum_count<Specialist>()> out;
  for (std::uint32_t e : hits) {
    const auto& entry = d.keyword_index.entries[e];
    if (entry.owner >= out.size()) continue;  // a tier rule's keyword
    out[entry.owner].score += entry.keyword->weight;
    out[entry.owner].hits.push_back(entry.keyword);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto& rules = d.specialists[i];
    std::stable_sort(out[i].hits.begin(), out[i].hits.end(),
                     [](auto* a, auto* b) { return a->weight > b->weight; });
    out[i].score += rules.stage_weight[static_cast<std::size_t>(req.stage)];
    out[i].score += rules.role_weight[static_cast<std::size_t>(req.profile.role)];
  }
  return out;
}

// ---- [2] choosing the tier ---------------------------------------------------------------------

template <class T> bool in(const std::vector<T>& list, T value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool rule_matches(const detail::TierRule& rule, std::size_t rule_index, Specialist s,
                  const RouteRequest& req, const std::vector<std::uint32_t>& hits,
                  const detail::KeywordIndex& index, std::int64_t query_tokens) {
  if (!rule.specialists.empty() && !in(rule.specialists, s)) return false;
  if (!rule.experience.empty() && !in(rule.experience, req.profile.experience)) return false;
  if (!rule.specializations.empty() &&
      std::none_of(req.profile.specializations.begin(), req.profile.specializations.end(),
                   [&](Specialization x) { return in(rule.specializations, x); }))
    return false;
  if (rule.query_tokens_over >= 0 && query_tokens <= rule.query_tokens_over) return false;
  if (rule.query_tokens_under >= 0 && query_tokens >= rule.query_tokens_under) return false;
  if (rule.context_tokens_over >= 0 && req.context_tokens <= rule.context_tokens_over) return false;
  const auto owner = static_cast<std::uint16_t>(detail::KeywordIndex::kTierRuleOwner + rule_index);
  if (!rule.keywords.empty() &&
      std::none_of(hits.begin(), hits.end(), [&](std::uint32_t e) { return index.entries[e].owner == owner; }))
    return false;
  return true;
}

ModelTier shifted(ModelTier t, int shift) {
  const int v = std::clamp(static_cast<int>(t) + shift, 0, static_cast<int>(enum_count<ModelTier>()) - 1);
  return static_cast<ModelTier>(v);
}

void choose_tier(RouteDecision& out, const RouteRequest& req, const std::vector<std::uint32_t>& hits,
                 std::int64_t query_tokens, const PolicyData& d) {
  const auto s = out.specialist;
  if (req.tier) {
    out.tier = *req.tier;
    out.reasons.push_back("tier " + std::string(name_of(out.tier)) + ": chosen by the caller");
  } else if (out.learned) {
    out.reasons.push_back(detail::learned_tier(out, d));
  } else {
    const ModelTier base = d.rules(s).default_tier;
    int shift = 0;
    std::vector<std::string> why;
    for (std::size_t i = 0; i < d.tier_rules.size(); ++i) {
      const auto& rule = d.tier_rules[i];
      if (rule.shift != 0 && rule_matches(rule, i, s, req, hits, d.keyword_index, query_tokens)) {
        shift += rule.shift;
        why.push_back(rule.reason);
      }
    }
    shift = std::clamp(shift, -1, 1);  // rules nudge; they never jump fast <-> deep
    out.tier = shifted(base, shift);
    if (out.tier == base) {
      out.reasons.push_back("tier " + std::string(name_of(base)) + ": the default for " +
                            std::string(name_of(s)));
    } else {
      std::string joined;
      for (const auto& w : why) joined += (joined.empty() ? "" : "; ") + w;
      out.reasons.push_back("tier " + std::string(name_of(out.tier)) + " (" +
                            (shift > 0 ? "raised" : "lowered") + " from " +
                            std::string(name_of(base)) + "): " + joined);
    }
  }
  // The location's budget caps the tier last: it binds forced tiers too.
  if (req.budget && req.budget->monthly_usd > 0) {
    const double monthly = req.budget->monthly_usd;
    const double left = std::max(0.0, monthly - req.budget->spent_usd) / monthly;
    const long percent = static_cast<long>(std::floor(left * 100));
    ModelTier cap = ModelTier::deep;
    std::string why;
    if (req.budget->spent_usd >= monthly) {
      out.budget_exhausted = true;
      cap = ModelTier::fast;
      why = "the monthly budget is spent";
    } else if (left < d.budget_fast_only_below) {
      cap = ModelTier::fast;
      why = std::to_string(percent) + "% of the monthly budget left";
    } else if (left < d.budget_downgrade_below) {
      cap = ModelTier::balanced;
      why = std::to_string(percent) + "% of the monthly budget left";
    }
    if (out.tier > cap) {
      out.tier = cap;
      out.reasons.push_back("tier capped at " + std::string(name_of(cap)) + ": " + why);
    } else if (out.budget_exhausted) {
      out.reasons.push_back(why);
    }
  }
}

}  // namespace

// ---- [3] estimates and the decision ------------------------------------------------------------

namespace detail {

KeywordScores keyword_scores(const RouteRequest& req, const PolicyData& d) {
  // Only the keywords: the stage and role weights are features of the model already. Like the
  // model's words, they are read from the request's excerpt (a pasted page's start and end; the
  // parts are joined by two spaces, so no phrase matches across the cut).
  KeywordScores out{};
  const Excerpt excerpt = router_excerpt(req.query);
  std::string text = normalize_for_matching(excerpt.head);
  if (!excerpt.tail.empty()) text += normalize_for_matching(excerpt.tail);
  for (std::uint32_t e : matched_keywords(text, d.keyword_index)) {
    const auto& entry = d.keyword_index.entries[e];
    if (entry.owner < out.size()) out[entry.owner] += entry.keyword->weight;
  }
  return out;
}

std::int64_t expected_output_tokens(Specialist s, Verbosity v, const PolicyData& d) {
  return d.rules(s).expected_output_tokens * d.verbosity_output_percent[static_cast<std::size_t>(v)] / 100;
}

void estimate_cost(RouteDecision& decision, std::int64_t input_tokens, std::int64_t prefix_tokens,
                   std::int64_t output_tokens, const Policy& policy) {
  decision.estimated_input_tokens = input_tokens;
  decision.estimated_output_tokens = output_tokens;
  Usage cold;
  cold.input_tokens = input_tokens;
  cold.output_tokens = output_tokens;
  Usage warm = cold;
  warm.input_tokens = input_tokens - prefix_tokens;
  warm.cache_read_input_tokens = prefix_tokens;
  auto a = cost_of(cold, decision.model, policy);
  auto b = cost_of(warm, decision.model, policy);
  decision.estimated_cost_usd = a ? a->total_usd : 0;
  decision.estimated_cost_usd_cached = b ? b->total_usd : 0;
}

}  // namespace detail

namespace {

// The model for the tier, and what the call should cost (the system prefix cold and cached).
void finish(RouteDecision& out, const RouteRequest& req, const Policy& policy, std::int64_t adaptation_tokens,
            std::int64_t query_tokens) {
  const auto& d = policy.data();
  out.model = policy.model_for(out.tier);
  const std::int64_t prefix = d.house_rules_tokens + d.rules(out.specialist).playbook(req.profile.experience).tokens +
                              adaptation_tokens + 3 * d.message_overhead_tokens;
  const std::int64_t input = prefix + req.context_tokens + query_tokens + d.message_overhead_tokens;
  detail::estimate_cost(out, input, prefix,
                        detail::expected_output_tokens(out.specialist, req.profile.preferences.verbosity, d),
                        policy);
}

}  // namespace

RouteDecision route(const RouteRequest& req, const Policy& policy) {
  return detail::route_with(req, policy, detail::adaptation_tokens(req.profile, policy.data()));
}

namespace {

// Router v1's specialist: the highest keyword, stage and role score.
void choose_specialist(RouteDecision& out, const RouteRequest& req, const std::vector<std::uint32_t>& hits,
                       const PolicyData& d) {
  const auto scores = score_all(hits, req, d);
  // Highest score wins; ties go to the specialist listed first (a stable, documented order).
  std::size_t best = 0, second = 1;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    if (scores[i].score > scores[best].score) best = i;
  }
  second = best == 0 ? 1 : 0;
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (i != best && scores[i].score > scores[second].score) second = i;
  const double top = scores[best].score, runner_up = scores[second].score;
  out.confidence = std::round(top / (top + runner_up + 1.0) * 100) / 100;

  if (req.specialist) {
    out.specialist = *req.specialist;
    out.reasons.push_back("specialist " + std::string(name_of(out.specialist)) +
                          ": chosen by the caller");
    out.confidence = 1;
  } else if (top < d.min_score) {
    out.specialist = d.fallback_specialist;
    out.reasons.push_back("no strong signal in the query or stage: general " +
                          std::string(name_of(out.specialist)));
  } else {
    out.specialist = static_cast<Specialist>(best);
    const auto& rules = d.specialists[best];
    const std::string name(name_of(out.specialist));
    for (std::size_t h = 0; h < scores[best].hits.size() && h < 2; ++h)
      out.reasons.push_back("'" + scores[best].hits[h]->label + "' points to " + name + " (" +
                            signed_weight(scores[best].hits[h]->weight) + ")");
    if (double w = rules.stage_weight[static_cast<std::size_t>(req.stage)]; w > 0)
      out.reasons.push_back("stage " + std::string(name_of(req.stage)) + " favors " + name + " (" +
                            signed_weight(w) + ")");
    if (double w = rules.role_weight[static_cast<std::size_t>(req.profile.role)]; w > 0)
      out.reasons.push_back("role " + std::string(name_of(req.profile.role)) + " favors " + name +
                            " (" + signed_weight(w) + ")");
    if (runner_up > 0)
      out.reasons.push_back("runner-up: " + std::string(name_of(static_cast<Specialist>(second))) +
                            " (" + signed_weight(runner_up).substr(1) + " vs " +
                            signed_weight(top).substr(1) + ")");
  }
}

}  // namespace

RouteDecision detail::route_with(const RouteRequest& req, const Policy& policy,
                                 std::int64_t adaptation_tokens) {
  const auto& d = policy.data();
  RouteDecision out;
  out.policy_version = d.version;
  const std::int64_t query_tokens = estimate_tokens(req.query);
  std::vector<std::uint32_t> hits;  // v1's keywords (its tier rules read them too)
  if (d.learned.enabled && d.router_model) {
    detail::decide_learned(out, req, d);
  } else {
    hits = matched_keywords(detail::normalize_for_matching(req.query), d.keyword_index);
    choose_specialist(out, req, hits, d);
  }
  if (out.reasons.size() > 4) out.reasons.resize(4);
  out.guidance_type = d.rules(out.specialist).guidance_type;
  choose_tier(out, req, hits, query_tokens, d);
  finish(out, req, policy, adaptation_tokens, query_tokens);
  return out;
}

json to_json(const RouteDecision& r) {
  // Built by emplace, not from an initializer list (which copies every value twice): this runs on
  // every route and every prompt answer.
  json estimate = json::object();
  estimate.emplace("input_tokens", r.estimated_input_tokens);
  estimate.emplace("output_tokens", r.estimated_output_tokens);
  estimate.emplace("cost_usd", round_usd(r.estimated_cost_usd));
  estimate.emplace("cost_usd_cached", round_usd(r.estimated_cost_usd_cached));
  json out = json::object();
  out.emplace("specialist", name_of(r.specialist));
  out.emplace("tier", name_of(r.tier));
  out.emplace("model", r.model);
  out.emplace("guidance_type", name_of(r.guidance_type));
  out.emplace("confidence", r.confidence);
  out.emplace("reasons", r.reasons);
  out.emplace("estimate", std::move(estimate));
  out.emplace("budget_exhausted", r.budget_exhausted);
  out.emplace("policy_version", r.policy_version);
  if (r.learned) {
    json adequacy = json::object();
    for (std::size_t t = 0; t < r.tier_adequacy.size(); ++t)
      adequacy.emplace(name_of(static_cast<ModelTier>(t)), r.tier_adequacy[t]);
    out.emplace("tier_adequacy", std::move(adequacy));
    if (!r.plan.empty()) {
      json plan = json::array();
      for (Specialist s : r.plan) plan.push_back({{"specialist", name_of(s)}, {"tier", name_of(r.tier)}});
      out.emplace("plan", std::move(plan));
    }
  }
  return out;
}

}  // namespace porchlight
