// prompt_parts.hpp (internal): pieces of the prompt that routing also needs to size its estimate.
// One implementation, used by route.cpp and prompt.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "policy_data.hpp"
#include "porchlight/model.hpp"
#include "porchlight/route.hpp"

namespace porchlight::detail {

// The system block that adapts coaching to this agent (role, experience, specializations, tone,
// length, language). Stable for an agent, so it is cached.
std::string adaptation_text(const AgentProfile& profile, const PolicyData& d);
// estimate_tokens(adaptation_text(profile, d)), without writing the text.
std::int64_t adaptation_tokens(const AgentProfile& profile, const PolicyData& d);
// Appends adaptation_text(profile, d) escaped as the inside of a JSON string.
void append_adaptation_json(std::string& out, const AgentProfile& profile, const PolicyData& d);

// The situations (probate, divorce, a foreign seller, ...) a request's lead and question point to,
// at most situations.json's max_per_request, and the system block that carries their notes.
std::vector<const Situation*> situations_for(const Lead& lead, std::string_view query, const PolicyData& d);
std::string situations_text(const std::vector<const Situation*>& situations);

// The final user message: the lead's stage and facts in <lead_context>, then the query.
std::string final_message_text(const Lead& lead, ConversationStage stage, std::string_view query);

// A system text block as JSON text, with a cache breakpoint or not. The house rules and the
// playbooks, most of every request, are written once per policy, when it loads.
std::string text_block_json(const std::string& text, bool breakpoint);

// route() with the adaptation block's tokens already known (build_prompt has built the block).
RouteDecision route_with(const RouteRequest& request, const Policy& policy,
                         std::int64_t adaptation_tokens);

// Fills the decision's token and cost estimates. prefix_tokens is the cacheable system prefix.
void estimate_cost(RouteDecision& decision, std::int64_t input_tokens, std::int64_t prefix_tokens,
                   std::int64_t output_tokens, const Policy& policy);

// Expected answer length for a specialist, scaled by the agent's verbosity preference.
std::int64_t expected_output_tokens(Specialist s, Verbosity v, const PolicyData& d);

}  // namespace porchlight::detail
