// handlers/coach.cpp: POST /v1/coach, the streaming coaching turn, and what hangs off it:
// resuming a stream (Last-Event-ID), feedback, outcomes, transcripts, usage and analytics.
//
// Sections:
//   [1] the request
//   [2] streaming an answer (Claude, or the offline playbooks)
//   [3] POST /v1/coach
//   [4] resume
//   [5] feedback, outcomes, transcripts, usage, analytics
//
// Persistence rule: the agent's turn is stored before any upstream call; the answer is stored
// as it streams (status "streaming"), and finalized with its usage and cost. If the proxy dies
// mid-stream the stored part stays, and a resume marks it "incomplete" and ends cleanly.

#include <algorithm>

#include "app.hpp"
#include "handlers/json_util.hpp"
#include "porchlight/context.hpp"
#include "porchlight/cost.hpp"
#include "porchlight/offline.hpp"
#include "porchlight/prompt.hpp"
#include "porchlight/qualify.hpp"
#include "porchlight/json_output.hpp"
#include "upstream/answer.hpp"

namespace porchlight::proxy {

namespace {

using json_input::FieldReader;
using json_input::Need;
using Clock = std::chrono::steady_clock;

constexpr auto kPersistEvery = std::chrono::milliseconds(500);

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// ---- [1] the request ---------------------------------------------------------------------------

struct CoachRequest {
  std::string agent_id;
  std::string conversation_id;
  Lead lead;
  std::string query;
  std::optional<ConversationStage> stage;
  std::string surface = "widget";
  std::optional<Specialist> specialist;
  std::optional<ModelTier> tier;
  json client_route;  // the browser's WASM preview, compared with ours for metrics
};

std::optional<CoachRequest> read_request(const json& j, const Principal& p, Errors& errors) {
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

// 128 bits from OpenSSL's CSPRNG: a conversation without a lead is found by its id alone.
std::string random_conversation_id() { return "cv_" + store::detail::random_hex(16); }

// ---- [2] streaming an answer -------------------------------------------------------------------

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
  std::size_t persisted_bytes = 0;
};

std::string event_id(const Answer& a) { return a.message.id + ":" + std::to_string(a.text.size()); }

awaitable<bool> persist(App& app, const store::Scope& scope, Answer& a, store::MessageStatus status) {
  a.message.content = a.text;
  a.message.status = status;
  a.message.usage = a.usage;
  auto query_1 = [&app, scope, m = a.message] { return app.store().transcript().update_message(scope, m); };
  auto saved = co_await app.blocking(query_1);
  a.last_persist = Clock::now();
  if (saved) a.persisted_bytes = a.text.size();
  co_return saved.ok();
}

// Appends text: to the client as a delta, to the store every kPersistEvery.
awaitable<void> add_text(App& app, const store::Scope& scope, SseStream& sse, Answer& a, std::string_view text) {
  if (text.empty()) co_return;
  if (a.ttft_ms < 0) a.ttft_ms = ms_since(a.started);
  a.text.append(text);
  co_await sse.send("delta", JSON_OBJ({{"text", text}}).dump(-1, ' ', false, json::error_handler_t::replace), event_id(a));
  if (Clock::now() - a.last_persist >= kPersistEvery) co_await persist(app, scope, a, store::MessageStatus::streaming);
}

// `body` is the built request (JSON text) naming `model`, with stream set.
awaitable<void> stream_from_claude(App& app, const store::Scope& scope, SseStream& sse, Answer& a, std::string body,
                                   const std::string& model) {
  upstream::Request req;
  req.body = std::move(body);
  req.model = model;
  req.stream = true;
  a.model = model;
  UpstreamTimer timer(app.metrics(), model);
  upstream::EventSink sink = [&](const upstream::SseEvent& e) -> awaitable<bool> {
    if (e.event == "ping") co_return true;
    timer.on_event(e.event);
    if (e.event == "message_start" || e.event == "message_delta") {
      upstream::read_answer(e.data, a.usage, &a.model);
    } else {
      auto j = json::parse(e.data, nullptr, false);
      if (j.is_discarded()) co_return true;  // tolerate what we do not understand
      if (e.event == "content_block_delta" && j.contains("delta") && j["delta"].value("type", "") == "text_delta") {
        co_await add_text(app, scope, sse, a, j["delta"].value("text", ""));
      } else if (e.event == "message_stop") {
        a.completed = true;
      } else if (e.event == "error") {
        const auto& err = j.contains("error") ? j["error"] : j;
        a.error = ApiError::from_code("upstream.stream_error", "Claude reported an error mid-answer: " + err.value("type", "error"));
      }
    }
    // Touch the answer often enough that readers can tell a live stream from a dead one.
    if (Clock::now() - a.last_persist >= app.config().stream_stale_after / 3)
      co_await persist(app, scope, a, store::MessageStatus::streaming);
    co_return true;  // even when the client has gone: finish, so the answer is stored whole
  };
  auto response = co_await app.upstream()->stream(req, sink);
  timer.finish(response);
  if (!response.model.empty() && a.model.empty()) a.model = response.model;
  if (response.error && !a.error) a.error = ApiError::from_code(response.error->code, response.error->message);
  if (!response.error && response.status >= 400 && !a.error)
    a.error = ApiError::from_code("upstream.rejected", "Claude refused the request (HTTP " + std::to_string(response.status) + ")");
  if (response.stream_completed) a.completed = true;
}

awaitable<void> stream_offline(App& app, const store::Scope& scope, SseStream& sse, Answer& a, const RouteDecision& route,
                               const CoachRequest& c, const AgentProfile& profile) {
  a.offline = true;
  a.model = "offline-playbooks";
  const std::string text = offline_answer(route, c.query, profile, c.lead, app.policy());
  // Word-sized pieces, so clients render it the way they render Claude.
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = std::min(text.size(), start + 48);
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;  // whole code points
    co_await add_text(app, scope, sse, a, std::string_view(text).substr(start, end - start));
    start = end;
  }
  a.completed = true;
}

}  // namespace

