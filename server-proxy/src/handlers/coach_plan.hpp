// handlers/coach_plan.hpp: the parts of a coaching turn that do no I/O: reading the request, and
// planning the turn from what was loaded (the prompt, the route, what the context window folds
// into the conversation's summary). handlers/coach.cpp runs the stages around them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "porchlight/prompt.hpp"
#include "store/store.hpp"

namespace porchlight::proxy {

struct CoachRequest {
  std::string agent_id;
  std::string conversation_id;  // empty: derived from the lead, or a new random one
  Lead lead;
  std::string query;
  std::optional<ConversationStage> stage;
  std::string surface = "widget";
  std::optional<Specialist> specialist;
  std::optional<ModelTier> tier;
  json client_route;  // the browser's WASM preview, compared with ours for metrics
};

// The body of POST /v1/coach from `caller`: a browser coaches its own agent; a secret key names
// the agent (profile_id, or x-porchlight-agent). nullopt with `errors` filled when invalid.
std::optional<CoachRequest> read_coach_request(const json& body, const Principal& caller, Errors& errors);

// What a turn starts from, as loaded from the store.
struct TurnContext {
  AgentProfile agent;
  store::Conversation conversation;
  std::vector<store::Message> recent;  // the messages after the conversation's summary, oldest first
  double spent_usd = 0, monthly_budget_usd = 0;
};

// The conversation's stage and summary after this turn, when they change.
struct ConversationUpdate {
  ConversationStage stage = ConversationStage::new_lead;
  std::string summary;
  std::int64_t summary_through_seq = 0;
};

// Everything decided before Claude is asked.
struct TurnPlan {
  ConversationStage stage = ConversationStage::new_lead;
  BuiltPrompt prompt;  // the Messages request, the route and the context window
  std::int64_t estimated_tokens = 0;  // what admission takes from the token buckets
  std::optional<ConversationUpdate> conversation_update;
  // The browser's preview against our route: nullopt when it sent none.
  std::optional<bool> preview_matches;
  bool preview_same_policy = false;
};

// `tier_models` are the deployment's models by tier (fast, balanced, deep).
TurnPlan plan_turn(const CoachRequest& request, const TurnContext& context, const Policy& policy,
                   const std::array<std::string, enum_count<ModelTier>()>& tier_models);

}  // namespace porchlight::proxy
