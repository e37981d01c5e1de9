// handlers/coach_plan.cpp: reading a coaching request and planning its turn (no I/O).

#include "handlers/coach_plan.hpp"

#include "auth/credentials.hpp"
#include "auth/visibility.hpp"
#include "handlers/json_util.hpp"
#include "porchlight/json_input.hpp"

namespace porchlight::proxy {

using json_input::FieldReader;
using json_input::Need;

namespace {

// Bytes decoded from the start of standard base64 text (enough to tell an image's format): the
// first `chars` characters, read in the URL-safe alphabet the credentials code decodes.
std::string base64_prefix(std::string_view text, std::size_t chars) {
  std::string head(text.substr(0, std::min(text.size(), chars) / 4 * 4));
  for (char& c : head) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!head.empty() && head.back() == '=') head.pop_back();
  return base64url_decode(head).value_or("");
}

// The media type an image's first bytes say it is, or "".
std::string sniffed_media_type(std::string_view head) {
  if (head.size() >= 3 && head.substr(0, 3) == "\xff\xd8\xff") return "image/jpeg";
  if (head.size() >= 8 && head.substr(0, 8) == "\x89PNG\r\n\x1a\n") return "image/png";
  if (head.size() >= 12 && head.substr(0, 4) == "RIFF" && head.substr(8, 4) == "WEBP") return "image/webp";
  return "";
}

void read_images(FieldReader& r, CoachRequest& c) {
  const json* arr = r.array("images", Need::optional, kMaxImages);
  if (!arr) return;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const std::string path = "images[" + std::to_string(i) + "]";
    const json& one = (*arr)[i];
    if (!one.is_object() || !one.contains("media_type") || !one.contains("data") || !one["media_type"].is_string() ||
        !one["data"].is_string() || one.size() != 2) {
      r.add("invalid_images", path, "expected {\"media_type\", \"data\"}: a media type and the image as base64");
      continue;
    }
    const std::string& type = one["media_type"].get_ref<const std::string&>();
    const std::string& data = one["data"].get_ref<const std::string&>();
    if (type != "image/jpeg" && type != "image/png" && type != "image/webp") {
      r.add("invalid_images", path + ".media_type", "expected image/jpeg, image/png or image/webp, got " + json_input::in_quotes(type));
      continue;
    }
    if (data.empty() || data.size() > kMaxImageBase64 || data.size() % 4 != 0 ||
        data.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") != std::string::npos) {
      r.add("invalid_images", path + ".data", "expected standard base64 of at most 5 MiB (resize the photo: 1568 pixels on the long side is plenty)");
      continue;
    }
    if (const std::string sniffed = sniffed_media_type(base64_prefix(data, 16)); sniffed != type) {
      r.add("invalid_images", path + ".data", "the bytes are " + (sniffed.empty() ? std::string("not a JPEG, PNG or WebP image") : sniffed) +
                                                  ", not " + type);
      continue;
    }
    c.images.push_back({type, data});
  }
}

}  // namespace

std::optional<CoachRequest> read_coach_request(const json& j, const Principal& p, Errors& errors) {
  FieldReader r(j, "coach", "", errors);
  r.reject_unknown({"profile_id", "conversation_id", "lead", "query", "stage", "surface", "specialist", "tier",
                    "client_route", "client_variant", "images"});
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
  if (const json* cv = r.object("client_variant", Need::optional)) {
    FieldReader vr(*cv, "coach", "client_variant", errors);
    vr.reject_unknown({"experiment_id", "variant", "policy_version"});
    vr.string("experiment_id", Need::optional, 64);
    vr.string("variant", Need::optional, 64);
    vr.string("policy_version", Need::optional, 200);
    c.client_variant = *cv;
  }
  read_images(r, c);
  if (!errors.empty()) return std::nullopt;
  return c;
}

TurnPlan plan_turn(const CoachRequest& c, const TurnContext& ctx, const Policy& policy,
                   const std::array<std::string, enum_count<ModelTier>()>& tier_models) {
  TurnPlan plan;
  const store::Conversation& conversation = ctx.conversation;
  // The stage: the recorded one (else the conversation's); the CRM's when it says otherwise;
  // then wherever the lead's facts move it.
  const ConversationStage recorded = ctx.last_stage ? ctx.last_stage->to : conversation.stage;
  if (c.stage && *c.stage != recorded)
    plan.stage_moves.push_back({recorded, *c.stage, "crm", "the CRM (or the caller) set this stage"});
  const Checklist checklist = qualification_checklist(ctx.agent, c.lead, ctx.today, policy);
  const StageResult moved = advance_stage(checklist, c.lead, c.stage.value_or(recorded), {}, policy);
  plan.stage_moves.insert(plan.stage_moves.end(), moved.moves.begin(), moved.moves.end());
  plan.stage = moved.stage;
  plan.proposed_facts = extract_facts(c.query, c.lead, ctx.today, policy);

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
  // Router v2 keeps a follow-up with the specialist who answered last (its playbook is cached).
  for (auto it = ctx.recent.rbegin(); it != ctx.recent.rend(); ++it)
    if (it->role == "assistant" && !it->specialist.empty()) {
      pr.previous_specialist = parse_enum<Specialist>(it->specialist);
      break;
    }
  if (ctx.monthly_budget_usd > 0) pr.budget = Budget{ctx.monthly_budget_usd, ctx.spent_usd};
  pr.stream = true;
  pr.tier_models = tier_models;
  pr.images = c.images;
  plan.prompt = build_prompt(pr, policy);
  const RouteDecision& route = plan.prompt.route;
  plan.estimated_tokens = route.estimated_input_tokens + route.estimated_output_tokens;

  // Fold what the context window folded into the conversation's summary, so later turns read
  // fewer messages; the summary changes once per chunk of turns (see porchlight/context.hpp).
  const ContextWindow& window = plan.prompt.context;
  if (window.first_kept > 0 && window.first_kept <= seqs.size()) {
    plan.conversation_update = ConversationUpdate{plan.stage, window.summary, seqs[window.first_kept - 1]};
    plan.folded.assign(pr.history.begin(), pr.history.begin() + static_cast<std::ptrdiff_t>(window.first_kept));
  }
  else if (plan.stage != conversation.stage)
    plan.conversation_update = ConversationUpdate{plan.stage, conversation.summary, conversation.summary_through_seq};

  if (c.client_route.is_object()) {  // the browser's preview is never trusted, only compared
    plan.preview_same_policy = string_field(c.client_route, "policy_version") == route.policy_version;
    plan.preview_matches = string_field(c.client_route, "specialist") == name_of(route.specialist) &&
                           string_field(c.client_route, "tier") == name_of(route.tier);
  }
  plan.request = std::move(pr);
  return plan;
}

