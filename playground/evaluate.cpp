// evaluate.cpp: one scenario through the core, and the JSON the scriptable mode prints.

#include "evaluate.hpp"

#include "porchlight/context.hpp"
#include "porchlight/cost.hpp"

namespace porchlight::playground {

namespace {

int count_breakpoints(const json& body) {
  int n = 0;
  auto count_in = [&n](const json& blocks) {
    if (!blocks.is_array()) return;
    for (const auto& b : blocks)
      if (b.is_object() && b.contains("cache_control")) ++n;
  };
  if (body.contains("system")) count_in(body["system"]);
  if (body.contains("messages"))
    for (const auto& m : body["messages"]) count_in(m.value("content", json::array()));
  return n;
}

}  // namespace

Evaluation evaluate(const Scenario& scenario, const Policy& policy) {
  Evaluation out;
  out.built = build_prompt(scenario.request, policy);
  out.body = json::parse(out.built.body);
  out.breakpoints = count_breakpoints(out.body);

  // Price the same prompt on every tier by rebuilding it with the tier forced; the core's own
  // estimate (cold and cached) then stays the single source of cost arithmetic.
  for (std::size_t i = 0; i < enum_count<ModelTier>(); ++i) {
    const auto tier = static_cast<ModelTier>(i);
    PromptRequest forced = scenario.request;
    forced.specialist = out.built.route.specialist;
    forced.tier = tier;
    forced.budget.reset();  // the budget caps tiers; here we want each tier's own price
    const RouteDecision r = build_prompt(forced, policy).route;
    out.cost_by_tier.push_back({tier, r.model, r.estimated_input_tokens, r.estimated_output_tokens,
                                r.estimated_cost_usd, r.estimated_cost_usd_cached,
                                tier == out.built.route.tier});
  }

  const auto& history = scenario.request.history;
  for (std::size_t i = 0; i < history.size(); ++i)
    out.turns.push_back({i, history[i].role, estimate_tokens(history[i].content),
                         i >= out.built.context.first_kept});

  if (scenario.expect) {
    const RouteDecision& r = out.built.route;
    if (scenario.expect->specialist && *scenario.expect->specialist != r.specialist)
      out.expect_failures.push_back("specialist: expected " + std::string(name_of(*scenario.expect->specialist)) +
                                    ", got " + std::string(name_of(r.specialist)));
    if (scenario.expect->tier && *scenario.expect->tier != r.tier)
      out.expect_failures.push_back("tier: expected " + std::string(name_of(*scenario.expect->tier)) +
                                    ", got " + std::string(name_of(r.tier)));
    out.expect_met = out.expect_failures.empty();
  }
  return out;
}

json to_json(const Evaluation& e, const Scenario& scenario) {
  json blocks = json::array();
  for (const auto& b : e.built.blocks)
    blocks.push_back({{"name", b.name}, {"tokens", b.tokens}, {"cache_breakpoint", b.cache_breakpoint}});
  json turns = json::array();
  for (const auto& t : e.turns)
    turns.push_back({{"index", t.index}, {"role", t.role == TurnRole::user ? "user" : "assistant"},
                     {"tokens", t.tokens}, {"kept", t.kept}});
  json costs = json::object();
  for (const auto& c : e.cost_by_tier)
    costs[std::string(name_of(c.tier))] = {{"model", c.model},
                                           {"input_tokens", c.input_tokens},
                                           {"output_tokens", c.output_tokens},
                                           {"cost_usd", round_usd(c.cost_usd)},
                                           {"cost_usd_cached", round_usd(c.cost_usd_cached)},
                                           {"routed", c.routed}};
  json expect = nullptr;
  if (scenario.expect) {
    expect = {{"met", e.expect_met}, {"failures", e.expect_failures}};
    if (scenario.expect->specialist) expect["specialist"] = name_of(*scenario.expect->specialist);
    if (scenario.expect->tier) expect["tier"] = name_of(*scenario.expect->tier);
  }
  return json{{"scenario", scenario.name},
              {"policy_version", e.built.route.policy_version},
              {"route", to_json(e.built.route)},
              {"blocks", blocks},
              {"breakpoints", e.breakpoints},
              {"context", to_json(e.built.context, scenario.request.history)},
              {"turns", turns},
              {"cost_by_tier", costs},
              {"expect", expect},
              {"request", e.body}};
}

}  // namespace porchlight::playground
