// handlers/coach_plan.cpp: reading a coaching request and planning its turn (no I/O).

#include "handlers/coach_plan.hpp"

#include "auth/visibility.hpp"
#include "porchlight/json_input.hpp"

namespace porchlight::proxy {

using json_input::FieldReader;
using json_input::Need;

std::optional<CoachRequest> read_coach_request(const json& j, const Principal& p, Errors& errors) {
  FieldReader r(j, "coach", "", errors);
  r.reject_unknown({"profile_id", "conversation_id", "lead", "query", "stage", "surface", "specialist", "tier",
                    "client_route"});
  CoachRequest c;
  auto profile_id = r.id("profile_id", Need::optional);
  if (p.browser()) {
    if (profile_id && *profile_id != p.agent_id)
      r.add("invalid_profile_id", "profile_id", "a browser coaches its own agent (the agent token's sub)");
    c.agent_id = p.agent_id;
  } else {
    c.agent_id = profile_id ? *profile_id : p.agent_id;
    if (c.agent_id.empty()) r.add("missing_profile_id", "profile_id", "is required with a secret key (or send x-porchlight-agent)");
  }
  if (auto v = r.string("conversation_id", Need::optional, 64)) {
    if (!is_valid_conversation_id(*v)) r.add("invalid_conversation_id", "conversation_id", "expected cv_ and 32 hex digits");
    else c.conversation_id = *v;
  }
  if (const json* l = r.object("lead", Need::optional)) {
    auto lead = lead_from_json(*l, "lead");
    if (lead) c.lead = lead.value();
    else errors.insert(errors.end(), lead.errors().begin(), lead.errors().end());
  }
  if (auto lead_id = lead_for(p, c.lead.id)) c.lead.id = lead_id.value();  // a token's lead is the lead
  else errors.insert(errors.end(), lead_id.errors().begin(), lead_id.errors().end());
  if (auto q = r.string("query", Need::required, 8000, true)) c.query = *q;
  c.stage = r.enumeration<ConversationStage>("stage", Need::optional);
  if (!c.stage) c.stage = c.lead.stage;
  if (auto s = r.enumeration<Surface>("surface", Need::optional)) c.surface = std::string(name_of(*s));
  c.specialist = r.enumeration<Specialist>("specialist", Need::optional);
  c.tier = r.enumeration<ModelTier>("tier", Need::optional);
  if (const json* cr = r.object("client_route", Need::optional)) c.client_route = *cr;
  if (!errors.empty()) return std::nullopt;
  return c;
}

TurnPlan plan_turn(const CoachRequest& c, const TurnContext& ctx, const Policy& policy,
                   const std::array<std::string, enum_count<ModelTier>()>& tier_models) {
  TurnPlan plan;
  const store::Conversation& conversation = ctx.conversation;
  plan.stage = c.stage.value_or(conversation.stage);

  PromptRequest pr;
  pr.profile = ctx.agent;
  pr.lead = c.lead;
  pr.stage = plan.stage;
  pr.query = c.query;
  pr.summary = conversation.summary;
  std::vector<std::int64_t> seqs;  // of each history turn, to know what folding covers
  for (const auto& m : ctx.recent) {
    if (m.status == store::MessageStatus::failed || (m.role != "user" && m.role != "assistant")) continue;
    // A lead's thread holds every agent's turns who worked it: say whose an earlier question was.
    const bool someone_else = m.role == "user" && !m.agent_id.empty() && m.agent_id != c.agent_id;
    pr.history.push_back({m.role == "user" ? TurnRole::user : TurnRole::assistant,
                          someone_else ? "[Asked earlier by " + m.agent_id + ", who worked this lead before]\n" + m.content
                                       : m.content});
    seqs.push_back(m.seq);
  }
  pr.specialist = c.specialist;
  pr.tier = c.tier;
  if (ctx.monthly_budget_usd > 0) pr.budget = Budget{ctx.monthly_budget_usd, ctx.spent_usd};
  pr.stream = true;
  pr.tier_models = tier_models;
  plan.prompt = build_prompt(pr, policy);
  const RouteDecision& route = plan.prompt.route;
  plan.estimated_tokens = route.estimated_input_tokens + route.estimated_output_tokens;

  // Fold what the context window folded into the conversation's summary, so later turns read
  // fewer messages; the summary changes once per chunk of turns (see porchlight/context.hpp).
  const ContextWindow& window = plan.prompt.context;
  if (window.first_kept > 0 && window.first_kept <= seqs.size())
    plan.conversation_update = ConversationUpdate{plan.stage, window.summary, seqs[window.first_kept - 1]};
  else if (plan.stage != conversation.stage)
    plan.conversation_update = ConversationUpdate{plan.stage, conversation.summary, conversation.summary_through_seq};

  if (c.client_route.is_object()) {  // the browser's preview is never trusted, only compared
    plan.preview_same_policy = c.client_route.value("policy_version", "") == route.policy_version;
    plan.preview_matches = c.client_route.value("specialist", "") == name_of(route.specialist) &&
                           c.client_route.value("tier", "") == name_of(route.tier);
  }
  return plan;
}

}  // namespace porchlight::proxy
