// porchlight/prompt.hpp: builds the Anthropic Messages request for one coaching turn.
//
// System blocks go from most to least stable: house rules, the specialist's playbook, the
// adaptation to this agent (role, experience, specializations, preferences), then the session
// summary. Cache breakpoints (at most 4) sit after the playbook, the adaptation, the summary and
// the last history turn, so the prefix is byte-identical from turn to turn and is read from the
// prompt cache. Lead facts and the stage ride in the final user message: they change, the prefix
// must not.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "porchlight/context.hpp"
#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/route.hpp"

namespace porchlight {

struct PromptRequest {
  AgentProfile profile;
  Lead lead;
  ConversationStage stage = ConversationStage::new_lead;
  std::string query;
  std::string summary;             // the session's summary of turns before history[0]
  std::vector<Turn> history;       // earlier turns, oldest first, without the new query
  std::optional<Specialist> specialist;
  std::optional<ModelTier> tier;
  std::optional<Specialist> previous_specialist;  // the conversation's last (RouteRequest's)
  std::optional<Budget> budget;
  std::int64_t context_budget_tokens = 0;  // 0: the policy's default
  std::int64_t max_output_tokens = 0;      // 0: the tier's (a short answer, a live card's, asks fewer)
  bool stream = false;
  // By tier (fast, balanced, deep): a model to name instead of the policy's (a deployment's config).
  std::array<std::string, enum_count<ModelTier>()> tier_models;
  // Photos the agent attached (a listing's): image blocks before the query's text, as the Messages
  // API takes them (base64 with its media type). The caller checks them (the proxy: type, size,
  // count). Unless a specialist is forced, a request with photos goes to routing.json's
  // with_images specialist (listing_marketing).
  struct Image {
    std::string media_type;  // image/jpeg, image/png, image/webp
    std::string data;        // base64
  };
  std::vector<Image> images;
  // A last system block, after everything cached: a compound request's brief for one specialist,
  // or the synthesis's notes (porchlight/plan.hpp).
  std::string instructions;
};

struct SystemBlockInfo {
  std::string name;  // house_rules, playbook, adaptation, summary
  std::int64_t tokens = 0;
  bool cache_breakpoint = false;
};

struct BuiltPrompt {
  std::string body;  // the Messages API request body, as JSON text ready to send
  RouteDecision route;
  ContextWindow context;
  std::vector<SystemBlockInfo> blocks;
};

BuiltPrompt build_prompt(const PromptRequest& request, const Policy& policy = Policy::embedded());

// The first three system blocks of a coaching request (house rules, the playbook of the specialist
// the query routes to, the adaptation to this agent), as text: for a caller that brings its own
// messages and system prompt (the proxy's /v1/messages with x-porchlight-agent).
struct SystemText {
  std::string name;
  std::string text;
};
std::vector<SystemText> coaching_context(const AgentProfile& profile, std::string_view query,
                                         const Policy& policy = Policy::embedded());

}  // namespace porchlight
