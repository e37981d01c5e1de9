// handlers/live.cpp: GET /v1/live, the live-mode WebSocket. The surface sends conversation events
// as they happen (the lead's messages, stage changes, new facts); the proxy answers with guidance
// cards: the qualification checklist and deadlines at once (from the core), and, for a lead's
// message, a suggested next move from Claude's fast tier (or the playbooks when offline).
//
// Protocol (JSON text frames):
//   client -> {"type": "auth", "key": "pk_...", "agent_token": "..."}   (unless headers carried them)
//   server -> {"type": "ready", "agent_id", "conversation_id"?}
//   client -> {"type": "event", "lead": {...}, "stage"?, "event": {"kind": "lead_message"|
//              "agent_message"|"stage_change"|"facts", "text"?}}
//   server -> {"type": "card", "card": {...}} ...  then {"type": "cards_done", "seq"}
//   server -> {"type": "error", "seq"?, "code", "message", "retry_after"?}   (the connection stays open
//             unless auth failed; a lead's message refused by the limits or the budget, code
//             limits.* or budget.exhausted, still gets its cards, with the playbooks' suggestion)
//
// A suggestion from Claude is admitted and accounted like any other call: the location's budget
// and rate limits first, its usage to the ledger after (kind "live"); it is asked for only while
// the ledger can be written.

#include <boost/beast/websocket.hpp>

#include "auth/scopes.hpp"
#include "auth/visibility.hpp"
#include "handlers/handlers.hpp"
#include "upstream/answer.hpp"
#include "handlers/json_util.hpp"
#include "porchlight/json_input.hpp"
#include "porchlight/prompt.hpp"
#include "porchlight/qualify.hpp"
#include "porchlight/json_output.hpp"

