// handlers/coach.cpp: POST /v1/coach, one coaching turn streamed as server-sent events, and
// resuming such a stream (Last-Event-ID). A turn runs as named stages:
//
//   read      the request                                      (coach_plan.hpp, no I/O)
//   load      the agent's profile, the conversation, its recent messages, the month's budget
//   plan      the prompt, the route, what the context window folds    (coach_plan.hpp, no I/O)
//   admit     the call, against the budget and the rate limits (a ticket, settled or released)
//   persist   the agent's turn and an empty answer to stream into, and the folded summary
//   stream    the answer from the coaching provider (Claude, or the playbooks), stored as it goes
//   finalize  status, usage and cost; the ledger and the coaching event; cards; done
//   summarize when old turns were folded, a fast-tier call writes the conversation's summary
//
// Persistence rule: the agent's turn is stored before any upstream call; the answer is stored
// as it streams (status "streaming"), and finalized with its usage and cost. If the proxy dies
// mid-stream the stored part stays, and a resume marks it "incomplete" and ends cleanly.
//
// Events: meta, route, notice (the playbooks answer instead of Claude), delta..., card...,
// usage, error (when something failed), done. Each event that moves the answer carries the id
// "<message id>:<bytes so far>" for Last-Event-ID.

#include <algorithm>

#include "handlers/access.hpp"
#include "handlers/coach_plan.hpp"
#include "handlers/coach_steps.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "porchlight/cost.hpp"
#include "porchlight/json_output.hpp"
#include "porchlight/qualify.hpp"
#include "upstream/answer.hpp"

namespace porchlight::proxy {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kPersistEvery = std::chrono::milliseconds(500);

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// 128 bits from OpenSSL's CSPRNG: a conversation without a lead is found by its id alone.
std::string random_conversation_id() { return "cv_" + store::detail::random_hex(16); }

std::string text_event(std::string_view text) {
  return JSON_OBJ({{"text", text}}).dump(-1, ' ', false, json::error_handler_t::replace);
}

// ---- load --------------------------------------------------------------------------------------

// The turn's context; nullopt when the request was answered with an error. Opens the
// conversation (and fills in its id when the request named none).
awaitable<std::optional<TurnContext>> load_context(App& app, Exchange& ex, const Principal& p, CoachRequest& c) {
  const store::Scope scope = p.scope;
  TurnContext ctx;
  auto query_1 = [&app, scope, id = c.agent_id] { return app.store().profiles().get(scope, id); };
  auto profile = co_await app.blocking(query_1);
  if (!profile) { co_await app.fail(ex, profile.errors()); co_return std::nullopt; }
  if (!profile.value()) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no profile " + c.agent_id + " in this location; create it first"));
    co_return std::nullopt;
  }
  ctx.agent = *profile.value();

