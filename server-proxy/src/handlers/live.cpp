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
//   server -> {"type": "card", "push", "lead_id", "source", "card"} ... {"type": "cards_done", "push", ...}
//             cards pushed by the CRM's events (a lead texted: live/card_hub.hpp), at any time:
//             those waiting for the agent first, on connecting. A push id may arrive twice
//             (another tab, a reconnect); the surface shows it once.
//
// One writer: every frame goes through the session's outbox, so pushes and answers never
// interleave inside a batch.
//
// A suggestion from Claude is admitted and accounted like any other call: the location's budget
// and rate limits first, its usage to the ledger after (kind "live"); it is asked for only while
// the ledger can be written.

#include <deque>
#include <unordered_set>

#include <boost/beast/websocket.hpp>

#include "auth/scopes.hpp"
#include "auth/visibility.hpp"
#include "handlers/handlers.hpp"
#include "live/frames.hpp"
#include "live/suggestion.hpp"
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
constexpr std::size_t kMaxQueued = 1000;  // frames a slow reader may owe before it is dropped

std::string frame_text(const json& message) { return message.dump(-1, ' ', false, json::error_handler_t::replace); }

// The session's frames, written one at a time by one coroutine on the socket's executor.
class Outbox : public std::enable_shared_from_this<Outbox> {
 public:
  explicit Outbox(Ws& ws) : ws_(ws), wake_(ws.get_executor()), finished_(ws.get_executor()) {
    wake_.expires_at(net::steady_timer::time_point::max());
    finished_.expires_at(net::steady_timer::time_point::max());
  }

  // On the socket's executor. False once the socket failed or the reader fell too far behind.
  bool push(std::string frame) {
    if (closed_) return false;
    if (frames_.size() >= kMaxQueued) {
      close();
      return false;
    }
    frames_.push_back(std::move(frame));
    wake_.cancel();
    return true;
  }
  bool push(const json& message) { return push(frame_text(message)); }
  bool closed() const { return closed_; }

  // Pushed batches (by push id) this socket's client has not acknowledged yet: an ack of any
  // other id writes nothing. Bounded: past it, a batch simply comes again on the next connection.
  void pushed(const std::string& push) {
    if (unacked_.size() < kMaxQueued) unacked_.insert(push);
  }
  bool acknowledged(const std::string& push) { return unacked_.erase(push) > 0; }
  auto executor() { return wake_.get_executor(); }
  void close() {
    closed_ = true;
    wake_.cancel();
  }

  awaitable<void> run() {
    auto self = shared_from_this();
    running_ = true;
    while (!closed_) {
      if (frames_.empty()) {
        auto [ec] = co_await wake_.async_wait(kTuple);
        (void)ec;  // cancelled: there is work, or we are closing
        wake_.expires_at(net::steady_timer::time_point::max());
        continue;
      }
      std::string frame = std::move(frames_.front());
      frames_.pop_front();
      auto [ec, n] = co_await ws_.async_write(net::buffer(frame), kTuple);
      (void)n;
      if (ec) closed_ = true;
    }
    running_ = false;
    finished_.cancel();
  }

  // Closes and waits for a write in progress: the socket must outlive it.
  awaitable<void> drain() {
    close();
    while (running_) {
      auto [ec] = co_await finished_.async_wait(kTuple);
      (void)ec;
    }
  }

 private:
  Ws& ws_;
  net::steady_timer wake_, finished_;
  std::deque<std::string> frames_;
  std::unordered_set<std::string> unacked_;
  bool closed_ = false;
  bool running_ = false;
};

json error_frame(const std::string& code, const std::string& message) {
  return JSON_OBJ({{"type", "error"}, {"code", code}, {"message", message}});
}

// An event's refusal: `seq` ties it to the cards that follow.
json error_frame(const ApiError& e, std::int64_t seq) {
  json frame = JSON_OBJ({{"type", "error"}, {"seq", seq}, {"code", e.code}, {"message", e.message}});
  if (e.retry_after) frame["retry_after"] = e.retry_after->count();
  return frame;
}

// Sends before the outbox runs (authentication), then closes.
awaitable<void> refuse(Ws& ws, const std::string& code, const std::string& message, int close_code) {
  auto [ec, n] = co_await ws.async_write(net::buffer(frame_text(error_frame(code, message))), kTuple);
  (void)ec;
  (void)n;
  co_await ws.async_close(websocket::close_reason(static_cast<std::uint16_t>(close_code)), kTuple);
}

// Pushes the agent's waiting cards: stored while no socket held them, or pushed to a socket that
// closed before its client acknowledged them. Each stays waiting until acknowledged (or expired).
awaitable<void> send_waiting_cards(App& app, const store::Scope& scope, const std::string& agent_id, Outbox& out) {
  auto read = [&app, scope, agent_id] { return app.store().live_cards().waiting(scope, agent_id, now_rfc3339()); };
  auto waiting = co_await app.blocking(read);
  if (!waiting) co_return;  // the store is away: they wait for the next connection
  std::size_t sent = 0;
  for (const auto& card : waiting.value()) {
    auto batch = split_frames(card.card_json);
    if (!batch) continue;
    for (auto& f : batch->frames) out.push(std::move(f));
    out.pushed(card.id);  // its frames' push id
    ++sent;
  }
  if (sent) app.metrics().count("porchlight_live_pushes_total", {{"when", "on_connect"}}, static_cast<double>(sent));
}