namespace {

// The approach rides in a system block of its own after the last one: the cached prefix (house
// rules, playbook, adaptation, summary) stays byte-identical for every variant.
void add_approach(BuiltPrompt& prompt, const std::string& experiment_id, const std::string& approach) {
  json body = json::parse(prompt.body, nullptr, false);
  if (!body.is_object()) return;
  json& system = body["system"];
  if (system.is_string()) system = json::array({{{"type", "text"}, {"text", system.get<std::string>()}}});
  if (!system.is_array()) system = json::array();
  system.push_back({{"type", "text"}, {"text", "Approach for this answer (experiment " + experiment_id + "): " + approach}});
  prompt.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  prompt.blocks.push_back({"approach", static_cast<std::int64_t>(approach.size() / 4 + 12), false});
}

}  // namespace

TurnPlan plan_turn_with_experiments(CoachRequest& c, const TurnContext& ctx, const Policy& policy,
                                    const std::array<std::string, enum_count<ModelTier>()>& tier_models,
                                    const std::vector<store::Experiment>& experiments, const std::string& policy_version) {
  TurnPlan plan = plan_turn(c, ctx, policy, tier_models);
  auto assignment = learning::assign_turn(experiments, plan.prompt.route.guidance_type, ctx.agent.role, c.agent_id);
  if (assignment) {
    const learning::Treatment& t = assignment->treatment;
    if (t.tier && !c.tier && *t.tier != plan.prompt.route.tier) {
      const auto matches = plan.preview_matches;
      const bool same_policy = plan.preview_same_policy;
      c.tier = t.tier;
      plan = plan_turn(c, ctx, policy, tier_models);
      plan.preview_matches = matches;
      plan.preview_same_policy = same_policy;
    }
    if (!t.approach.empty()) {
      add_approach(plan.prompt, assignment->experiment_id, t.approach);
      plan.estimated_tokens += static_cast<std::int64_t>(t.approach.size() / 4 + 12);
    }
  }
  plan.assignment = std::move(assignment);
  plan.policy_version = policy_version;
  return plan;
}

std::string synthesis_body(const TurnPlan& plan, const std::vector<StepNotes>& notes, const Policy& policy) {
  BuiltPrompt synthesis = synthesis_prompt(plan.request, plan.prompt.route, notes, policy);
  if (plan.assignment && !plan.assignment->treatment.approach.empty())
    add_approach(synthesis, plan.assignment->experiment_id, plan.assignment->treatment.approach);
  return synthesis.body;
}

store::EventContext event_context(const CoachRequest& c, const TurnContext& ctx, const TurnPlan& plan) {
  store::EventContext e;
  e.lead_id = c.lead.id;
  if (plan.assignment && plan.assignment->trial) e.experiment_id = plan.assignment->experiment_id;
  e.tier = std::string(name_of(plan.prompt.route.tier));
  e.role = std::string(name_of(ctx.agent.role));
  e.experience = std::string(name_of(ctx.agent.experience));
  for (Specialization s : ctx.agent.specializations) e.specializations.emplace_back(name_of(s));
  e.stage = std::string(name_of(plan.stage));
  e.policy_version = plan.policy_version;
  return e;
}

std::vector<store::StageChange> stage_changes(const std::vector<StageMove>& moves, const std::string& agent_id,
                                              const std::string& source) {
  std::vector<store::StageChange> out;
  for (const auto& m : moves) {
    store::StageChange c;
    c.from = m.from;
    c.to = m.to;
    c.trigger = m.trigger;
    c.reason = m.reason;
    c.agent_id = agent_id;
    c.source = source;
    out.push_back(std::move(c));
  }
  return out;
}

std::optional<upstream::Request> summary_request(const TurnPlan& plan, const std::string& previous_summary,
                                                 const Policy& policy, const std::string& model) {
  if (plan.folded.empty()) return std::nullopt;
  upstream::Request r;
  r.body = summary_request_body(previous_summary, plan.folded, model, policy);
  r.model = model;
  r.stream = false;
  return r;
}

}  // namespace porchlight::proxy