  if (c.conversation_id.empty())
    c.conversation_id = !c.lead.id.empty() ? conversation_id(scope.location_id, c.lead.id) : random_conversation_id();
  store::Conversation wanted;
  wanted.id = c.conversation_id;
  wanted.location_id = scope.location_id;
  wanted.agent_id = c.agent_id;
  wanted.lead_id = c.lead.id;
  wanted.stage = c.stage.value_or(ConversationStage::new_lead);
  auto query_2 = [&app, scope, wanted] { return app.store().transcript().open_conversation(scope, wanted); };
  auto conversation = co_await app.blocking(query_2);
  if (!conversation) { co_await app.fail(ex, conversation.errors()); co_return std::nullopt; }
  if (!co_await may_see(app, p, conversation.value())) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no conversation " + c.conversation_id + " for this agent"));
    co_return std::nullopt;
  }
  ctx.conversation = conversation.value();

  auto query_3 = [&app, scope, id = c.conversation_id, after = ctx.conversation.summary_through_seq] {
    return app.store().transcript().list_messages(scope, id, after, 400);
  };
  auto messages = co_await app.blocking(query_3);
  if (!messages) { co_await app.fail(ex, messages.errors()); co_return std::nullopt; }
  ctx.recent = std::move(messages).value();

  const LocationBudget budget = co_await app.budgets().get(scope);
  ctx.spent_usd = budget.spent;
  ctx.monthly_budget_usd = budget.monthly;
  ctx.today = app.today();
  if (!c.lead.id.empty()) {
    // What the location knows of the lead (the CRM's fields, notes and appointments, from its
    // webhooks) under what this turn says: a page that sends only the lead's id, or a follow-up
    // turn without its facts, still coaches with them.
    auto stored = [&app, scope, id = c.lead.id] { return app.store().leads().get(scope, id); };
    auto known = co_await app.blocking(stored);
    if (!known) { co_await app.fail(ex, known.errors()); co_return std::nullopt; }
    if (known.value() && !known.value()->deleted) {
      for (const auto& [fact, value] : known.value()->facts) c.lead.facts.emplace(fact, value);  // the turn's own win
      if (c.lead.name.empty()) c.lead.name = known.value()->name;
    }
    auto last_stage = [&app, scope, id = c.lead.id] { return app.store().lead_stages().last(scope, id); };
    auto stage = co_await app.blocking(last_stage);
    if (!stage) { co_await app.fail(ex, stage.errors()); co_return std::nullopt; }
    ctx.last_stage = stage.value();
  }
  co_return ctx;
}

// The location's experiments. A store that cannot list them leaves the turn on the control
// (coaching goes on; the failure is counted).
awaitable<std::vector<store::Experiment>> load_experiments(App& app, const store::Scope& scope) {
  auto list = [&app, scope] { return app.store().experiments().list(scope); };
  auto rows = co_await app.blocking(list);
  if (!rows) {
    app.metrics().count("porchlight_experiment_load_failures_total", {{"code", rows.errors().front().code}});
    co_return std::vector<store::Experiment>{};
  }
  co_return std::move(rows).value();
}

// The browser's variant (its core's assignVariant over the published experiments) against ours:
// never trusted, only counted, as route previews are.
void count_variant_preview(App& app, const CoachRequest& c, const TurnPlan& plan) {
  if (!c.client_variant.is_object()) return;
  const std::string ours = plan.assignment ? plan.assignment->variant : "";
  const std::string ours_id = plan.assignment ? plan.assignment->experiment_id : "";
  const bool same = string_field(c.client_variant, "experiment_id") == ours_id && string_field(c.client_variant, "variant") == ours;
  const bool same_policy = string_field(c.client_variant, "policy_version") == plan.policy_version;
  app.metrics().count(same ? "porchlight_variant_match_total" : "porchlight_variant_mismatch_total",
                      {{"policy", same_policy ? "same" : "different"}});
}

// ---- persist -----------------------------------------------------------------------------------

// What one answer accumulates as it streams, persisted as it goes.
struct Answer {
  store::Message message;  // the assistant message being written
  std::string text;
  Usage usage;
  std::string model;
  bool completed = false;
  bool offline = false;
  std::optional<ApiError> error;
  double ttft_ms = -1;
  Clock::time_point started = Clock::now();
  Clock::time_point last_persist = Clock::now();
};

std::string event_id(const Answer& a) { return a.message.id + ":" + std::to_string(a.text.size()); }

