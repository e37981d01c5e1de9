// porchlight/route.hpp: Router v1. Chooses the specialist and the model tier for a query, and
// explains why. Rules and weights are data (core/data/routing.json); see docs/core-data.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"

namespace porchlight {

struct Budget {
  double monthly_usd = 0;  // 0: no budget set
  double spent_usd = 0;    // this month so far
};

struct RouteRequest {
  std::string query;
  AgentProfile profile;
  ConversationStage stage = ConversationStage::new_lead;
  std::optional<Budget> budget;
  std::int64_t context_tokens = 0;         // summary, history and lead facts that go with the query
  std::optional<Specialist> specialist;  // set by a caller that already knows (a guidance card)
  std::optional<ModelTier> tier;
  // Router v2: the specialist of the conversation's previous turn. A follow-up stays with it unless
  // the model clearly prefers another: a new specialist means a new playbook, and the prompt
  // cache's prefix is lost.
  std::optional<Specialist> previous_specialist;
};

struct RouteDecision {
  Specialist specialist = Specialist::coaching;
  ModelTier tier = ModelTier::balanced;
  std::string model;
  GuidanceType guidance_type = GuidanceType::coaching_tip;
  double confidence = 0;             // 0..1, two decimals
  std::vector<std::string> reasons;  // most important first: up to 4 for the specialist, then the tier's
  std::int64_t estimated_input_tokens = 0;
  std::int64_t estimated_output_tokens = 0;
  double estimated_cost_usd = 0;         // nothing cached
  double estimated_cost_usd_cached = 0;  // the system prefix read from the prompt cache
  bool budget_exhausted = false;         // the location spent its monthly budget
  std::string policy_version;
  // Router v2 only (routing.json "learned"): a compound request's specialists, the first being
  // `specialist` (empty for a single one), and the estimated probability that each tier's answer
  // is adequate (fast, balanced, deep).
  bool learned = false;
  std::vector<Specialist> plan;
  std::array<double, 3> tier_adequacy{};
};

RouteDecision route(const RouteRequest& request, const Policy& policy = Policy::embedded());
json to_json(const RouteDecision& decision);

}  // namespace porchlight