// {"type":"ack","push"}: the client has the pushed batch; it is not sent to a later connection.
// Only a batch pushed to this socket and not acknowledged yet is written.
// Written with other small writes, behind the requests' (group commit): one per card at a
// thousand cards a second. Not written (the store is away): the card comes again, and the
// client knows its push id.
void acknowledge_push(App& app, const store::Scope& scope, const std::string& agent_id, std::string push, Outbox& out) {
  if (!out.acknowledged(push)) return;
  auto mark = [&app, scope, agent_id, push = std::move(push)]() -> awaitable<void> {
    const store::Store::Work delivered = [&](store::Store& tx) { return tx.live_cards().mark_delivered(scope, agent_id, {push}); };
    (void)co_await app.group_write(scope, delivered, store::GroupCommit::Lane::background);
  };
  net::co_spawn(out.executor(), std::move(mark), net::detached);
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
      co_await refuse(ws, "auth.missing_key", "the first message must be {\"type\":\"auth\",\"key\",\"agent_token\"}", 4401);
      co_return;
    }
    principal = co_await app.auth().check_credentials((*first).value("key", ""), (*first).value("agent_token", ""), origin,
                                               (*first).value("agent_id", ""), Access::agent);
  }
  if (principal && !key_allows(principal->key, "coach")) principal = scope_missing("coach");
  if (!principal) {
    co_await refuse(ws, principal.errors().front().code, principal.errors().front().message, 4401);
    co_return;
  }
  const Principal& p = principal.value();
  auto query_1 = [&app, scope = p.scope, id = p.agent_id] { return app.store().profiles().get(scope, id); };
  auto profile = co_await app.blocking(query_1);
  if (!profile || !profile.value()) {
    const std::string code = profile ? "not_found" : "store.unavailable";
    const std::string why = profile ? "no profile for agent " + p.agent_id : "cannot load the agent's profile; retry";
    co_await refuse(ws, code, why, 4404);
    co_return;
  }
  const AgentProfile agent = *profile.value();

  auto out = std::make_shared<Outbox>(ws);
  net::co_spawn(ws.get_executor(), out->run(), net::detached);
  // Pushes arrive on other threads: hand them to the socket's executor. A card stays waiting
  // until the client acknowledges it ({"type":"ack","push"}): a tab that closes as the card
  // arrives gets it on its next connection.
  auto subscription = app.card_hub().subscribe(
      p.scope.location_id, agent.id, [weak = std::weak_ptr<Outbox>(out), executor = ws.get_executor()](const std::string& frames) {
        net::post(executor, [weak, frames] {
          auto o = weak.lock();
          if (!o) return;
          auto batch = split_frames(frames);
          if (!batch || batch->frames.empty()) return;
          for (auto& f : batch->frames) o->push(std::move(f));
          if (!batch->push.empty()) o->pushed(batch->push);
        });
      });
  out->push(JSON_OBJ({{"type", "ready"}, {"agent_id", agent.id}, {"policy_version", app.policy().version()}}));
  app.metrics().count("porchlight_live_sessions_total", {});
  co_await send_waiting_cards(app, p.scope, agent.id, *out);

  Lead lead;
  ConversationStage stage = ConversationStage::new_lead;
  std::int64_t seq = 0;
  while (!out->closed()) {
    auto message = co_await read();
    if (!message) break;  // closed
    if (message->value("type", "") == "__invalid__") {
      out->push(error_frame("request.malformed_json", "frames are JSON objects of at most 256 KiB"));
      continue;
    }
    Errors errors;
    FieldReader r(*message, "live", "", errors);
    if (message->value("type", "") == "ack") {
      r.reject_unknown({"type", "push"});
      const auto push = r.string("push", Need::required, 160);  // another agent's, or unknown: changes nothing
      if (errors.empty()) acknowledge_push(app, p.scope, agent.id, *push, *out);
      else out->push(error_frame(errors.front().code, errors.front().message));
      continue;
    }
    r.reject_unknown({"type", "lead", "stage", "event"});
    const auto type = r.string("type", Need::required, 32);
    if (type && *type != "event") r.add("invalid_type", "type", "expected \"event\" or \"ack\"");
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
      out->push(error_frame(errors.front().code, errors.front().message));
      continue;
    }
    ++seq;
    RouteDecision route;
    Suggestion suggestion;
    if (kind == "lead_message" && !text.empty()) {
      SuggestionRequest sr{Payer::of(p), agent, lead, stage, text};
      suggestion = co_await suggest_reply(app, sr, route);
      if (suggestion.refused) out->push(error_frame(*suggestion.refused, seq));
    }
    const json cards = guidance_cards(agent, lead, stage, route, suggestion.text, app.today(), app.policy(), text);
    for (const auto& f : card_frames(cards.get<std::vector<json>>(), suggestion, JSON_OBJ({{"seq", seq}}))) out->push(f);
  }
  subscription.reset();
  co_await out->drain();
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