// The agent's turn, then an empty answer to stream into, then the conversation's new summary or
// stage: all durable before anything is asked of Claude. False when answered with an error.
awaitable<bool> persist_turn(App& app, Exchange& ex, const store::Scope& scope, const CoachRequest& c, const TurnPlan& plan,
                             std::string& user_message_id, Answer& a) {
  store::Message user;
  user.conversation_id = c.conversation_id;
  user.location_id = scope.location_id;
  user.role = "user";
  user.content = c.query;
  user.status = store::MessageStatus::complete;
  user.surface = c.surface;
  user.agent_id = c.agent_id;  // whose turn: a lead's thread has every agent's who worked it
  auto query_4 = [&app, scope, user] { return app.store().transcript().append_message(scope, user); };
  auto stored_user = co_await app.blocking(query_4);
  if (!stored_user) { co_await app.fail(ex, stored_user.errors()); co_return false; }
  user_message_id = stored_user->id;

  const RouteDecision& route = plan.prompt.route;
  a.message.conversation_id = c.conversation_id;
  a.message.location_id = scope.location_id;
  a.message.role = "assistant";
  a.message.status = store::MessageStatus::streaming;
  a.message.surface = c.surface;
  a.message.agent_id = c.agent_id;
  a.message.specialist = std::string(name_of(route.specialist));
  a.message.model = route.model;
  a.message.event_id = new_id("evt_");
  auto query_5 = [&app, scope, m = a.message] { return app.store().transcript().append_message(scope, m); };
  auto stored_answer = co_await app.blocking(query_5);
  if (!stored_answer) { co_await app.fail(ex, stored_answer.errors()); co_return false; }
  a.message = stored_answer.value();

  if (const auto& u = plan.conversation_update) {
    auto query_6 = [&app, scope, id = c.conversation_id, u = *u] {
      return app.store().transcript().update_conversation(scope, id, u.stage, u.summary, u.summary_through_seq);
    };
    co_await app.blocking(query_6);
  }
  co_return true;
}

// The lead's stage moves, after the one the turn was planned from. Coaching goes on when this
// fails (another turn recorded the lead first, or the store hiccuped): the card says so.
awaitable<bool> record_stage_moves(App& app, const store::Scope& scope, const CoachRequest& c, const TurnContext& ctx,
                                   const TurnPlan& plan) {
  if (c.lead.id.empty() || plan.stage_moves.empty()) co_return false;
  auto append = [&app, scope, lead = c.lead.id, after = ctx.last_stage ? ctx.last_stage->seq : 0,
                 moves = stage_changes(plan.stage_moves, c.agent_id, "coach")] {
    return app.store().lead_stages().append(scope, lead, after, moves);
  };
  auto recorded = co_await app.blocking(append);
  if (!recorded) {
    app.metrics().count("porchlight_stage_record_failures_total", {{"code", recorded.errors().front().code}});
    co_return false;
  }
  app.metrics().count("porchlight_stage_moves_total", {{"to", std::string(name_of(plan.stage))}});
  co_return true;
}

// Stores the answer as it stands.
awaitable<bool> save_answer(App& app, const store::Scope& scope, Answer& a, store::MessageStatus status) {
  a.message.content = a.text;
  a.message.status = status;
  a.message.usage = a.usage;
  auto query_7 = [&app, scope, m = a.message] { return app.store().transcript().update_message(scope, m); };
  auto saved = co_await app.blocking(query_7);
  a.last_persist = Clock::now();
  co_return saved.ok();
}

// ---- stream ------------------------------------------------------------------------------------

// Appends text: to the client as a delta, to the store every kPersistEvery.
awaitable<void> add_text(App& app, const store::Scope& scope, SseStream& sse, Answer& a, std::string_view text) {
  if (text.empty()) co_return;
  if (a.ttft_ms < 0) a.ttft_ms = ms_since(a.started);
  a.text.append(text);
  co_await sse.send(name_of(CoachEvent::delta), text_event(text), event_id(a));
  if (Clock::now() - a.last_persist >= kPersistEvery) co_await save_answer(app, scope, a, store::MessageStatus::streaming);
}

