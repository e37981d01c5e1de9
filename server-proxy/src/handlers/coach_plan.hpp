// handlers/coach_plan.hpp: the parts of a coaching turn that do no I/O: reading the request, and
// planning the turn from what was loaded (the prompt, the route, what the context window folds
// into the conversation's summary). handlers/coach.cpp runs the stages around them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "auth/authenticator.hpp"
#include "learn/experiments.hpp"
#include "porchlight/plan.hpp"
#include "porchlight/prompt.hpp"
#include "porchlight/qualify.hpp"
#include "store/store.hpp"
#include "upstream/anthropic_client.hpp"

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
  json client_variant;  // the browser's assignVariant: {experiment_id, variant, policy_version}, compared likewise
  // Listing photos (at most kMaxImages; JPEG, PNG or WebP, base64): they go to Claude as image
  // blocks, and the turn to the listing-marketing specialist unless one is named.
  std::vector<PromptRequest::Image> images;
};

inline constexpr std::size_t kMaxImages = 5;
inline constexpr std::size_t kMaxImageBase64 = 5 * 1024 * 1024;  // the Messages API's limit per image

// The body of POST /v1/coach from `caller`: a browser coaches its own agent; a secret key names
// the agent (profile_id, or x-porchlight-agent). nullopt with `errors` filled when invalid.
std::optional<CoachRequest> read_coach_request(const json& body, const Principal& caller, Errors& errors);

// What a turn starts from, as loaded from the store.
struct TurnContext {
  AgentProfile agent;
  store::Conversation conversation;
  std::vector<store::Message> recent;  // the messages after the conversation's summary, oldest first
  double spent_usd = 0, monthly_budget_usd = 0;
  std::optional<store::StageChange> last_stage;  // the lead's recorded stage, when it has an id and one
  std::string today;                             // YYYY-MM-DD (UTC): the core has no clock
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
  PromptRequest request;  // what it was built from: a compound request's steps start from it
  std::int64_t estimated_tokens = 0;  // what admission takes from the token buckets
  std::optional<ConversationUpdate> conversation_update;
  // The browser's preview against our route: nullopt when it sent none.
  std::optional<bool> preview_matches;
  bool preview_same_policy = false;
  // Where the lead stands: the CRM's stage when it differs from the recorded one, then the stage
  // machine's moves from the lead's facts, to record before Claude is asked (lead ids only).
  std::vector<StageMove> stage_moves;
  // Facts the agent's text states, proposed for the agent to accept (never written here).
  std::vector<ProposedFact> proposed_facts;
  // The turns this plan folds out of the window, for the summary Claude writes of them.
  std::vector<Turn> folded;
  // The experiment variant this turn gets (learn/experiments.hpp), and the location's policy
  // version (the core's policy with its experiments) it was chosen under.
  std::optional<learning::Assignment> assignment;
  std::string policy_version;
};

// `tier_models` are the deployment's models by tier (fast, balanced, deep).
TurnPlan plan_turn(const CoachRequest& request, const TurnContext& context, const Policy& policy,
                   const std::array<std::string, enum_count<ModelTier>()>& tier_models);

// Plans the turn, then applies the variant of the first experiment that applies to its guidance
// type and the agent's role: a tier (planned again on it, unless the request named one) and an
// approach (a system block after the cached prefix). The preview comparison stays the first
// plan's: the browser previews without the variant.
TurnPlan plan_turn_with_experiments(CoachRequest& request, const TurnContext& context, const Policy& policy,
                                    const std::array<std::string, enum_count<ModelTier>()>& tier_models,
                                    const std::vector<store::Experiment>& experiments, const std::string& policy_version);

// The synthesis of a compound request (porchlight/plan.hpp): the turn's request with the steps'
// notes, and the experiment's approach when the turn has one, as the Messages request's body.
std::string synthesis_body(const TurnPlan& plan, const std::vector<StepNotes>& notes, const Policy& policy);

// What the turn's coaching event records of its context.
store::EventContext event_context(const CoachRequest& request, const TurnContext& context, const TurnPlan& plan);

// The stage moves as the store records them for the lead, made by `agent_id`'s turn.
std::vector<store::StageChange> stage_changes(const std::vector<StageMove>& moves, const std::string& agent_id,
                                              const std::string& source);

// The Messages request (fast tier, not streamed) that asks Claude to write the conversation's
// summary: the summary so far and the turns folded out of the window. nullopt when nothing was
// folded this turn.
std::optional<upstream::Request> summary_request(const TurnPlan& plan, const std::string& previous_summary,
                                                 const Policy& policy, const std::string& model);

}  // namespace porchlight::proxy