// ---- [3] POST /v1/coach ------------------------------------------------------------------------

namespace {
awaitable<void> resume(App& app, Exchange& ex, const Principal& p, const std::string& last_event_id);

awaitable<void> coach(App& app, Exchange& ex, const Principal& p) {
  if (auto last = ex.header("last-event-id"); !last.empty()) {
    co_await resume(app, ex, p, std::string(last));
    co_return;
  }
  auto body = co_await read_json_body(app, ex, 256 * 1024);
  if (!body) co_return;
  Errors errors;
  auto request = read_request(*body, p, errors);
  if (!request) { co_await app.fail(ex, errors); co_return; }
  CoachRequest& c = *request;
  const store::Scope scope = p.scope;

  auto query_2 = [&app, scope, id = c.agent_id] { return app.store().profiles().get(scope, id); };
  auto profile = co_await app.blocking(query_2);
  if (!profile) { co_await app.fail(ex, profile.errors()); co_return; }
  if (!profile.value()) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no profile " + c.agent_id + " in this location; create it first"));
    co_return;
  }
  const AgentProfile agent = *profile.value();

  if (c.conversation_id.empty())
    c.conversation_id = !c.lead.id.empty() ? conversation_id(scope.location_id, c.agent_id, c.lead.id) : random_conversation_id();
  store::Conversation wanted;
  wanted.id = c.conversation_id;
  wanted.location_id = scope.location_id;
  wanted.agent_id = c.agent_id;
  wanted.lead_id = c.lead.id;
  wanted.stage = c.stage.value_or(ConversationStage::new_lead);
  auto query_3 = [&app, scope, wanted] { return app.store().transcript().open_conversation(scope, wanted); };
  auto conversation = co_await app.blocking(query_3);
  if (!conversation) { co_await app.fail(ex, conversation.errors()); co_return; }
  if (p.browser() && conversation->agent_id != c.agent_id) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no conversation " + c.conversation_id + " for this agent"));
    co_return;
  }
  const ConversationStage stage = c.stage.value_or(conversation->stage);

  auto query_4 = [&app, scope, id = c.conversation_id, after = conversation->summary_through_seq] {
    return app.store().transcript().list_messages(scope, id, after, 400);
  };
  auto messages = co_await app.blocking(query_4);
  if (!messages) { co_await app.fail(ex, messages.errors()); co_return; }

  const auto [spent, monthly] = co_await app.budget_state(scope);
  PromptRequest pr;
  pr.profile = agent;
  pr.lead = c.lead;
  pr.stage = stage;
  pr.query = c.query;
  pr.summary = conversation->summary;
  std::vector<std::int64_t> seqs;
  for (const auto& m : messages.value()) {
    if (m.status == store::MessageStatus::failed || (m.role != "user" && m.role != "assistant")) continue;
    pr.history.push_back({m.role == "user" ? TurnRole::user : TurnRole::assistant, m.content});
    seqs.push_back(m.seq);
  }
  pr.specialist = c.specialist;
  pr.tier = c.tier;
  if (monthly > 0) pr.budget = Budget{monthly, spent};
  pr.stream = true;
  for (std::size_t t = 0; t < pr.tier_models.size(); ++t) pr.tier_models[t] = app.model_for(static_cast<ModelTier>(t));
  BuiltPrompt built = build_prompt(pr, app.policy());
  RouteDecision& route = built.route;

  if (c.client_route.is_object()) {  // the browser's preview is never trusted, only compared
    const bool same_policy = c.client_route.value("policy_version", "") == route.policy_version;
    const bool same = c.client_route.value("specialist", "") == name_of(route.specialist) &&
                      c.client_route.value("tier", "") == name_of(route.tier);
    app.metrics().count(same ? "porchlight_route_match_total" : "porchlight_route_mismatch_total",
                        {{"policy", same_policy ? "same" : "different"}});
  }

  // Limits count against the agent being coached, however the caller named it.
  Principal for_agent = p;
  for_agent.agent_id = c.agent_id;
  const auto admitted = co_await app.admit(ex, for_agent, route.estimated_input_tokens + route.estimated_output_tokens);
  if (!admitted) co_return;

  // The agent's turn is durable before anything is asked of Claude.
  store::Message user;
  user.conversation_id = c.conversation_id;
  user.location_id = scope.location_id;
  user.role = "user";
  user.content = c.query;
  user.status = store::MessageStatus::complete;
  user.surface = c.surface;
  auto query_5 = [&app, scope, user] { return app.store().transcript().append_message(scope, user); };
  auto stored_user = co_await app.blocking(query_5);
  if (!stored_user) { co_await app.fail(ex, stored_user.errors()); co_return; }

  Answer a;
  a.message.conversation_id = c.conversation_id;
  a.message.location_id = scope.location_id;
  a.message.role = "assistant";
  a.message.status = store::MessageStatus::streaming;
  a.message.surface = c.surface;
  a.message.specialist = std::string(name_of(route.specialist));
  a.message.model = route.model;
  a.message.event_id = new_id("evt_");
  auto query_6 = [&app, scope, m = a.message] { return app.store().transcript().append_message(scope, m); };
  auto stored_answer = co_await app.blocking(query_6);
  if (!stored_answer) { co_await app.fail(ex, stored_answer.errors()); co_return; }
  a.message = stored_answer.value();

  // Fold what the context window folded into the conversation's summary, so later turns read
  // fewer messages; the summary changes once per chunk of turns (see porchlight/context.hpp).
  if (built.context.first_kept > 0 && built.context.first_kept <= seqs.size()) {
    const std::int64_t through = seqs[built.context.first_kept - 1];
    auto query_7 = [&app, scope, id = c.conversation_id, stage, summary = built.context.summary, through] {
      return app.store().transcript().update_conversation(scope, id, stage, summary, through);
    };
    co_await app.blocking(query_7);
  } else if (stage != conversation->stage) {
    auto query_8 = [&app, scope, id = c.conversation_id, stage, summary = conversation->summary,
                           through = conversation->summary_through_seq] {
      return app.store().transcript().update_conversation(scope, id, stage, summary, through);
    };
    co_await app.blocking(query_8);
  }

  SseStream& sse = *co_await ex.start_sse();
  const bool claude = app.upstream() && !app.upstream()->circuit_open(route.model);
  json route_json = porchlight::to_json(route);
  route_json["offline"] = !claude;
  co_await sse.send("meta", JSON_OBJ({{"conversation_id", c.conversation_id}, {"user_message_id", stored_user->id},
                                 {"message_id", a.message.id}, {"event_id", a.message.event_id},
                                 {"request_id", ex.request_id()}}).dump(), event_id(a));
  co_await sse.send("route", route_json.dump(), event_id(a));

  if (claude) co_await stream_from_claude(app, scope, sse, a, std::move(built.body), route.model);
  if (!claude || (a.text.empty() && a.error)) {
    if (a.error)
      co_await sse.send("notice", JSON_OBJ({{"code", a.error->code}, {"message", "Claude is unavailable; answering from the playbooks"}}).dump());
    a.error.reset();
    co_await stream_offline(app, scope, sse, a, route, c, agent);
  }

  // Finalize: usage, cost, status; then the ledger and the coaching event.
  const auto latency = static_cast<std::int64_t>(ms_since(a.started));
  a.message.model = a.model;
  a.message.latency_ms = latency;
  const double cost = a.offline ? 0 : app.price(a.usage, a.model);
  a.message.cost_usd = cost;
  const auto final_status = a.completed && !a.error ? store::MessageStatus::complete : store::MessageStatus::incomplete;
  const bool saved = co_await persist(app, scope, a, final_status);

  if (!a.offline) {  // queued, and kept while the store is down, like /v1/messages' usage
    store::UsageRecord u;
    u.agent_id = c.agent_id;
    u.request_id = ex.request_id();
    u.kind = "coach";
    u.model = a.model;
    u.usage = a.usage;
    u.cost_usd = cost;
    app.account(for_agent, *admitted, std::move(u));
  } else {
    app.release(for_agent, *admitted);  // the playbooks answered: no tokens spent
  }
  CoachingEvent event;
  event.id = a.message.event_id;
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
  auto query_10 = [&app, scope, event] { return app.store().coaching_history().record(scope, event); };
  co_await app.blocking(query_10);

  for (const auto& card : guidance_cards(agent, c.lead, stage, route, a.text, app.today(), app.policy()))
    co_await sse.send("card", card.dump(-1, ' ', false, json::error_handler_t::replace), event_id(a));
  co_await sse.send("usage", JSON_OBJ({{"model", a.model}, {"offline", a.offline}, {"usage", porchlight::to_json(a.usage)},
                                  {"cost_usd", round_usd(cost)}, {"latency_ms", latency},
                                  {"ttft_ms", static_cast<std::int64_t>(std::max(0.0, a.ttft_ms))}}).dump(), event_id(a));
  if (a.error) co_await sse.send("error", JSON_OBJ({{"type", a.error->type}, {"code", a.error->code}, {"message", a.error->message}}).dump());
  if (!saved)
    co_await sse.send("error", JSON_OBJ({{"type", "overloaded_error"}, {"code", "store.unavailable"},
                                    {"message", "the end of this answer could not be saved; it may be incomplete after a reload"}}).dump());
  co_await sse.send("done", JSON_OBJ({{"status", store::to_string(saved ? final_status : store::MessageStatus::incomplete)},
                                 {"message_id", a.message.id}, {"event_id", a.message.event_id},
                                 {"conversation_id", c.conversation_id}}).dump(), event_id(a));
  co_await sse.finish();
}