// Streams the answer from the coaching provider into `a`, the client and the store.
awaitable<void> stream_answer(App& app, const store::Scope& scope, SseStream& sse, Answer& a, TurnRequest turn) {
  a.model = turn.request.model;
  upstream::EventSink sink = [&](const upstream::SseEvent& e) -> awaitable<bool> {
    if (e.event == "ping") co_return true;
    if (e.event == kFallbackEvent) {  // Claude failed before answering: the playbooks take over
      // The notice keeps the failure's code (the chain sends {"code","message"}) with our words.
      json notice = json::parse(e.data, nullptr, false);
      if (!notice.is_object()) notice = json::object();
      notice["message"] = "Claude is unavailable; answering from the playbooks";
      co_await sse.send(name_of(CoachEvent::notice), notice.dump());
      a.error.reset();
    } else if (e.event == "message_start" || e.event == "message_delta") {
      upstream::read_answer(e.data, a.usage, &a.model);
    } else {
      if (e.event == "content_block_delta") {
        if (auto text = delta_text(e.data)) co_await add_text(app, scope, sse, a, *text);
      } else if (e.event == "message_stop") {
        a.completed = true;
      } else if (e.event == "error") {
        const json j = json::parse(e.data, nullptr, false);
        const json& err = j.is_object() && j.contains("error") && j["error"].is_object() ? j["error"] : j;
        a.error = ApiError::from_code("upstream.stream_error", "Claude reported an error mid-answer: " +
                                                                   (err.is_object() ? err.value("type", "error") : std::string("error")));
      }
    }
    // Touch the answer often enough that readers can tell a live stream from a dead one.
    if (Clock::now() - a.last_persist >= app.config().stream_stale_after / 3)
      co_await save_answer(app, scope, a, store::MessageStatus::streaming);
    co_return true;  // even when the client has gone: finish, so the answer is stored whole
  };
  const TurnReply reply = co_await app.provider().stream(std::move(turn), sink);
  const upstream::Response& response = reply.response;
  a.offline = reply.offline;
  if (a.offline) a.model = "offline-playbooks";
  else if (!response.model.empty() && a.model.empty()) a.model = response.model;
  if (!a.error) a.error = reply_error(response);
  if (response.stream_completed) a.completed = true;
}

// ---- plan --------------------------------------------------------------------------------------

// A compound request with Claude reachable (router v2's plan; porchlight/plan.hpp): its steps run
// in parallel, then `turn` becomes the synthesis of their notes (the answer that streams). When no
// step answered, `turn` stays the single-specialist request. False when the client hung up during
// the steps: the answer is stored as incomplete and nothing more is asked.
awaitable<bool> run_plan(App& app, Exchange& ex, SseStream& sse, const Principal& payer, const CoachRequest& c,
                         const TurnPlan& plan, Answer& a, TurnRequest& turn) {
  const RouteDecision& route = plan.prompt.route;
  Provider& claude = app.passthrough();
  if (route.plan.size() < 2 || c.specialist || !c.images.empty() || claude.offline() || !claude.reaches_claude(route.model)) co_return true;
  sse.watch_hangup();
  const StepsOutcome outcome = co_await run_plan_steps(app, sse, payer, ex.request_id(), plan_steps(plan.request, route, app.policy()));
  if (outcome.client_gone) {
    app.metrics().count("porchlight_plans_total", {{"result", "cancelled"}});
    co_await save_answer(app, payer.scope, a, store::MessageStatus::incomplete);
    co_return false;
  }
  if (outcome.answered == 0) {
    app.metrics().count("porchlight_plans_total", {{"result", "single"}});
    co_return true;
  }
  const bool partial = outcome.answered < outcome.notes.size();
  app.metrics().count("porchlight_plans_total", {{"result", partial ? "partial" : "complete"}});
  turn.request.body = synthesis_body(plan, outcome.notes, app.policy());
  if (partial) {
    std::string missing;  // in words: "market analysis"
    for (const auto& n : outcome.notes)
      if (n.text.empty()) missing += (missing.empty() ? "" : " and ") + std::string(name_of(n.specialist));
    std::replace(missing.begin(), missing.end(), '_', ' ');
    co_await sse.send(name_of(CoachEvent::notice), JSON_OBJ({{"code", "upstream.plan_step_failed"},
                      {"message", "The " + missing + " part could not be prepared; this answer covers the rest"}}).dump());
  }
  co_return true;
}

