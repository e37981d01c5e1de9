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

  // The browser's fields of the wrong type: no match, and no exception (it used to throw).
  c.client_route = {{"specialist", 7}, {"tier", json::array()}, {"policy_version", nullptr}};
  const TurnPlan odd = plan_turn(c, ctx, Policy::embedded(), tier_models());
  REQUIRE(odd.preview_matches);
  CHECK_FALSE(*odd.preview_matches);
  CHECK_FALSE(odd.preview_same_policy);
}

TEST_CASE("plan: the lead's stage moves from the recorded one, by the CRM's word and the lead's facts") {
  TurnContext ctx = context_with(2, 10);
  ctx.today = "2026-11-25";
  store::StageChange last;
  last.seq = 3;
  last.to = ConversationStage::qualifying;
  ctx.last_stage = last;
  CoachRequest c = request("Walk me through the next deadlines");
  c.lead.id = "lead-7";
  c.lead.facts = {{"effective_date", "2026-11-20"}, {"closing_date", "2026-12-18"}};
  TurnPlan plan = plan_turn(c, ctx, Policy::embedded(), tier_models());
  REQUIRE(plan.stage_moves.size() == 1);
  CHECK(plan.stage_moves[0].from == ConversationStage::qualifying);
  CHECK(plan.stage_moves[0].to == ConversationStage::under_contract);
  CHECK(plan.stage_moves[0].trigger == "signal:contract_accepted");
  CHECK(plan.stage == ConversationStage::under_contract);
  // The route sees the moved stage: the deadlines belong to the timeline specialist.
  CHECK(plan.prompt.route.specialist == Specialist::transaction_timeline);
  REQUIRE(plan.conversation_update);
  CHECK(plan.conversation_update->stage == ConversationStage::under_contract);
  const auto changes = stage_changes(plan.stage_moves, "agent-1", "coach");
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].source == "coach");
  CHECK(changes[0].agent_id == "agent-1");

  // The CRM says otherwise: its stage is recorded first, then the machine runs from it.
  c.lead.facts.clear();
  c.stage = ConversationStage::nurturing;
  plan = plan_turn(c, ctx, Policy::embedded(), tier_models());
  REQUIRE(plan.stage_moves.size() == 1);
  CHECK(plan.stage_moves[0].trigger == "crm");
  CHECK(plan.stage_moves[0].from == ConversationStage::qualifying);
  CHECK(plan.stage == ConversationStage::nurturing);
  // Nothing new: no moves.
  c.stage = ConversationStage::qualifying;
  CHECK(plan_turn(c, ctx, Policy::embedded(), tier_models()).stage_moves.empty());
}

TEST_CASE("plan: facts the agent's text states are proposed, never written") {
  TurnContext ctx = context_with(0, 0);
  ctx.today = "2026-11-25";
  CoachRequest c = request("She said they're pre-approved for 450 and need to move by March. Also talking to Redfin.");
  const TurnPlan plan = plan_turn(c, ctx, Policy::embedded(), tier_models());
  std::map<std::string, std::string> proposed;
  for (const auto& f : plan.proposed_facts) proposed[f.fact] = f.value;
  CHECK(proposed["pre_approval_amount"] == "$450,000");
  CHECK(proposed["timeline"] == "by March");
  CHECK(proposed.count("other_agent"));
  CHECK(c.lead.facts.empty());
}

TEST_CASE("plan: a folded window asks the fast tier for a summary of the folded turns") {
  const TurnContext ctx = context_with(60, 2000);
  const TurnPlan plan = plan_turn(request("And now?"), ctx, Policy::embedded(), tier_models());
  REQUIRE(plan.conversation_update);
  REQUIRE_FALSE(plan.folded.empty());
  auto req = summary_request(plan, "Earlier: the buyer wants a yard.", Policy::embedded(), "model-fast");
  REQUIRE(req);
  CHECK_FALSE(req->stream);
  const json body = json::parse(req->body);
  CHECK(body["model"] == "model-fast");
  CHECK(body["system"].get<std::string>().find("running summary") != std::string::npos);
  const std::string text = body["messages"][0]["content"];
  CHECK(text.find("Earlier: the buyer wants a yard.") != std::string::npos);
  CHECK(text.find("Agent: turn 1 ") != std::string::npos);
  CHECK(text.find("Porchlight: turn 2 ") != std::string::npos);
  // Nothing folded, nothing to ask.
  CHECK_FALSE(summary_request(plan_turn(request("hi"), context_with(2, 10), Policy::embedded(), tier_models()), "", Policy::embedded(),
                              "model-fast"));
}

TEST_CASE("read: listing photos are checked at the door: type, bytes, size and count") {
  Principal server;
  server.key.kind = store::KeyKind::secret;
  server.agent_id = "agent-1";
  const std::string png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
  const std::string jpeg = "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE=";
  Errors errors;
  auto ok = read_coach_request(json{{"query", "Review these photos"}, {"images", json::array({{{"media_type", "image/png"}, {"data", png}},
                                                                                            {{"media_type", "image/jpeg"}, {"data", jpeg}}})}},
                               server, errors);
  REQUIRE(ok);
  CHECK(ok->images.size() == 2);
  const TurnPlan plan = plan_turn(*ok, context_with(0, 0), Policy::embedded(), tier_models());
  CHECK(plan.prompt.route.specialist == Specialist::listing_marketing);  // photos go to the listing specialist
  const json body = json::parse(plan.prompt.body);
  const json& last = body["messages"].back()["content"];
  REQUIRE(last.size() == 3);
  CHECK(last[0]["type"] == "image");
  CHECK(last[0]["source"]["type"] == "base64");
  CHECK(last[0]["source"]["media_type"] == "image/png");
  CHECK(last[2]["type"] == "text");

  auto bad = [&](json images) {
    Errors e;
    CHECK_FALSE(read_coach_request(json{{"query", "x"}, {"images", images}}, server, e));
    REQUIRE_FALSE(e.empty());
    return e.front().code;
  };
  CHECK(bad(json::array({{{"media_type", "image/gif"}, {"data", png}}})) == "coach.invalid_images");
  CHECK(bad(json::array({{{"media_type", "image/jpeg"}, {"data", png}}})) == "coach.invalid_images");  // PNG bytes
  CHECK(bad(json::array({{{"media_type", "image/png"}, {"data", "not base64!"}}})) == "coach.invalid_images");
  CHECK(bad(json::array({{{"media_type", "image/png"}}})) == "coach.invalid_images");
  json six = json::array();
  for (int i = 0; i < 6; ++i) six.push_back({{"media_type", "image/png"}, {"data", png}});
  CHECK(bad(six) == "coach.invalid_images");
}