// ---- [4] resume --------------------------------------------------------------------------------

std::int64_t epoch_ms(const std::string& rfc3339) {
  std::int64_t days;
  if (rfc3339.size() < 19 || !parse_civil_date(rfc3339.substr(0, 10), days)) return 0;
  auto num = [&](std::size_t at) { return (rfc3339[at] - '0') * 10 + (rfc3339[at + 1] - '0'); };
  std::int64_t ms = ((days * 24 + num(11)) * 60 + num(14)) * 60000 + num(17) * 1000;
  if (rfc3339.size() > 23 && rfc3339[19] == '.') ms += (rfc3339[20] - '0') * 100 + (rfc3339[21] - '0') * 10 + (rfc3339[22] - '0');
  return ms;
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

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
    auto query_11 = [&app, scope = p.scope, cid = first.value()->conversation_id] {
      return app.store().transcript().get_conversation(scope, cid);
    };
    auto conv = co_await app.blocking(query_11);
    if (!conv || !conv.value() || conv.value()->agent_id != p.agent_id) {
      co_await app.fail(ex, ApiError::from_code("not_found", "no answer " + id + " for this agent"));
      co_return;
    }
  }
  store::Message m = *first.value();
  SseStream& sse = *co_await ex.start_sse();
  co_await sse.send("meta", JSON_OBJ({{"conversation_id", m.conversation_id}, {"message_id", m.id}, {"event_id", m.event_id},
                                 {"resumed_from", offset}, {"request_id", ex.request_id()}}).dump());
  net::steady_timer timer(co_await net::this_coro::executor);
  const auto deadline = Clock::now() + std::chrono::minutes(10);
  for (;;) {
    if (m.content.size() > offset) {
      std::size_t end = m.content.size();
      co_await sse.send("delta", JSON_OBJ({{"text", m.content.substr(offset, end - offset)}}).dump(-1, ' ', false, json::error_handler_t::replace),
                        m.id + ":" + std::to_string(end));
      offset = end;
    }
    if (m.status != store::MessageStatus::streaming) break;
    if (now_ms() - epoch_ms(m.updated_at) > app.config().stream_stale_after.count() || Clock::now() > deadline) {
      // Nobody is writing this answer any more (its proxy died): it ends here, incomplete.
      m.status = store::MessageStatus::incomplete;
      auto query_12 = [&app, scope = p.scope, m] { return app.store().transcript().update_message(scope, m); };
      co_await app.blocking(query_12);
      break;
    }
    timer.expires_after(std::chrono::milliseconds(250));
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    auto next = co_await app.blocking(load);
    if (!next || !next.value()) break;
    m = *next.value();
  }
  if (m.status == store::MessageStatus::complete)
    co_await sse.send("usage", JSON_OBJ({{"model", m.model}, {"usage", porchlight::to_json(m.usage)}, {"cost_usd", round_usd(m.cost_usd)},
                                    {"latency_ms", m.latency_ms}}).dump());
  else
    co_await sse.send("error", JSON_OBJ({{"type", "api_error"}, {"code", "upstream.interrupted"},
                                    {"message", "this answer was interrupted; what was received is shown"}}).dump());
  co_await sse.send("done", JSON_OBJ({{"status", store::to_string(m.status)}, {"message_id", m.id}, {"event_id", m.event_id},
                                 {"conversation_id", m.conversation_id}}).dump(), m.id + ":" + std::to_string(offset));
  co_await sse.finish();
}