// ---- finalize ----------------------------------------------------------------------------------

awaitable<void> finalize(App& app, Exchange& ex, SseStream& sse, const Principal& payer, Ticket& ticket,
                         const CoachRequest& c, const TurnContext& ctx, const TurnPlan& plan, bool stages_recorded, Answer& a) {
  const store::Scope scope = payer.scope;
  const RouteDecision& route = plan.prompt.route;
  const auto latency = static_cast<std::int64_t>(ms_since(a.started));
  a.message.model = a.model;
  a.message.latency_ms = latency;
  const double cost = a.offline ? 0 : app.admission().price(a.usage, a.model);
  a.message.cost_usd = cost;
  const auto final_status = a.completed && !a.error ? store::MessageStatus::complete : store::MessageStatus::incomplete;
  const bool saved = co_await save_answer(app, scope, a, final_status);

  if (!a.offline) {  // the playbooks spent nothing: their ticket goes back unsettled
    store::UsageRecord u;
    u.agent_id = c.agent_id;
    u.request_id = ex.request_id();
    u.kind = "coach";
    u.model = a.model;
    u.usage = a.usage;
    u.cost_usd = cost;
    ticket.settle(std::move(u));
  }
  CoachingEvent event;
  event.id = a.message.event_id;
  if (plan.assignment) event.approach_variant = plan.assignment->variant;
  event.location_id = scope.location_id;
  event.agent_id = c.agent_id;
  event.conversation_id = c.conversation_id;
  event.guidance_type = route.guidance_type;
  event.specialist = route.specialist;
  event.model = a.model;
  event.usage = a.usage;
  event.cost_usd = cost;
  event.latency_ms = latency;
  event.created_at = now_rfc3339();
  auto query_8 = [&app, scope, event, context = event_context(c, ctx, plan)] {
    return app.store().coaching_history().record(scope, event, context);
  };
  co_await app.blocking(query_8);

  json cards = guidance_cards(ctx.agent, c.lead, plan.stage, route, a.text, ctx.today, app.policy(), c.query);
  if (!plan.stage_moves.empty()) {
    json moves = json::array();
    for (const auto& m : plan.stage_moves)
      moves.push_back({{"from", name_of(m.from)}, {"to", name_of(m.to)}, {"trigger", m.trigger}, {"reason", m.reason}});
    cards.push_back({{"type", name_of(CardType::stage_change)}, {"title", "Stage"}, {"lead_id", c.lead.id},
                     {"from", name_of(plan.stage_moves.front().from)}, {"to", name_of(plan.stage)}, {"moves", moves},
                     {"recorded", stages_recorded}});
  }
  if (!plan.proposed_facts.empty()) {
    json facts = json::array();
    for (const auto& f : plan.proposed_facts) {
      json one = {{"fact", f.fact}, {"value", f.value}, {"evidence", f.evidence}};
      if (!f.current.empty()) one["current"] = f.current;
      facts.push_back(std::move(one));
    }
    // Proposed, never written: the agent accepts each one (the widget), the CRM stores it.
    cards.push_back({{"type", name_of(CardType::proposed_facts)}, {"title", "Facts to confirm"}, {"lead_id", c.lead.id},
                     {"facts", facts}, {"source", "porchlight"}});
  }
  for (const auto& card : cards)
    co_await sse.send(name_of(CoachEvent::card), card.dump(-1, ' ', false, json::error_handler_t::replace), event_id(a));
  co_await sse.send(name_of(CoachEvent::usage), JSON_OBJ({{"model", a.model}, {"offline", a.offline}, {"usage", porchlight::to_json(a.usage)},
                                  {"cost_usd", round_usd(cost)}, {"latency_ms", latency},
                                  {"ttft_ms", static_cast<std::int64_t>(std::max(0.0, a.ttft_ms))}}).dump(), event_id(a));
  if (a.error) co_await sse.send(name_of(CoachEvent::error), JSON_OBJ({{"type", a.error->type}, {"code", a.error->code}, {"message", a.error->message}}).dump());
  if (!saved)
    co_await sse.send(name_of(CoachEvent::error), JSON_OBJ({{"type", "overloaded_error"}, {"code", "store.unavailable"},
                                    {"message", "the end of this answer could not be saved; it may be incomplete after a reload"}}).dump());
  co_await sse.send(name_of(CoachEvent::done), JSON_OBJ({{"status", store::to_string(saved ? final_status : store::MessageStatus::incomplete)},
                                 {"message_id", a.message.id}, {"event_id", a.message.event_id},
                                 {"conversation_id", c.conversation_id}}).dump(), event_id(a));
  co_await sse.finish();
}

