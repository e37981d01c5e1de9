// handlers/leads.cpp: where each lead stands: its stage history, and events (an appointment, a
// signed agreement, an accepted contract) that move it. The stage machine is the core's
// (advance_stage, core/data/stages.json); the history is the store's (store.lead_stages()).

#include "auth/visibility.hpp"
#include "handlers/coach_plan.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "handlers/lead_moves.hpp"

namespace porchlight::proxy {

namespace {

using json_input::FieldReader;
using json_input::Need;

json change_json(const store::StageChange& c) {
  return {{"seq", c.seq}, {"from", c.from ? json(name_of(*c.from)) : json(nullptr)}, {"to", name_of(c.to)},
          {"trigger", c.trigger}, {"reason", c.reason}, {"agent_id", c.agent_id}, {"source", c.source}, {"at", c.created_at}};
}

// The lead id in the path, or an answered error. An agent token bound to a lead reaches that
// lead only (auth.wrong_lead), as for its conversation.
awaitable<std::optional<std::string>> lead_id(App& app, Exchange& ex, const Principal& p) {
  const std::string id = ex.params.empty() ? "" : ex.params[0];
  if (!is_valid_id(id)) {
    co_await app.fail(ex, ApiError::from_code("lead.invalid_id", "the lead id in the path must be 1-64 of A-Z a-z 0-9 _ . : -"));
    co_return std::nullopt;
  }
  if (auto bound = lead_for(p, id); !bound) {
    co_await app.fail(ex, bound.errors());
    co_return std::nullopt;
  }
  co_return id;
}

}  // namespace

LeadMoves plan_lead_moves(App& app, const std::optional<store::StageChange>& last, const AgentProfile& agent,
                          const Lead& lead, std::optional<ConversationStage> crm_stage,
                          const std::vector<std::string>& events, const std::string& source) {
  LeadMoves out;
  out.from = last ? last->to : crm_stage.value_or(ConversationStage::new_lead);
  out.after_seq = last ? last->seq : 0;
  std::vector<StageMove> moves;
  if (crm_stage && *crm_stage != out.from) moves.push_back({out.from, *crm_stage, "crm", "the CRM (or the caller) set this stage"});
  const Checklist checklist = qualification_checklist(agent, lead, app.today(), app.policy());
  const StageResult result = advance_stage(checklist, lead, crm_stage.value_or(out.from), events, app.policy());
  moves.insert(moves.end(), result.moves.begin(), result.moves.end());
  out.stage = result.stage;
  out.changes = stage_changes(moves, agent.id == "unknown" ? "" : agent.id, source);
  return out;
}

awaitable<Result<LeadMoves>> record_lead_moves(App& app, const store::Scope& scope, const AgentProfile& agent,
                                               const Lead& lead, std::optional<ConversationStage> crm_stage,
                                               const std::vector<std::string>& events, const std::string& source) {
  auto read_last = [&app, scope, lead_id = lead.id] { return app.store().lead_stages().last(scope, lead_id); };
  auto last = co_await app.blocking(read_last);
  if (!last) co_return last.errors();
  LeadMoves out = plan_lead_moves(app, last.value(), agent, lead, crm_stage, events, source);
  if (out.changes.empty()) co_return out;
  auto append = [&app, scope, lead_id = lead.id, after = out.after_seq, changes = out.changes] {
    return app.store().lead_stages().append(scope, lead_id, after, changes);
  };
  auto recorded = co_await app.blocking(append);
  if (!recorded) co_return recorded.errors();
  out.changes = std::move(recorded).value();
  co_return out;
}

// GET /v1/leads/{id}?thread=N: the lead as the CRM keeps it (GoHighLevel's contact), where it
// stands, and the newest N messages (default 20) of the real thread with it, oldest first.
awaitable<void> get_lead(App& app, Exchange& ex, const Principal& p) {
  auto id = co_await lead_id(app, ex, p);
  if (!id) co_return;
  std::int64_t limit = 20;
  if (!parse_count(ex.query_param("thread"), 0, 200, limit)) {
    co_await app.fail(ex, ApiError::from_code("request.invalid_query", "thread must be an integer from 0 to 200"));
    co_return;
  }
  auto read_lead = [&app, scope = p.scope, lead = *id] { return app.store().leads().get(scope, lead); };
  auto lead = co_await app.blocking(read_lead);
  if (!lead) { co_await app.fail(ex, lead.errors()); co_return; }
  if (!lead.value() || lead.value()->deleted) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no lead " + *id + " in this location"));
    co_return;
  }
  auto read_last = [&app, scope = p.scope, lead = *id] { return app.store().lead_stages().last(scope, lead); };
  auto last = co_await app.blocking(read_last);
  if (!last) { co_await app.fail(ex, last.errors()); co_return; }
  json thread = json::array();
  if (limit > 0) {
    auto read_thread = [&app, scope = p.scope, lead = *id, limit] { return app.store().leads().thread(scope, lead, limit); };
    auto messages = co_await app.blocking(read_thread);
    if (!messages) { co_await app.fail(ex, messages.errors()); co_return; }
    for (const auto& m : messages.value())
      thread.push_back(JSON_OBJ({{"id", m.id}, {"direction", m.direction}, {"channel", m.channel}, {"text", m.body},
                                 {"agent_id", m.agent_id}, {"at", m.at}}));
  }
  const store::LeadRecord& l = *lead.value();
  json facts = json::object();
  for (const auto& [k, v] : l.facts) facts[k] = v;
  co_await app.send_json(ex, 200, JSON_OBJ({{"id", l.id}, {"name", l.name}, {"email", l.email}, {"phone", l.phone},
                                            {"source", l.source}, {"tags", l.tags}, {"facts", facts},
                                            {"agent_id", l.agent_id}, {"sms_opt_out", l.sms_opt_out},
                                            {"stage", last.value() ? json(name_of(last.value()->to)) : json(nullptr)},
                                            {"updated_at", l.updated_at}, {"thread", thread}}));
}

