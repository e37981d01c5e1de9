// Compound requests: the steps' and the synthesis's Messages requests (porchlight/plan.hpp).
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "porchlight/plan.hpp"

using namespace porchlight;
using nlohmann::json;

namespace {

PromptRequest compound_turn() {
  PromptRequest r;
  r.profile = testing::sample_profile();
  r.query = "she says my commission is too high, and pull comps for 12 Oak St";
  r.history = {{TurnRole::user, "What should I ask her first?"}, {TurnRole::assistant, "Start with her timeline."}};
  r.stream = true;
  return r;
}

RouteDecision plan_of(std::vector<Specialist> plan, ModelTier tier = ModelTier::balanced) {
  RouteDecision d;
  d.specialist = plan.front();
  d.tier = tier;
  d.plan = std::move(plan);
  return d;
}

}  // namespace

TEST_CASE("plan: a step per specialist, each briefed for its part after an unchanged cached prefix") {
  const PromptRequest turn = compound_turn();
  const auto steps = plan_steps(turn, plan_of({Specialist::objection_handling, Specialist::market_analysis}));
  REQUIRE(steps.size() == 2);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const PlanStep& s = steps[i];
    CHECK(s.prompt.route.specialist == s.specialist);
    CHECK(s.prompt.route.tier == ModelTier::balanced);
    const json body = json::parse(s.prompt.body);
    CHECK(body["max_tokens"] == 700);
    CHECK(body["stream"] == true);
    CHECK(body["messages"].size() == 3);  // the history, then the query
    const std::string brief = body["system"].back()["text"];
    const std::string mine = i == 0 ? "objection handling" : "market analysis", other = i == 0 ? "market analysis" : "objection handling";
    CHECK(brief.find("preparing only the " + mine + " part") != std::string::npos);
    CHECK(brief.find("other specialists are preparing " + other) != std::string::npos);
    CHECK_FALSE(body["system"].back().contains("cache_control"));

    // Everything before the brief is what a single-specialist turn sends: its cache is shared.
    PromptRequest single = turn;
    single.specialist = s.specialist;
    single.tier = ModelTier::balanced;
    json alone = json::parse(build_prompt(single).body)["system"];
    json before = body["system"];
    before.erase(before.size() - 1);
    CHECK(before == alone);
  }
}

TEST_CASE("plan: no steps for a single specialist") {
  CHECK(plan_steps(compound_turn(), plan_of({Specialist::negotiation})).empty());
  CHECK(plan_steps(compound_turn(), RouteDecision{}).empty());
}

TEST_CASE("plan: the synthesis carries every step's notes, and says which part is missing") {
  const RouteDecision route = plan_of({Specialist::objection_handling, Specialist::market_analysis}, ModelTier::fast);
  const BuiltPrompt p = synthesis_prompt(compound_turn(), route,
                                         {{Specialist::objection_handling, "- Acknowledge, then show the value."},
                                          {Specialist::market_analysis, ""}});
  CHECK(p.route.specialist == Specialist::objection_handling);
  CHECK(p.route.tier == ModelTier::fast);
  const json body = json::parse(p.body);
  CHECK(body["stream"] == true);
  CHECK(body["messages"].back()["content"].back()["text"].get<std::string>().find("12 Oak St") != std::string::npos);
  const std::string notes = body["system"].back()["text"];
  CHECK(notes.find("in the order the agent asked") != std::string::npos);
  CHECK(notes.find("## Notes on objection handling\n\n- Acknowledge, then show the value.") != std::string::npos);
  CHECK(notes.find("## Notes on market analysis\n\n(The market analysis notes could not be prepared.") != std::string::npos);
}

TEST_CASE("plan: the briefs are policy data, checked when the policy loads") {
  auto files = Policy::embedded().files();
  json routing = json::parse(files.at("routing.json"));
  routing["plans"]["step_max_tokens"] = 5;
  routing["plans"]["surprise"] = true;
  files["routing.json"] = routing.dump();
  auto bad = Policy::from_files(files);
  REQUIRE_FALSE(bad);
  CHECK(testing::has_code(bad.errors(), "policy.unknown_field"));
  bool range = false;
  for (const auto& e : bad.errors()) range = range || e.path.find("plans.step_max_tokens") != std::string::npos;
  CHECK(range);

  routing.erase("plans");
  files["routing.json"] = routing.dump();
  auto missing = Policy::from_files(files);
  REQUIRE_FALSE(missing);
  CHECK(testing::has_code(missing.errors(), "policy.missing_plans"));
}