// ---- summarize ---------------------------------------------------------------------------------

// When this turn folded old turns out of the window, a fast-tier call writes the conversation's
// summary from the summary so far and those turns, and it replaces the digest stored at persist
// time (later turns read it, from the prompt cache). Offline, or when Claude fails, the digest
// stays. The answer has been sent whole by now; this only delays closing the connection.
awaitable<void> write_summary(App& app, Exchange& ex, const Principal& payer, const CoachRequest& c, const TurnContext& ctx,
                              const TurnPlan& plan, bool offline) {
  if (offline || !plan.conversation_update || plan.folded.empty()) co_return;
  const std::string model = app.model_for(ModelTier::fast);
  Provider& provider = app.passthrough();
  if (provider.offline() || !provider.reaches_claude(model)) co_return;
  auto request = summary_request(plan, ctx.conversation.summary, app.policy(), model);
  if (!request) co_return;
  const std::int64_t estimated = estimate_tokens(request->body) * 2;  // its answer is shorter than what it reads
  Ticket ticket = co_await app.admission().admit(Payer::of(payer), estimated);
  if (!ticket) co_return;  // over budget or rate-limited: the digest will do
  TurnRequest turn;
  turn.request = std::move(*request);
  const TurnReply reply = co_await provider.send(std::move(turn));
  const upstream::Response& r = reply.response;
  if (reply.offline || r.error || r.status != 200) {
    app.metrics().count("porchlight_summaries_total", {{"result", "failed"}});
    co_return;
  }
  Usage usage;
  std::string answered_model;
  upstream::read_answer(r.body, usage, &answered_model);
  std::string text;
  const json answer = json::parse(r.body, nullptr, false);
  if (answer.is_object() && answer.contains("content") && answer["content"].is_array())
    for (const auto& block : answer["content"])
      if (block.is_object() && block.value("type", "") == "text") text += block.value("text", "");
  text = text.substr(0, 20000);
  store::UsageRecord u;
  u.agent_id = c.agent_id;
  u.request_id = ex.request_id() + ":summary";  // the ledger keeps one row per request id: the answer's has it
  u.kind = "summary";
  u.model = answered_model.empty() ? model : answered_model;
  u.usage = usage;
  ticket.settle(std::move(u));
  if (text.find_first_not_of(" \n\t") == std::string::npos) co_return;
  const ConversationUpdate& up = *plan.conversation_update;
  auto save = [&app, scope = payer.scope, id = c.conversation_id, stage = up.stage, text, through = up.summary_through_seq] {
    return app.store().transcript().update_conversation(scope, id, stage, text, through);
  };
  const auto saved = co_await app.blocking(save);
  app.metrics().count("porchlight_summaries_total", {{"result", saved ? "written" : "not_saved"}});
}

// ---- resume ------------------------------------------------------------------------------------