// ---- [5] feedback, outcomes, transcripts, usage, analytics -------------------------------------

// The coaching event, if the principal may see it (browsers: their own agent's only).
awaitable<std::optional<CoachingEvent>> visible_event(App& app, Exchange& ex, const Principal& p, const std::string& id) {
  auto query_13 = [&app, scope = p.scope, id] { return app.store().coaching_history().get(scope, id); };
  auto e = co_await app.blocking(query_13);
  if (!e) { co_await app.fail(ex, e.errors()); co_return std::nullopt; }
  if (!e.value() || (p.browser() && e.value()->agent_id != p.agent_id)) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no coaching event " + id + " here"));
    co_return std::nullopt;
  }
  co_return e.value();
}

// An optional integer query parameter: true when absent (out unchanged) or valid.
bool parse_count(const std::string& text, std::int64_t min, std::int64_t max, std::int64_t& out) {
  if (text.empty()) return true;
  if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) return false;
  const std::int64_t v = std::stoll(text);
  if (v < min || v > max) return false;
  out = v;
  return true;
}

bool valid_day(const std::string& d) {
  std::int64_t days;
  return parse_civil_date(d, days);
}

}  // namespace

void register_coach_routes(App& app) {
  app.add(http::verb::post, "/v1/coach", Access::agent,
          [&app](Exchange& ex, const Principal* p) -> awaitable<void> { co_await coach(app, ex, *p); }, 256 * 1024);

  app.add(http::verb::get, "/v1/coach/resume", Access::agent, [&app](Exchange& ex, const Principal* p) -> awaitable<void> {
    std::string last(ex.header("last-event-id"));
    if (last.empty()) last = ex.query_param("last_event_id");
    co_await resume(app, ex, *p, last);
  });

  app.add(http::verb::post, "/v1/feedback", Access::agent, [&app](Exchange& ex, const Principal* p) -> awaitable<void> {
    auto body = co_await read_json_body(app, ex, 16 * 1024);
    if (!body) co_return;
    Errors errors;
    FieldReader r(*body, "feedback", "", errors);
    r.reject_unknown({"event_id", "rating", "comment", "outcome"});
    auto id = r.id("event_id", Need::required);
    auto rating = r.enumeration<Feedback>("rating", Need::optional);
    auto outcome = r.enumeration<Outcome>("outcome", Need::optional);
    auto comment = r.string("comment", Need::optional, 2000, true);
    if (!rating && !outcome && errors.empty()) r.add("missing_rating", "rating", "give a rating (helpful, not_helpful) or an outcome");
    if (!errors.empty()) { co_await app.fail(ex, errors); co_return; }
    if (!co_await visible_event(app, ex, *p, *id)) co_return;
    if (rating) {
      auto query_14 = [&app, scope = p->scope, id = *id, f = *rating, c = comment.value_or("")] {
        return app.store().coaching_history().set_feedback(scope, id, f, c);
      };
      auto ok = co_await app.blocking(query_14);
      if (!ok) { co_await app.fail(ex, ok.errors()); co_return; }
    }
    if (outcome) {
      auto query_15 = [&app, scope = p->scope, id = *id, o = *outcome] { return app.store().coaching_history().set_outcome(scope, id, o); };
      auto ok = co_await app.blocking(query_15);
      if (!ok) { co_await app.fail(ex, ok.errors()); co_return; }
    }
    app.metrics().count("porchlight_feedback_total", {{"rating", rating ? std::string(name_of(*rating)) : "none"}});
    co_await app.send_json(ex, 200, JSON_OBJ({{"event_id", *id}, {"rating", rating ? name_of(*rating) : "none"},
                                     {"outcome", outcome ? name_of(*outcome) : "unchanged"}, {"saved", true}}));
  });

  app.add(http::verb::get, "/v1/conversations/*/messages", Access::agent, [&app](Exchange& ex, const Principal* p) -> awaitable<void> {
    const std::string id = ex.params[0];
    auto query_16 = [&app, scope = p->scope, id] { return app.store().transcript().get_conversation(scope, id); };
    auto conv = co_await app.blocking(query_16);
    if (!conv) { co_await app.fail(ex, conv.errors()); co_return; }
    if (!conv.value() || (p->browser() && conv.value()->agent_id != p->agent_id)) {
      co_await app.fail(ex, ApiError::from_code("not_found", "no conversation " + id + " here"));
      co_return;
    }
    std::int64_t after = 0, limit = 200;
    if (!parse_count(ex.query_param("after"), 0, INT64_MAX, after) || !parse_count(ex.query_param("limit"), 1, 500, limit)) {
      co_await app.fail(ex, ApiError::from_code("request.invalid_query", "after and limit must be integers (limit 1-500)"));
      co_return;
    }
    auto query_17 = [&app, scope = p->scope, id, after, limit] { return app.store().transcript().list_messages(scope, id, after, limit); };
    auto list = co_await app.blocking(query_17);
    if (!list) { co_await app.fail(ex, list.errors()); co_return; }
    json data = json::array();
    for (const auto& m : list.value()) {
      json item = to_json(m);
      if (m.status == store::MessageStatus::streaming && now_ms() - epoch_ms(m.updated_at) > app.config().stream_stale_after.count())
        item["status"] = "incomplete";  // its proxy stopped writing it
      data.push_back(std::move(item));
    }
    co_await app.send_json(ex, 200, JSON_OBJ({{"conversation", to_json(*conv.value())}, {"data", data}}));
  });

  // Usage for a period: per agent, model and day, with totals and the month's budget.
  app.add(http::verb::get, "/v1/usage", Access::agent, [&app](Exchange& ex, const Principal* p) -> awaitable<void> {
    std::string from = ex.query_param("from"), to = ex.query_param("to");
    if (to.empty()) to = app.today();
    if (from.empty()) from = to.substr(0, 8) + "01";
    if (!valid_day(from) || !valid_day(to)) {
      co_await app.fail(ex, ApiError::from_code("request.invalid_query", "from and to are dates as YYYY-MM-DD"));
      co_return;
    }
    auto query_18 = [&app, scope = p->scope, from, to] {
      app.flush_usage();  // answered requests whose usage is still queued count too
      return app.store().analytics().usage_by_agent(scope, from, to);
    };
    auto rows = co_await app.blocking(query_18);
    if (!rows) { co_await app.fail(ex, rows.errors()); co_return; }
    json data = json::array();
    double total = 0;
    std::int64_t requests = 0;
    for (const auto& r : rows.value()) {
      if (p->browser() && r.agent_id != p->agent_id) continue;
      data.push_back({{"day", r.day}, {"agent_id", r.agent_id}, {"model", r.model}, {"requests", r.requests},
                      {"input_tokens", r.input_tokens}, {"output_tokens", r.output_tokens},
                      {"cache_read_tokens", r.cache_read_tokens}, {"cache_write_tokens", r.cache_write_tokens},
                      {"cost_usd", round_usd(r.cost_usd)}});
      total += r.cost_usd;
      requests += r.requests;
    }
    const auto [spent, monthly] = co_await app.budget_state(p->scope);
    co_await app.send_json(ex, 200, JSON_OBJ({{"from", from}, {"to", to}, {"data", data},
                                     {"totals", {{"requests", requests}, {"cost_usd", round_usd(total)}}},
                                     {"budget", {{"monthly_usd", monthly}, {"spent_this_month_usd", round_usd(spent)}}}}));
  });

  // Analytics for the dashboard (secret keys and admin sessions): coaching effectiveness by
  // guidance type and variant per day, usage per agent, latency percentiles.
  app.add(http::verb::get, "/v1/analytics", Access::secret, [&app](Exchange& ex, const Principal* p) -> awaitable<void> {
    std::string from = ex.query_param("from"), to = ex.query_param("to");
    if (to.empty()) to = app.today();
    if (from.empty()) from = to.substr(0, 8) + "01";
    if (!valid_day(from) || !valid_day(to)) {
      co_await app.fail(ex, ApiError::from_code("request.invalid_query", "from and to are dates as YYYY-MM-DD"));
      co_return;
    }
    auto query_19 = [&app, scope = p->scope, from, to] { return app.store().analytics().effectiveness(scope, from, to); };
    auto eff = co_await app.blocking(query_19);
    auto query_20 = [&app, scope = p->scope, from, to] {
      app.flush_usage();  // answered requests whose usage is still queued count too, as in /v1/usage
      return app.store().analytics().usage_by_agent(scope, from, to);
    };
    auto use = co_await app.blocking(query_20);
    auto query_21 = [&app, scope = p->scope, from, to] { return app.store().analytics().latencies_ms(scope, from, to); };
    auto lat = co_await app.blocking(query_21);
    if (!eff || !use || !lat) {
      const Errors errors = !eff ? eff.errors() : !use ? use.errors() : lat.errors();
      co_await app.fail(ex, errors);
      co_return;
    }
    json effectiveness = json::array();
    for (const auto& r : eff.value())
      effectiveness.push_back({{"day", r.day}, {"guidance_type", r.guidance_type}, {"approach_variant", r.approach_variant},
                               {"events", r.events}, {"helpful", r.helpful}, {"not_helpful", r.not_helpful}});
    json usage = json::array();
    for (const auto& r : use.value())
      usage.push_back({{"day", r.day}, {"agent_id", r.agent_id}, {"model", r.model}, {"requests", r.requests},
                       {"input_tokens", r.input_tokens}, {"output_tokens", r.output_tokens},
                       {"cache_read_tokens", r.cache_read_tokens}, {"cost_usd", round_usd(r.cost_usd)}});
    auto l = lat.value();
    std::sort(l.begin(), l.end());
    auto pct = [&](double q) -> std::int64_t { return l.empty() ? 0 : l[std::min(l.size() - 1, static_cast<std::size_t>(q * static_cast<double>(l.size())))]; };
    co_await app.send_json(ex, 200, JSON_OBJ({{"from", from}, {"to", to}, {"effectiveness", effectiveness}, {"usage", usage},
                                     {"latency_ms", {{"count", l.size()}, {"p50", pct(0.5)}, {"p90", pct(0.9)}, {"p99", pct(0.99)}}}}));
  });
}

}  // namespace porchlight::proxy
