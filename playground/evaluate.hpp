// evaluate.hpp: what the playground's panels show for one scenario: the built prompt (route,
// blocks, context window, request body), the cost of the same prompt on each tier, and whether
// the scenario's expectation holds. The window draws it; --dump prints to_json of it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "porchlight/policy.hpp"
#include "porchlight/prompt.hpp"
#include "scenario.hpp"

namespace porchlight::playground {

// The routed prompt priced on one tier: the specialist is kept and the budget cap ignored, so the
// rows differ only by the tier's model.
struct TierCost {
  ModelTier tier = ModelTier::balanced;
  std::string model;
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  double cost_usd = 0;         // nothing cached
  double cost_usd_cached = 0;  // the cacheable prefix read from the prompt cache
  bool routed = false;         // the tier the router chose
};

struct TurnInfo {
  std::size_t index = 0;
  TurnRole role = TurnRole::user;
  std::int64_t tokens = 0;
  bool kept = false;  // sent verbatim; otherwise folded into the summary
};

struct Evaluation {
  BuiltPrompt built;
  json body;                           // built.body parsed, for the panels and for sending
  std::vector<TierCost> cost_by_tier;  // fast, balanced, deep
  std::vector<TurnInfo> turns;
  int breakpoints = 0;                 // cache_control markers in the whole request body
  bool expect_met = true;              // true when the scenario expects nothing
  std::vector<std::string> expect_failures;  // "specialist: expected compliance, got coaching"
};

Evaluation evaluate(const Scenario& scenario, const Policy& policy);

// The --dump form: {"scenario", "policy_version", "route", "blocks", "breakpoints", "context",
// "turns", "cost_by_tier", "expect", "request"}.
json to_json(const Evaluation& evaluation, const Scenario& scenario);

}  // namespace porchlight::playground