// Sends what the client missed after `last_event_id` ("<message id>:<bytes it has>"), follows the
// answer if it is still streaming (on any instance), and ends it clearly.
awaitable<void> resume(App& app, Exchange& ex, const Principal& p, const std::string& last_event_id) {
  const auto colon = last_event_id.rfind(':');
  std::size_t offset = 0;
  std::string id = last_event_id.substr(0, colon);
  try {
    if (colon != std::string::npos) offset = std::stoull(last_event_id.substr(colon + 1));
  } catch (...) {
    id.clear();
  }
  if (id.empty() || !is_valid_id(id)) {
    co_await app.fail(ex, ApiError::from_code("request.invalid_last_event_id", "Last-Event-ID must be an id this stream sent"));
    co_return;
  }
  auto load = [&app, scope = p.scope, id]() { return app.store().transcript().get_message(scope, id); };
  auto first = co_await app.blocking(load);
  if (!first) { co_await app.fail(ex, first.errors()); co_return; }
  if (!first.value() || first.value()->role != "assistant") {
    co_await app.fail(ex, ApiError::from_code("not_found", "no answer " + id + " in this location"));
    co_return;
  }
  if (p.browser()) {
    auto query_9 = [&app, scope = p.scope, cid = first.value()->conversation_id] {
      return app.store().transcript().get_conversation(scope, cid);
    };
    auto conv = co_await app.blocking(query_9);
    if (!conv || !conv.value() || !co_await may_see(app, p, *conv.value())) {
      co_await app.fail(ex, ApiError::from_code("not_found", "no answer " + id + " for this agent"));
      co_return;
    }
  }
  store::Message m = *first.value();
  SseStream& sse = *co_await ex.start_sse();
  co_await sse.send(name_of(CoachEvent::meta), JSON_OBJ({{"conversation_id", m.conversation_id}, {"message_id", m.id}, {"event_id", m.event_id},
                                 {"resumed_from", offset}, {"request_id", ex.request_id()}}).dump());
  net::steady_timer timer(co_await net::this_coro::executor);
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  for (;;) {
    if (m.content.size() > offset) {
      std::size_t end = m.content.size();
      co_await sse.send(name_of(CoachEvent::delta), text_event(std::string_view(m.content).substr(offset, end - offset)), m.id + ":" + std::to_string(end));
      offset = end;
    }
    if (m.status != store::MessageStatus::streaming) break;
    if (stream_went_stale(m, app.config().stream_stale_after) || Clock::now() > deadline) {
      // Nobody is writing this answer any more (its proxy died): it ends here, incomplete.
      m.status = store::MessageStatus::incomplete;
      auto query_10 = [&app, scope = p.scope, m] { return app.store().transcript().update_message(scope, m); };
      co_await app.blocking(query_10);
      break;
    }
    timer.expires_after(std::chrono::milliseconds(250));
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    auto next = co_await app.blocking(load);
    if (!next || !next.value()) break;
    m = *next.value();
  }
  if (m.status == store::MessageStatus::complete)
    co_await sse.send(name_of(CoachEvent::usage), JSON_OBJ({{"model", m.model}, {"usage", porchlight::to_json(m.usage)}, {"cost_usd", round_usd(m.cost_usd)},
                                    {"latency_ms", m.latency_ms}}).dump());
  else
    co_await sse.send(name_of(CoachEvent::error), JSON_OBJ({{"type", "api_error"}, {"code", "upstream.interrupted"},
                                    {"message", "this answer was interrupted; what was received is shown"}}).dump());
  co_await sse.send(name_of(CoachEvent::done), JSON_OBJ({{"status", store::to_string(m.status)}, {"message_id", m.id}, {"event_id", m.event_id},
                                 {"conversation_id", m.conversation_id}}).dump(), m.id + ":" + std::to_string(offset));
  co_await sse.finish();
}

}  // namespace

// ---- POST /v1/coach ----------------------------------------------------------------------------

