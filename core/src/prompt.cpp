// prompt.cpp: the Messages request for one coaching turn (see porchlight/prompt.hpp for the shape).
//
// Sections:
//   [1] prompt parts shared with routing
//   [2] build_prompt

#include "porchlight/prompt.hpp"

#include "porchlight/json_output.hpp"

#include "policy_data.hpp"
#include "prompt_parts.hpp"
#include "text.hpp"

namespace porchlight {

// ---- [1] prompt parts shared with routing ------------------------------------------------------

namespace detail {

namespace {

// The adaptation block, written once for two sinks: AppendText builds the text, CountTokens only
// sizes it (routing needs its size on every call, not its bytes). Each piece starts and ends at a
// space or punctuation, so the sum of the pieces' estimates is the estimate of the whole text
// (tests/core/prompt_test.cpp checks it for every role, level, specialization, tone and length).
template <class Sink> void write_adaptation(const AgentProfile& p, const PolicyData& d, Sink& out) {
  auto text = [&](const auto& texts, auto value) { out(texts[static_cast<std::size_t>(value)]); };
  out("# The agent you are coaching\n\nName: ");
  out(std::string_view(p.name));
  out("\n\nRole: ");
  out(name_of(p.role));
  out(". ");
  text(d.role_text, p.role);
  out("\n\nExperience: ");
  out(name_of(p.experience));
  out(". ");
  text(d.experience_text, p.experience);
  out("\n\n");
  if (!p.specializations.empty()) {
    out("Specializations:\n");
    for (Specialization s : p.specializations) {
      out("- ");
      out(name_of(s));
      out(": ");
      text(d.specialization_text, s);
      out("\n");
    }
    out("\n");
  }
  out("Tone: ");
  out(name_of(p.preferences.tone));
  out(". ");
  text(d.tone_text, p.preferences.tone);
  out("\n\nLength: ");
  out(name_of(p.preferences.verbosity));
  out(". ");
  text(d.verbosity_text, p.preferences.verbosity);
  out("\n\n");
  if (p.preferences.language == "en" || p.preferences.language.rfind("en-", 0) == 0) {
    out("Language: answer in English unless the agent writes in another language.");
  } else {
    out("Language: answer in the language with BCP 47 tag ");
    out(std::string_view(p.preferences.language));
    out(", unless the agent writes in another language. Keep legal terms in English where the"
        " form or law uses them.");
  }
}

struct AppendText {
  std::string out;
  void operator()(std::string_view s) { out += s; }
  void operator()(const PolicyData::Text& t) { out += t.text; }
};

struct CountTokens {
  std::int64_t tokens = 0;
  void operator()(std::string_view s) { tokens += estimate_tokens(s); }
  void operator()(const PolicyData::Text& t) { tokens += t.tokens; }
};

// Writes the text as the inside of a JSON string: the policy's texts were escaped at load.
struct AppendJson {
  std::string& out;
  void operator()(std::string_view s) { append_json_escaped(out, s); }
  void operator()(const PolicyData::Text& t) { out += t.json; }
};

}  // namespace

void append_adaptation_json(std::string& out, const AgentProfile& p, const PolicyData& d) {
  AppendJson sink{out};
  write_adaptation(p, d, sink);
}

std::string adaptation_text(const AgentProfile& p, const PolicyData& d) {
  AppendText sink;
  sink.out.reserve(2048);
  write_adaptation(p, d, sink);
  return std::move(sink.out);
}

std::int64_t adaptation_tokens(const AgentProfile& p, const PolicyData& d) {
  CountTokens sink;
  write_adaptation(p, d, sink);
  return sink.tokens;
}

namespace {
// CRM data must not be able to close the <lead_context> block: angle brackets become look-alikes.
std::string inert(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  std::size_t from = 0;
  for (std::size_t at; (at = text.find_first_of("<>", from)) != std::string_view::npos; from = at + 1) {
    out.append(text.data() + from, at - from);
    out += text[at] == '<' ? "\xE2\x80\xB9" : "\xE2\x80\xBA";  // U+2039, U+203A
  }
  out.append(text.data() + from, text.size() - from);
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

// A text content block as JSON text, keys in the order nlohmann's dump() gives them (sorted), so
// the body reads the same whether written here or parsed and dumped again. `write_text` appends
// the characters of the text's JSON string (without quotes).
template <class WriteText> void append_text_block(std::string& out, bool breakpoint, WriteText&& write_text) {
  out += breakpoint ? R"({"cache_control":{"type":"ephemeral"},"text":")" : R"({"text":")";
  write_text();
  out += R"(","type":"text"})";
}

void append_text_block(std::string& out, std::string_view text, bool breakpoint) {
  append_text_block(out, breakpoint, [&] { append_json_escaped(out, text); });
}

}  // namespace

namespace detail {

std::string text_block_json(const std::string& text, bool breakpoint) {
  std::string out;
  append_text_block(out, text, breakpoint);
  return out;
}

}  // namespace detail

BuiltPrompt build_prompt(const PromptRequest& req, const Policy& policy) {
  const auto& d = policy.data();
  const std::int64_t overhead = d.message_overhead_tokens;
  BuiltPrompt out;

  const std::string final_text = detail::final_message_text(req.lead, req.stage, req.query);
  // An image costs about (width x height) / 750 tokens; the widget sends at most ~1.15 megapixels.
  constexpr std::int64_t kImageTokens = 1600;
  const std::int64_t pinned_tokens =
      estimate_tokens(final_text) + overhead + kImageTokens * static_cast<std::int64_t>(req.images.size());

  // Route with the whole history as context; the estimate is refined once the window is fitted.
  // The adaptation block is sized here and written straight into the body below.
  const std::int64_t adaptation_tokens = detail::adaptation_tokens(req.profile, d);
  RouteRequest rr;
  rr.query = req.query;
  rr.profile = req.profile;
  rr.stage = req.stage;
  rr.budget = req.budget;
  rr.specialist = req.specialist;
  if (!rr.specialist && !req.images.empty()) rr.specialist = d.specialist_with_images;
  rr.tier = req.tier;
  rr.previous_specialist = req.previous_specialist;
  const std::int64_t query_tokens = estimate_tokens(req.query);
  rr.context_tokens = estimate_tokens(req.summary) + pinned_tokens - overhead - query_tokens;
  for (const auto& t : req.history) rr.context_tokens += estimate_tokens(t.content) + overhead;
  out.route = detail::route_with(rr, policy, adaptation_tokens);

  // System blocks, most stable first.
  const auto& playbook = d.rules(out.route.specialist).playbook(req.profile.experience);
  struct Block { const char* name; std::int64_t tokens; bool breakpoint; };
  // The house rules alone are the same for every agent and specialist: cached on their own (where
  // they reach the model's minimum), a follow-up routed to another specialist still reads them.
  std::vector<Block> blocks = {{"house_rules", d.house_rules_tokens, true},
                               {"playbook", playbook.tokens, true},
                               {"adaptation", adaptation_tokens, true}};
  // Notes for this lead's situation (probate, a foreign seller, ...): after the cached blocks, so
  // they change no cached prefix; the last turn's breakpoint covers them.
  const auto situations = detail::situations_for(req.lead, req.query, d);
  const std::string situation_text = situations.empty() ? std::string() : detail::situations_text(situations);
  const std::int64_t situation_tokens = situation_text.empty() ? 0 : estimate_tokens(situation_text) + overhead;
  const std::int64_t instruction_tokens = req.instructions.empty() ? 0 : estimate_tokens(req.instructions) + overhead;
  std::int64_t system_tokens = situation_tokens + instruction_tokens;
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
  if (!summary_text.empty()) {
    blocks.push_back({"summary", estimate_tokens(summary_text), true});
    blocks[0].breakpoint = false;  // four breakpoints at most: the last turn's covers more
  }
  if (!situation_text.empty()) blocks.push_back({"situations", situation_tokens - overhead, false});
  if (!req.instructions.empty()) blocks.push_back({"instructions", instruction_tokens - overhead, false});

  // History: kept turns verbatim. Empty turns (an answer interrupted before any text) are skipped:
  // the API rejects empty text blocks.
  std::vector<const Turn*> turns;
  std::size_t turn_bytes = 0;
  for (std::size_t i = out.context.first_kept; i < req.history.size(); ++i) {
    const Turn& t = req.history[i];
    if (detail::is_blank(t.content)) continue;
    turns.push_back(&t);
    turn_bytes += t.content.size() + 64;
  }

  const ModelTier tier = out.route.tier;
  if (const std::string& model = req.tier_models[static_cast<std::size_t>(tier)]; !model.empty()) out.route.model = model;
  // A breakpoint pays only where the prefix reaches the model's shortest cacheable length: the API
  // caches nothing shorter (and a model the price table does not know keeps every breakpoint).
  const auto* price = d.price_for(out.route.model);
  const std::int64_t min_cacheable = price ? price->min_cacheable_tokens : 0;

  int breakpoints = 0;
  std::int64_t prefix_tokens = 0, cacheable_prefix = 0;
  for (auto& b : blocks) {
    const std::int64_t tokens = b.tokens + overhead;
    prefix_tokens += tokens;
    b.breakpoint = b.breakpoint && prefix_tokens >= min_cacheable;
    if (b.breakpoint) { ++breakpoints; cacheable_prefix = prefix_tokens; }
    out.blocks.push_back({b.name, tokens, b.breakpoint});
  }
  // The last history turn carries the fourth breakpoint: next turn, the whole conversation so far
  // is read from the cache.
  const std::int64_t conversation_tokens = out.context.system_tokens + out.context.summary_tokens + out.context.turn_tokens;
  const bool turn_breakpoint = !turns.empty() && breakpoints < 4 && conversation_tokens >= min_cacheable;
  if (turn_breakpoint) {
    ++breakpoints;
    cacheable_prefix = conversation_tokens;
  }

  // The body as JSON text, keys in dump()'s (sorted) order. The house rules and the playbook, most
  // of every request, were escaped once when the policy loaded (house_rules_json, block_json).
  std::string& body = out.body;
  std::size_t image_bytes = 0;
  for (const auto& image : req.images) image_bytes += image.data.size() + 96;
  body.reserve(d.house_rules_json[0].size() + playbook.block_json.size() + 4096 + summary_text.size() + situation_text.size() + final_text.size() + req.instructions.size() +
               turn_bytes + image_bytes);
  body += R"({"max_tokens":)";
  body += std::to_string(req.max_output_tokens > 0 ? req.max_output_tokens : d.tiers[static_cast<std::size_t>(tier)].max_output_tokens);
  body += R"(,"messages":[)";
  for (std::size_t k = 0; k < turns.size(); ++k) {
    body += R"({"content":[)";
    append_text_block(body, turns[k]->content, turn_breakpoint && k + 1 == turns.size());
    body += turns[k]->role == TurnRole::user ? R"(],"role":"user"},)" : R"(],"role":"assistant"},)";
  }
  body += R"({"content":[)";
  for (const auto& image : req.images) {  // keys sorted, as dump() writes them
    body += R"({"source":{"data":)";
    append_json_string(body, image.data);
    body += R"(,"media_type":)";
    append_json_string(body, image.media_type);
    body += R"(,"type":"base64"},"type":"image"},)";
  }
  append_text_block(body, final_text, false);
  body += R"(],"role":"user"}],"metadata":{"user_id":)";
  append_json_string(body, "agt_" + detail::hex64(detail::fnv1a64(req.profile.location_id + "\x1f" + req.profile.id)));
  body += R"(},"model":)";
  append_json_string(body, out.route.model);
  if (req.stream) body += R"(,"stream":true)";
  body += R"(,"system":[)";
  if (blocks[1].breakpoint) {  // blocks[0] and [1]: house rules, playbook
    body += d.house_rules_json[blocks[0].breakpoint ? 1 : 0];
    body += ',';
    body += playbook.block_json;
  } else {  // a prefix too short to cache: neither has a breakpoint
    append_text_block(body, d.house_rules, false);
    body += ',';
    append_text_block(body, playbook.text, false);
  }
  body += ',';
  append_text_block(body, blocks[2].breakpoint, [&] { detail::append_adaptation_json(body, req.profile, d); });
  if (!summary_text.empty()) {
    body += ',';
    append_text_block(body, summary_text, blocks[3].breakpoint);
  }
  if (!situation_text.empty()) {
    body += ',';
    append_text_block(body, situation_text, false);
  }
  if (!req.instructions.empty()) {
    body += ',';
    append_text_block(body, req.instructions, false);
  }
  body += "]}";

  detail::estimate_cost(out.route, out.context.total_tokens(), cacheable_prefix,
                        detail::expected_output_tokens(out.route.specialist,
                                                       req.profile.preferences.verbosity, d),
                        policy);
  return out;
}

std::vector<SystemText> coaching_context(const AgentProfile& profile, std::string_view query,
                                         const Policy& policy) {
  const auto& d = policy.data();
  RouteRequest rr;
  rr.query = std::string(query);
  rr.profile = profile;
  const Specialist specialist = route(rr, policy).specialist;
  return {{"house_rules", d.house_rules},
          {"playbook", d.rules(specialist).playbook(profile.experience).text},
          {"adaptation", detail::adaptation_text(profile, d)}};
}

}  // namespace porchlight