namespace porchlight::proxy {

namespace {

using json_input::FieldReader;
using json_input::Need;
using Ws = websocket::stream<beast::tcp_stream>;
constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxFrame = 256 * 1024;

awaitable<bool> send(Ws& ws, const json& message) {
  auto [ec, n] = co_await ws.async_write(net::buffer(message.dump(-1, ' ', false, json::error_handler_t::replace)), kTuple);
  (void)n;
  co_return !ec;
}

awaitable<bool> send_error(Ws& ws, const std::string& code, const std::string& message) {
  co_return co_await send(ws, JSON_OBJ({{"type", "error"}, {"code", code}, {"message", message}}));
}

// An event's refusal: `seq` ties it to the cards that follow.
awaitable<bool> send_error(Ws& ws, const ApiError& e, std::int64_t seq) {
  json frame = JSON_OBJ({{"type", "error"}, {"seq", seq}, {"code", e.code}, {"message", e.message}});
  if (e.retry_after) frame["retry_after"] = e.retry_after->count();
  co_return co_await send(ws, frame);
}

struct Suggestion {
  std::string text;
  bool offline = true;              // the playbooks' text, not Claude's
  std::optional<ApiError> refused;  // the limits or the budget said no
};

// The text blocks of a Messages API answer.
std::string answer_text(const std::string& body) {
  std::string text;
  auto j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.contains("content") && j["content"].is_array())
    for (const auto& b : j["content"])
      if (b.is_object() && b.value("type", "") == "text" && b.contains("text") && b["text"].is_string())
        text += b["text"].get<std::string>();
  return text;
}

// A suggestion for what to do about the lead's latest message: from Claude's fast tier when the
// call can be admitted and its usage recorded, else from the playbooks.
awaitable<Suggestion> suggest(App& app, const Principal& p, const AgentProfile& agent, const Lead& lead,
                              ConversationStage stage, const std::string& lead_text, RouteDecision& route) {
  constexpr std::int64_t kMaxTokens = 300;
  Suggestion s;
  RouteRequest rr;
  rr.query = "The lead just wrote: \"" + lead_text + "\". What should I reply or do next?";
  rr.profile = agent;
  rr.stage = stage;
  rr.tier = ModelTier::fast;  // live cards must be quick and cheap
  route = porchlight::route(rr, app.policy());
  const std::string model = app.model_for(ModelTier::fast);

  PromptRequest pr;
  pr.profile = agent;
  pr.lead = lead;
  pr.stage = stage;
  pr.query = rr.query + " Answer in at most three short bullet points.";
  pr.tier = ModelTier::fast;
  json body = json::parse(build_prompt(pr, app.policy()).body);
  body["model"] = model;
  body["max_tokens"] = kMaxTokens;
  TurnRequest turn;
  turn.request.body = to_json_text(body);
  turn.request.model = model;
  turn.playbooks = PlaybookContext{route, rr.query, agent, lead};

  // Only a call that would reach Claude is admitted and paid for, and only while its usage can be
  // recorded; a refused one still gets the playbooks' suggestion.
  Provider* provider = &app.playbooks();
  std::optional<Ticket> ticket;
  if (app.provider().reaches_claude(model) && app.ledger().writable()) {
    const Payer payer = Payer::of(p);
    ticket.emplace(co_await app.admission().admit(payer, route.estimated_input_tokens + kMaxTokens));
    if (*ticket) provider = &app.provider();
    else s.refused = ticket->refusal();
  }
  TurnRequest again = turn;
  TurnReply reply = co_await provider->send(std::move(turn));
  if (!reply.offline && reply.response.status == 200) {
    store::UsageRecord u;
    u.agent_id = p.agent_id;
    u.request_id = new_id("req_live_");
    u.kind = "live";
    u.model = reply.response.model.empty() ? model : reply.response.model;
    upstream::read_answer(reply.response.body, u.usage);
    ticket->settle(std::move(u));
  }
  s.text = answer_text(reply.response.body);
  s.offline = reply.offline;
  if (s.text.empty() && !reply.offline) {  // Claude answered with no text: the playbooks' instead
    reply = co_await app.playbooks().send(std::move(again));
    s.text = answer_text(reply.response.body);
    s.offline = true;
  }
  co_return s;
}

awaitable<void> live_session(App& app, Exchange& ex) {
  const std::string origin(ex.header("origin"));
  const std::string header_key(ex.header("x-api-key"));
  const std::string header_token(ex.header("x-porchlight-agent-token"));
  const std::string agent_header(ex.header("x-porchlight-agent"));
  Connection& conn = ex.upgrade();
  Ws ws(std::move(conn.stream));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.read_message_max(kMaxFrame);
  auto [accept_ec] = co_await ws.async_accept(ex.request(), kTuple);
  if (accept_ec) co_return;

  beast::flat_buffer buffer;
  auto read = [&]() -> awaitable<std::optional<json>> {
    buffer.clear();
    auto [ec, n] = co_await ws.async_read(buffer, kTuple);
    (void)n;
    if (ec) co_return std::nullopt;
    auto parsed = json_input::parse_untrusted(beast::buffers_to_string(buffer.data()));
    if (!parsed || !parsed.value().is_object()) co_return json{{"type", "__invalid__"}};
    co_return std::move(parsed).value();
  };

  // Authenticate: headers (server clients) or the first frame (browsers cannot set headers).
  Result<Principal> principal = Error{"auth.missing_key", "", ""};
  if (!header_key.empty()) {
    principal = co_await app.auth().check_credentials(header_key, header_token, origin, agent_header, Access::agent);
  } else {
    auto first = co_await read();
    if (!first || first->value("type", "") != "auth") {
      co_await send_error(ws, "auth.missing_key", "the first message must be {\"type\":\"auth\",\"key\",\"agent_token\"}");
      co_await ws.async_close(websocket::close_reason(4401), kTuple);
      co_return;
    }
    principal = co_await app.auth().check_credentials((*first).value("key", ""), (*first).value("agent_token", ""), origin,
                                               (*first).value("agent_id", ""), Access::agent);
  }
  if (principal && !key_allows(principal->key, "coach")) principal = scope_missing("coach");
  if (!principal) {
    co_await send_error(ws, principal.errors().front().code, principal.errors().front().message);
    co_await ws.async_close(websocket::close_reason(4401), kTuple);
    co_return;
  }
  const Principal& p = principal.value();
  auto query_1 = [&app, scope = p.scope, id = p.agent_id] { return app.store().profiles().get(scope, id); };
  auto profile = co_await app.blocking(query_1);
  if (!profile || !profile.value()) {
    const std::string code = profile ? "not_found" : "store.unavailable";
    const std::string why = profile ? "no profile for agent " + p.agent_id : "cannot load the agent's profile; retry";
    co_await send_error(ws, code, why);
    co_await ws.async_close(websocket::close_reason(4404), kTuple);
    co_return;
  }
  const AgentProfile agent = *profile.value();
  if (!co_await send(ws, JSON_OBJ({{"type", "ready"}, {"agent_id", agent.id}, {"policy_version", app.policy().version()}}))) co_return;
  app.metrics().count("porchlight_live_sessions_total", {});

  Lead lead;
  ConversationStage stage = ConversationStage::new_lead;
  std::int64_t seq = 0;
  for (;;) {
    auto message = co_await read();
    if (!message) break;  // closed
    if (message->value("type", "") == "__invalid__") {
      if (!co_await send_error(ws, "request.malformed_json", "frames are JSON objects of at most 256 KiB")) break;
      continue;
    }
    Errors errors;
    FieldReader r(*message, "live", "", errors);
    r.reject_unknown({"type", "lead", "stage", "event"});
    const auto type = r.string("type", Need::required, 32);
    if (type && *type != "event") r.add("invalid_type", "type", "expected \"event\"");
    if (const json* l = r.object("lead", Need::optional)) {
      auto parsed = lead_from_json(*l, "lead");
      auto lead_id = parsed ? lead_for(p, parsed->id) : Result<std::string>(parsed.errors());
      if (lead_id) {
        lead = parsed.value();
        lead.id = lead_id.value();
      } else {
        errors.insert(errors.end(), lead_id.errors().begin(), lead_id.errors().end());
      }
    }
    if (auto s = r.enumeration<ConversationStage>("stage", Need::optional)) stage = *s;
    else if (lead.stage) stage = *lead.stage;
    std::string kind, text;
    if (const json* e = r.object("event", Need::required)) {
      FieldReader er(*e, "live", "event", errors);
      er.reject_unknown({"kind", "text"});
      if (auto k = er.string("kind", Need::required, 32)) kind = *k;
      if (auto t = er.string("text", Need::optional, 8000, true)) text = *t;
    }
    if (!errors.empty()) {
      if (!co_await send_error(ws, errors.front().code, errors.front().message)) break;
      continue;
    }
    ++seq;
    RouteDecision route;
    std::string answer;
    bool offline = true;
    if (kind == "lead_message" && !text.empty()) {
      Suggestion s = co_await suggest(app, p, agent, lead, stage, text, route);
      if (s.refused && !co_await send_error(ws, *s.refused, seq)) break;
      answer = std::move(s.text);
      offline = s.offline;
    }
    bool ok = true;
    for (const auto& card : guidance_cards(agent, lead, stage, route, answer, app.today(), app.policy())) {
      json c = card;
      if (c["type"] == "next_best_action" && !answer.empty()) {
        c["suggestion"] = answer;
        c["offline"] = offline;  // labelled: from the playbooks, not Claude
      }
      ok = co_await send(ws, JSON_OBJ({{"type", "card"}, {"seq", seq}, {"card", c}}));
      if (!ok) break;
    }
    if (!ok || !co_await send(ws, JSON_OBJ({{"type", "cards_done"}, {"seq", seq}}))) break;
  }
}

}  // namespace

// GET /v1/live: upgrades to the live-mode WebSocket (authenticated by its first frame).
awaitable<void> live(App& app, Exchange& ex, const Principal&) {
  if (!websocket::is_upgrade(ex.request())) {
    co_await app.fail(ex, ApiError::from_code("request.websocket_required", "GET /v1/live is a WebSocket endpoint"));
    co_return;
  }
  co_await live_session(app, ex);
}

}  // namespace porchlight::proxy