awaitable<void> coach(App& app, Exchange& ex, const Principal& p) {
  if (auto last = ex.header("last-event-id"); !last.empty()) {
    co_await resume(app, ex, p, std::string(last));
    co_return;
  }
  // read
  auto body = co_await read_json_body(app, ex, 8 * 1024 * 1024);  // photos: five of at most ~1.5 MiB each
  if (!body) co_return;
  Errors errors;
  auto request = read_coach_request(*body, p, errors);
  if (!request) { co_await app.fail(ex, errors); co_return; }
  CoachRequest& c = *request;

  // load, plan
  auto context = co_await load_context(app, ex, p, c);
  if (!context) co_return;
  std::array<std::string, enum_count<ModelTier>()> tier_models;
  for (std::size_t t = 0; t < tier_models.size(); ++t) tier_models[t] = app.model_for(static_cast<ModelTier>(t));
  const auto experiments = co_await load_experiments(app, p.scope);
  const learning::PublishedPolicy published = learning::publish(experiments, app.policy().version());
  TurnPlan plan = plan_turn_with_experiments(c, *context, app.policy(), tier_models, experiments, published.version);
  if (plan.preview_matches)
    app.metrics().count(*plan.preview_matches ? "porchlight_route_match_total" : "porchlight_route_mismatch_total",
                        {{"policy", plan.preview_same_policy ? "same" : "different"}});
  count_variant_preview(app, c, plan);
  const RouteDecision& route = plan.prompt.route;

  // admit: limits count against the agent being coached, however the caller named it
  Principal payer = p;
  payer.agent_id = c.agent_id;
  const Payer pays = Payer::of(payer);
  Ticket ticket = co_await app.admission().admit(ex, pays, plan.estimated_tokens);
  if (!ticket) { co_await app.fail(ex, ticket.refusal()); co_return; }

  // persist
  Answer a;
  std::string user_message_id;
  if (!co_await persist_turn(app, ex, p.scope, c, plan, user_message_id, a)) co_return;
  const bool stages_recorded = co_await record_stage_moves(app, p.scope, c, *context, plan);

  // stream
  SseStream& sse = *co_await ex.start_sse();
  json route_json = porchlight::to_json(route);
  route_json["offline"] = !app.provider().reaches_claude(route.model);
  // The location's policy version (its experiments included): a browser that has an older one
  // fetches /v1/policy again.
  route_json["location_policy_version"] = plan.policy_version;
  if (plan.assignment)
    route_json["experiment"] = {{"id", plan.assignment->experiment_id}, {"variant", plan.assignment->variant}};
  co_await sse.send(name_of(CoachEvent::meta), JSON_OBJ({{"conversation_id", c.conversation_id}, {"user_message_id", user_message_id},
                                 {"message_id", a.message.id}, {"event_id", a.message.event_id},
                                 {"request_id", ex.request_id()}}).dump(), event_id(a));
  co_await sse.send(name_of(CoachEvent::route), route_json.dump(), event_id(a));
  TurnRequest turn;
  turn.request.body = std::move(plan.prompt.body);
  turn.request.model = route.model;
  turn.request.stream = true;
  turn.playbooks = PlaybookContext{route, c.query, context->agent, c.lead, c.images.size()};
  if (!co_await run_plan(app, ex, sse, payer, c, plan, a, turn)) co_return;
  co_await stream_answer(app, p.scope, sse, a, std::move(turn));

  // finalize
  co_await finalize(app, ex, sse, payer, ticket, c, *context, plan, stages_recorded, a);
  co_await write_summary(app, ex, payer, c, *context, plan, a.offline);
}

awaitable<void> coach_resume(App& app, Exchange& ex, const Principal& p) {
  std::string last(ex.header("last-event-id"));
  if (last.empty()) last = ex.query_param("last_event_id");
  co_await resume(app, ex, p, last);
}

}  // namespace porchlight::proxy
