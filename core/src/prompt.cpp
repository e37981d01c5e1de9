// prompt.cpp: the Messages request for one coaching turn (see porchlight/prompt.hpp for the shape).
//
// Sections:
//   [1] prompt parts shared with routing
//   [2] build_prompt

#include "porchlight/prompt.hpp"

#include "policy_data.hpp"
#include "prompt_parts.hpp"
#include "text.hpp"

namespace porchlight {

// ---- [1] prompt parts shared with routing ------------------------------------------------------

namespace detail {

std::string adaptation_text(const AgentProfile& p, const PolicyData& d) {
  std::string out = "# The agent you are coaching\n\n";
  out += "Name: " + p.name + "\n\n";
  out += "Role: " + std::string(name_of(p.role)) + ". " + d.role_text[static_cast<std::size_t>(p.role)] + "\n\n";
  out += "Experience: " + std::string(name_of(p.experience)) + ". " +
         d.experience_text[static_cast<std::size_t>(p.experience)] + "\n\n";
  if (!p.specializations.empty()) {
    out += "Specializations:\n";
    for (Specialization s : p.specializations)
      out += "- " + std::string(name_of(s)) + ": " + d.specialization_text[static_cast<std::size_t>(s)] + "\n";
    out += "\n";
  }
  out += "Tone: " + std::string(name_of(p.preferences.tone)) + ". " +
         d.tone_text[static_cast<std::size_t>(p.preferences.tone)] + "\n\n";
  out += "Length: " + std::string(name_of(p.preferences.verbosity)) + ". " +
         d.verbosity_text[static_cast<std::size_t>(p.preferences.verbosity)] + "\n\n";
  if (p.preferences.language == "en" || p.preferences.language.rfind("en-", 0) == 0)
    out += "Language: answer in English unless the agent writes in another language.";
  else
    out += "Language: answer in the language with BCP 47 tag " + p.preferences.language +
           ", unless the agent writes in another language. Keep legal terms in English where the"
           " form or law uses them.";
  return out;
}

namespace {
// CRM data must not be able to close the <lead_context> block: angle brackets become look-alikes.
std::string inert(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\xE2\x80\xB9";       // U+2039
    else if (c == '>') out += "\xE2\x80\xBA";  // U+203A
    else out += c;
  }
  return out;
}
}  // namespace

std::string final_message_text(const Lead& lead, ConversationStage stage, std::string_view query) {
  std::string out = "<lead_context>\nStage: " + std::string(name_of(stage)) + "\n";
  if (!lead.name.empty()) out += "Lead: " + inert(lead.name) + "\n";
  if (lead.facts.empty()) out += "Known facts: none yet\n";
  else {
    out += "Known facts:\n";
    for (const auto& [key, value] : lead.facts) out += "- " + key + ": " + inert(value) + "\n";
  }
  out += "</lead_context>\n\n";
  out += query;
  return out;
}

}  // namespace detail

// ---- [2] build_prompt --------------------------------------------------------------------------

namespace {

json text_block(std::string text, bool breakpoint) {
  json block{{"type", "text"}, {"text", std::move(text)}};
  if (breakpoint) block["cache_control"] = json{{"type", "ephemeral"}};
  return block;
}

}  // namespace

