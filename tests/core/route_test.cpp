// Router v1 (keywords, stage and role weights): the baseline in `npm run eval`, what a browser's
// core decides with until router v2's weights arrive, and what a deployment that turns v2 off uses.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "porchlight/route.hpp"

using namespace porchlight;
using porchlight::testing::sample_profile;

namespace {
RouteDecision route_query(const std::string& query, ConversationStage stage = ConversationStage::qualifying,
                          AgentProfile profile = sample_profile()) {
  RouteRequest r;
  r.query = query;
  r.profile = std::move(profile);
  r.stage = stage;
  return route(r, testing::v1_policy());
}
}  // namespace

TEST_CASE("route: the query's words choose the specialist") {
  struct Case { const char* query; Specialist expected; };
  const Case cases[] = {
      {"The seller says my commission is too high. How do I respond?", Specialist::objection_handling},
      {"Can you pull comps and tell me the months of supply in 78704?", Specialist::market_analysis},
      {"Is it a fair housing problem to say the schools are good for families?", Specialist::compliance},
      // issue: "is it OK to" and "the neighborhood is safe" routed to market analysis
      {"Is it OK to tell them the schools are great for families and the neighborhood is safe?", Specialist::compliance},
      {"Write an MLS listing description for a 3-bed craftsman", Specialist::listing_marketing},
      {"When is the closing disclosure due and what about the appraisal contingency deadline?", Specialist::transaction_timeline},
      {"Help me role play a cold call, I get nervous", Specialist::coaching},
      {"He went cold after the showing, what should I do next?", Specialist::action_planning},
      {"What should I ask next? Is she pre-approved and what's her price range?", Specialist::qualification},
  };
  for (const auto& c : cases) {
    CAPTURE(c.query);
    const auto d = route_query(c.query, ConversationStage::nurturing);
    CHECK(d.specialist == c.expected);
    CHECK(d.confidence > 0.5);
    CHECK_FALSE(d.reasons.empty());
  }
}

TEST_CASE("route: with no words to go on, the stage and role decide, and confidence says so") {
  const auto tc = route_query("What's next?", ConversationStage::under_contract,
                              sample_profile(AgentRole::transaction_coordinator));
  CHECK(tc.specialist == Specialist::transaction_timeline);
  const auto vague = route_query("hello", ConversationStage::closed_won);
  CHECK(vague.specialist == Specialist::coaching);
  CHECK(vague.confidence < 0.5);
  CHECK(vague.reasons.front().find("no strong signal") != std::string::npos);
}

TEST_CASE("route: complexity raises the tier by one step and short asks lower it") {
  const auto simple = route_query("The buyer says the commission is too high, what do I say?");
  CHECK(simple.tier == ModelTier::balanced);
  const auto complex = route_query(
      "We have multiple offers with an escalation clause and an appraisal gap, how do I counter?");
  CHECK(complex.tier == ModelTier::deep);
  CHECK(complex.model == "claude-opus-5-5");
  const auto qual = route_query("Qualify this lead: LPMAMA questions please");
  CHECK(qual.tier == ModelTier::fast);
}

TEST_CASE("route: the location's budget caps the tier, and a spent budget is flagged") {
  RouteRequest r;
  r.query = "Multiple offers with an escalation clause: how do I negotiate this objection?";
  r.profile = sample_profile();
  r.budget = Budget{100, 10};
  CHECK(route(r, testing::v1_policy()).tier == ModelTier::deep);
  r.budget = Budget{100, 85};
  auto capped = route(r, testing::v1_policy());
  CHECK(capped.tier == ModelTier::balanced);
  CHECK(capped.reasons.back().find("15% of the monthly budget left") != std::string::npos);
  r.budget = Budget{100, 97};
  CHECK(route(r, testing::v1_policy()).tier == ModelTier::fast);
  r.budget = Budget{100, 100};
  auto spent = route(r, testing::v1_policy());
  CHECK(spent.budget_exhausted);
  CHECK(spent.tier == ModelTier::fast);
  r.tier = ModelTier::deep;  // a forced tier is capped too
  CHECK(route(r, testing::v1_policy()).tier == ModelTier::fast);
}

TEST_CASE("route: a caller may force the specialist; estimates are positive and cached is cheaper") {
  RouteRequest r;
  r.query = "anything";
  r.profile = sample_profile();
  r.specialist = Specialist::compliance;
  const auto d = route(r, testing::v1_policy());
  CHECK(d.specialist == Specialist::compliance);
  CHECK(d.guidance_type == GuidanceType::compliance_alert);
  CHECK(d.confidence == 1.0);
  CHECK(d.estimated_input_tokens > 1000);
  CHECK(d.estimated_output_tokens > 0);
  CHECK(d.estimated_cost_usd > d.estimated_cost_usd_cached);
  CHECK(d.estimated_cost_usd_cached > 0);
}

TEST_CASE("route: brief agents get shorter expected answers than detailed ones") {
  auto brief = sample_profile();
  brief.preferences.verbosity = Verbosity::brief;
  auto detailed = sample_profile();
  detailed.preferences.verbosity = Verbosity::detailed;
  const auto a = route_query("How do I handle the objection about waiting for rates?", ConversationStage::nurturing, brief);
  const auto b = route_query("How do I handle the objection about waiting for rates?", ConversationStage::nurturing, detailed);
  CHECK(a.estimated_output_tokens < b.estimated_output_tokens);
}

TEST_CASE("route: the same request gives the same decision, JSON included") {
  const auto a = route_query("Should I do a price reduction after three weeks of showings?");
  const auto b = route_query("Should I do a price reduction after three weeks of showings?");
  CHECK(to_json(a).dump() == to_json(b).dump());
}

TEST_CASE("route: offers and negotiation have their own specialist") {
  struct Case { const char* query; Specialist expected; };
  const Case cases[] = {
      {"We have multiple offers with escalation clauses. How do I counter?", Specialist::negotiation},
      {"How do I write a strong offer in a multiple offer situation?", Specialist::negotiation},
      {"The appraisal came in 15k low, what are my buyer's options?", Specialist::negotiation},
      {"Inspection found a bad roof, should we ask for repairs or a credit?", Specialist::negotiation},
      {"The seller wants to wait until spring to list.", Specialist::objection_handling},
      {"Can I text leads who filled out a Zillow form?", Specialist::compliance},
      {"Can I give my buyer a rebate in Missouri?", Specialist::compliance},
      {"Do I have to withhold for a foreign seller?", Specialist::transaction_timeline},
  };
  for (const auto& c : cases) {
    CAPTURE(c.query);
    CHECK(route_query(c.query, ConversationStage::active).specialist == c.expected);
  }
}
