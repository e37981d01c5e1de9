// handlers/coach_plan_test.cpp: planning a coaching turn without any I/O (handlers/coach_plan.hpp):
// which stage, which history, what the context window folds into the summary, how the browser's
// preview compares, what admission will be asked for.
#include <doctest/doctest.h>

#include "handlers/coach_plan.hpp"

using namespace porchlight;
using namespace porchlight::proxy;

namespace {

std::array<std::string, enum_count<ModelTier>()> tier_models() { return {"model-fast", "model-balanced", "model-deep"}; }

TurnContext context_with(std::size_t messages, std::size_t chars_each) {
  TurnContext ctx;
  ctx.agent.id = "agent-1";
  ctx.agent.location_id = "loc-1";
  ctx.agent.name = "Dana";
  ctx.agent.role = AgentRole::buyer_agent;
  ctx.conversation.id = "cv_1";
  ctx.conversation.stage = ConversationStage::qualifying;
  for (std::size_t i = 0; i < messages; ++i) {
    store::Message m;
    m.seq = static_cast<std::int64_t>(i + 1);
    m.role = i % 2 == 0 ? "user" : "assistant";
    m.content = "turn " + std::to_string(i + 1) + " " + std::string(chars_each, 'x');
    ctx.recent.push_back(m);
  }
  return ctx;
}

CoachRequest request(std::string query) {
  CoachRequest c;
  c.agent_id = "agent-1";
  c.conversation_id = "cv_1";
  c.query = std::move(query);
  return c;
}

}  // namespace

TEST_CASE("plan: the request's stage wins over the conversation's; a new stage is saved") {
  const TurnContext ctx = context_with(2, 10);
  CoachRequest c = request("What should I ask next?");
  const TurnPlan same = plan_turn(c, ctx, Policy::embedded(), tier_models());
  CHECK(same.stage == ConversationStage::qualifying);
  CHECK_FALSE(same.conversation_update);

  c.stage = ConversationStage::appointment_set;
  const TurnPlan moved = plan_turn(c, ctx, Policy::embedded(), tier_models());
  CHECK(moved.stage == ConversationStage::appointment_set);
  REQUIRE(moved.conversation_update);
  CHECK(moved.conversation_update->stage == ConversationStage::appointment_set);
  CHECK(moved.conversation_update->summary == ctx.conversation.summary);
  CHECK(moved.conversation_update->summary_through_seq == ctx.conversation.summary_through_seq);
}

TEST_CASE("plan: the history skips failed messages; admission is asked for the route's estimate") {
  TurnContext ctx = context_with(2, 10);
  store::Message failed;
  failed.seq = 3;
  failed.role = "assistant";
  failed.content = "THIS ANSWER FAILED";
  failed.status = store::MessageStatus::failed;
  ctx.recent.push_back(failed);
  const TurnPlan plan = plan_turn(request("Buyer wants to tour Saturday"), ctx, Policy::embedded(), tier_models());
  CHECK(plan.prompt.body.find("turn 1 xxxxxxxxxx") != std::string::npos);
  CHECK(plan.prompt.body.find("THIS ANSWER FAILED") == std::string::npos);
  const RouteDecision& route = plan.prompt.route;
  CHECK(plan.estimated_tokens == route.estimated_input_tokens + route.estimated_output_tokens);
  CHECK(plan.estimated_tokens > 0);
  CHECK(route.model.rfind("model-", 0) == 0);  // the deployment's models, by tier
}

TEST_CASE("plan: a history longer than the window is folded into the summary through its last folded turn") {
  const TurnContext ctx = context_with(120, 2400);
  const TurnPlan plan = plan_turn(request("Summarize where we are with this buyer"), ctx, Policy::embedded(), tier_models());
  REQUIRE(plan.prompt.context.first_kept > 0);
  REQUIRE(plan.conversation_update);
  CHECK(plan.conversation_update->summary_through_seq == static_cast<std::int64_t>(plan.prompt.context.first_kept));
  CHECK_FALSE(plan.conversation_update->summary.empty());
  CHECK(plan.conversation_update->stage == ConversationStage::qualifying);
}

TEST_CASE("plan: the browser's route preview is compared, never trusted") {
  const TurnContext ctx = context_with(0, 0);
  CoachRequest c = request("The seller says my commission is too high");
  CHECK_FALSE(plan_turn(c, ctx, Policy::embedded(), tier_models()).preview_matches);

  const TurnPlan ours = plan_turn(c, ctx, Policy::embedded(), tier_models());
  c.client_route = {{"specialist", std::string(name_of(ours.prompt.route.specialist))},
                    {"tier", std::string(name_of(ours.prompt.route.tier))},
                    {"policy_version", ours.prompt.route.policy_version}};
  const TurnPlan agreed = plan_turn(c, ctx, Policy::embedded(), tier_models());
  REQUIRE(agreed.preview_matches);
  CHECK(*agreed.preview_matches);
  CHECK(agreed.preview_same_policy);

  c.client_route["specialist"] = ours.prompt.route.specialist == Specialist::market_analysis ? "coaching" : "market_analysis";
  c.client_route["policy_version"] = "an-older-policy";
  const TurnPlan differs = plan_turn(c, ctx, Policy::embedded(), tier_models());
  REQUIRE(differs.preview_matches);
  CHECK_FALSE(*differs.preview_matches);
  CHECK_FALSE(differs.preview_same_policy);
  CHECK(differs.prompt.route.specialist == ours.prompt.route.specialist);  // the proxy's decision stands
}