BuiltPrompt build_prompt(const PromptRequest& req, const Policy& policy) {
  const auto& d = policy.data();
  const std::int64_t overhead = d.message_overhead_tokens;
  BuiltPrompt out;

  const std::string final_text = detail::final_message_text(req.lead, req.stage, req.query);
  const std::int64_t pinned_tokens = estimate_tokens(final_text) + overhead;

  // Route with the whole history as context; the estimate is refined once the window is fitted.
  const std::string adaptation = detail::adaptation_text(req.profile, d);
  const std::int64_t adaptation_tokens = estimate_tokens(adaptation);
  RouteRequest rr;
  rr.query = req.query;
  rr.profile = req.profile;
  rr.stage = req.stage;
  rr.budget = req.budget;
  rr.specialist = req.specialist;
  rr.tier = req.tier;
  const std::int64_t query_tokens = estimate_tokens(req.query);
  rr.context_tokens = estimate_tokens(req.summary) + pinned_tokens - overhead - query_tokens;
  for (const auto& t : req.history) rr.context_tokens += estimate_tokens(t.content) + overhead;
  out.route = detail::route_with(rr, policy, adaptation_tokens);

  // System blocks, most stable first.
  const auto& rules = d.rules(out.route.specialist);
  struct Block { const char* name; const std::string* text; std::int64_t tokens; bool breakpoint; };
  std::vector<Block> blocks = {{"house_rules", &d.house_rules, d.house_rules_tokens, false},
                               {"playbook", &rules.playbook, rules.playbook_tokens, true},
                               {"adaptation", &adaptation, adaptation_tokens, true}};
  std::int64_t system_tokens = 0;
  for (const auto& b : blocks) system_tokens += b.tokens + overhead;

  ContextRequest cr;
  cr.budget_tokens = req.context_budget_tokens;
  cr.system_tokens = system_tokens;
  cr.pinned_tokens = pinned_tokens;
  cr.summary = req.summary;
  cr.turns = req.history;
  out.context = fit_context(cr, policy);

  const std::string summary_text =
      out.context.summary.empty() ? std::string() : "# Conversation so far\n\n" + out.context.summary;
  if (!summary_text.empty())
    blocks.push_back({"summary", &summary_text, estimate_tokens(summary_text), true});

  json system = json::array();
  int breakpoints = 0;
  std::int64_t prefix_tokens = 0, cacheable_prefix = 0;
  for (const auto& b : blocks) {
    const std::int64_t tokens = b.tokens + overhead;
    prefix_tokens += tokens;
    if (b.breakpoint) { ++breakpoints; cacheable_prefix = prefix_tokens; }
    system.push_back(text_block(*b.text, b.breakpoint));
    out.blocks.push_back({b.name, tokens, b.breakpoint});
  }

  // History: kept turns verbatim. Empty turns (an answer interrupted before any text) are skipped:
  // the API rejects empty text blocks.
  json messages = json::array();
  for (std::size_t i = out.context.first_kept; i < req.history.size(); ++i) {
    const Turn& t = req.history[i];
    if (detail::collapse_whitespace(t.content).empty()) continue;
    messages.push_back(json{{"role", t.role == TurnRole::user ? "user" : "assistant"},
                            {"content", json::array({text_block(t.content, false)})}});
  }
  // The last history turn carries the fourth breakpoint: next turn, the whole conversation so far
  // is read from the cache.
  if (!messages.empty() && breakpoints < 4) {
    messages.back()["content"][0]["cache_control"] = json{{"type", "ephemeral"}};
    ++breakpoints;
    cacheable_prefix = out.context.system_tokens + out.context.summary_tokens + out.context.turn_tokens;
  }
  messages.push_back(json{{"role", "user"}, {"content", json::array({text_block(final_text, false)})}});

  const ModelTier tier = out.route.tier;
  out.body = json{{"model", out.route.model},
                  {"max_tokens", d.tiers[static_cast<std::size_t>(tier)].max_output_tokens},
                  {"system", std::move(system)},
                  {"messages", std::move(messages)},
                  {"metadata",
                   {{"user_id", "agt_" + detail::hex64(detail::fnv1a64(
                                             req.profile.location_id + "\x1f" + req.profile.id))}}}};
  if (req.stream) out.body["stream"] = true;

  detail::estimate_cost(out.route, out.context.total_tokens(), cacheable_prefix,
                        detail::expected_output_tokens(out.route.specialist,
                                                       req.profile.preferences.verbosity, d),
                        policy);
  return out;
}

}  // namespace porchlight