// GET /v1/leads/{id}/stages?limit=N: the lead's moves, oldest first, and where it stands.
awaitable<void> lead_stages(App& app, Exchange& ex, const Principal& p) {
  auto id = co_await lead_id(app, ex, p);
  if (!id) co_return;
  std::int64_t limit = 100;
  if (!parse_count(ex.query_param("limit"), 1, 1000, limit)) {
    co_await app.fail(ex, ApiError::from_code("request.invalid_query", "limit must be an integer from 1 to 1000"));
    co_return;
  }
  auto read_history = [&app, scope = p.scope, lead = *id, limit] { return app.store().lead_stages().history(scope, lead, limit); };
  auto history = co_await app.blocking(read_history);
  if (!history) { co_await app.fail(ex, history.errors()); co_return; }
  json data = json::array();
  for (const auto& c : history.value()) data.push_back(change_json(c));
  const json stage = history.value().empty() ? json(nullptr) : json(name_of(history.value().back().to));
  co_await app.send_json(ex, 200, JSON_OBJ({{"lead_id", *id}, {"stage", stage}, {"data", data}}));
}

// POST /v1/leads/{id}/events: {events, lead?: {facts}, stage?, profile_id?}. Runs the stage
// machine from the recorded stage (or the CRM's) with the events and the lead's facts, records
// every move, and answers where the lead now stands and why.
awaitable<void> lead_events(App& app, Exchange& ex, const Principal& p) {
  auto id = co_await lead_id(app, ex, p);
  if (!id) co_return;
  auto body = co_await read_json_body(app, ex, 64 * 1024);
  if (!body) co_return;
  Errors errors;
  FieldReader r(*body, "lead_events", "", errors);
  r.reject_unknown({"events", "lead", "stage", "profile_id"});
  std::vector<std::string> events;
  if (const json* arr = r.array("events", Need::required, 20))
    for (std::size_t i = 0; i < arr->size(); ++i) {
      const json& e = (*arr)[i];
      if (!e.is_string() || !is_stage_event(e.get<std::string>(), app.policy()))
        r.add("invalid_events", "events[" + std::to_string(i) + "]",
              "unknown event; expected one of contacted, replied, appointment_set, agreement_signed, listing_agreement_signed, "
              "listing_live, showing, offer_written, offer_accepted, contract_terminated, clear_to_close, closed, lost, reactivated");
      else events.push_back(e.get<std::string>());
    }
  Lead lead;
  if (const json* l = r.object("lead", Need::optional)) {
    auto parsed = lead_from_json(*l, "lead");
    if (parsed) lead = parsed.value();
    else errors.insert(errors.end(), parsed.errors().begin(), parsed.errors().end());
  }
  lead.id = *id;
  const auto stage = r.enumeration<ConversationStage>("stage", Need::optional);
  auto profile_id = r.id("profile_id", Need::optional);
  if (p.browser() && profile_id && *profile_id != p.agent_id)
    r.add("invalid_profile_id", "profile_id", "a browser records events as its own agent (the agent token's sub)");
  if (!errors.empty()) { co_await app.fail(ex, errors); co_return; }

  // The agent decides the side when the lead's facts do not (a listing agent's lead is a seller).
  const std::string agent_id = p.browser() ? p.agent_id : profile_id.value_or(p.agent_id);
  AgentProfile agent;
  agent.id = agent_id.empty() ? "unknown" : agent_id;
  agent.location_id = p.scope.location_id;
  if (!agent_id.empty()) {
    auto read_profile = [&app, scope = p.scope, agent_id] { return app.store().profiles().get(scope, agent_id); };
    auto profile = co_await app.blocking(read_profile);
    if (!profile) { co_await app.fail(ex, profile.errors()); co_return; }
    if (profile.value()) agent = *profile.value();
  }
  auto moved = co_await record_lead_moves(app, p.scope, agent, lead, stage, events, "events");
  if (!moved) { co_await app.fail(ex, moved.errors()); co_return; }
  json data = json::array();
  for (const auto& c : moved.value().changes) data.push_back(change_json(c));
  const ConversationStage recorded = moved.value().from;
  const LeadMoves result = moved.value();
  co_await app.send_json(ex, 200, JSON_OBJ({{"lead_id", *id}, {"from", name_of(recorded)}, {"stage", name_of(result.stage)},
                                   {"moves", data}}));
}

}  // namespace porchlight::proxy
