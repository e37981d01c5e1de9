// handlers/messages.cpp: the Anthropic-compatible endpoints for server callers with a secret key:
// POST /v1/messages, POST /v1/messages/count_tokens, GET /v1/models and GET /v1/models/{id}. With
// the proxy as their base URL, the official SDKs work unchanged (create, streaming, tool use, token
// counting, the model list).
//
// Pass-through: the caller's body goes upstream as sent, except that with the header
// `x-porchlight-agent: <agent id>` the agent's coaching context (house rules, the routed
// specialist's playbook, the adaptation to the agent) is put before the caller's system prompt.
// Limits and budgets apply; usage is recorded with its cost.

#include <boost/range/iterator_range.hpp>

#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "log.hpp"
#include "porchlight/context.hpp"
#include "porchlight/cost.hpp"
#include "porchlight/prompt.hpp"
#include "porchlight/json_output.hpp"
#include "upstream/answer.hpp"

namespace porchlight::proxy {

namespace {


// The body as it goes upstream: the caller's keys in the caller's order (a JSON schema's
// properties or a tool's input are read by the model in that order), so edits are made on an
// order-keeping copy and an unedited body goes as its bytes.
using WireJson = nlohmann::ordered_json;

// The caller's cache breakpoints: how many, and whether any after the tools asks for an hour (a
// breakpoint we put before it must then ask for an hour too: longer lifetimes come first).
struct Breakpoints {
  int count = 0;
  bool tools_5m = false;    // a tool's breakpoint with the default lifetime
  bool later_1h = false;    // a system or message breakpoint with ttl "1h"
};

Breakpoints breakpoints_of(const json& body) {
  Breakpoints b;
  auto scan = [&](const json& blocks, bool tools) {
    if (!blocks.is_array()) return;
    for (const auto& block : blocks) {
      if (!block.is_object() || !block.contains("cache_control")) continue;
      ++b.count;
      const json& cc = block["cache_control"];
      const bool hour = cc.is_object() && cc.value("ttl", "") == "1h";
      if (tools && !hour) b.tools_5m = true;
      if (!tools && hour) b.later_1h = true;
    }
  };
  if (body.contains("tools")) scan(body["tools"], true);
  if (body.contains("system")) scan(body["system"], false);
  if (body.contains("messages") && body["messages"].is_array())
    for (const auto& m : body["messages"])
      if (m.is_object() && m.contains("content")) scan(m["content"], false);
  return b;
}

// Puts the agent's coaching context before the caller's system prompt (`read` is the same body,
// parsed for reading).
void inject_agent(WireJson& wire, const json& read, const AgentProfile& agent, const Policy& policy) {
  std::string query = last_user_text(read["messages"]);
  if (query.empty()) query = "(no text)";
  WireJson system = WireJson::array();
  for (auto& block : coaching_context(agent, query, policy))  // house rules, playbook, adaptation
    system.push_back({{"type", "text"}, {"text", std::move(block.text)}});
  if (wire.contains("system")) {
    if (wire["system"].is_string()) system.push_back({{"type", "text"}, {"text", wire["system"]}});
    else if (wire["system"].is_array()) for (const auto& b : wire["system"]) system.push_back(b);
  }
  wire["system"] = std::move(system);
  // One breakpoint after the injected context, if the caller left room (the API allows 4), with
  // the lifetime the caller's later breakpoints need.
  const Breakpoints b = breakpoints_of(read);
  if (b.count >= 4 || (b.later_1h && b.tools_5m)) return;
  WireJson cc = {{"type", "ephemeral"}};
  if (b.later_1h) cc["ttl"] = "1h";
  wire["system"][2]["cache_control"] = std::move(cc);
}

// Why a model is refused, naming the models that are priced.
std::string unpriced_message(const std::string& model, const Policy& policy) {
  auto priced = cost_of(Usage{}, model, policy);
  const std::string known = priced ? "" : priced.errors().front().message.substr(priced.errors().front().message.find("known models"));
  return "model: " + model.substr(0, 100) + " has no price in this proxy's price table, so its spend could not count "
         "against budgets; use a priced model (" + known + "), or ask the operator to set --unpriced-models highest";
}

// The headers the API reads: anthropic-version, and anthropic-beta (several lines joined by
// commas, as the API reads them).
std::vector<std::pair<std::string, std::string>> forwarded_headers(const Exchange& ex) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (auto v = ex.header("anthropic-version"); !v.empty()) headers.emplace_back("anthropic-version", std::string(v));
  std::string betas;
  for (const auto& field : boost::make_iterator_range(ex.request().equal_range("anthropic-beta")))
    if (!field.value().empty()) betas += (betas.empty() ? "" : ",") + std::string(field.value());
  if (!betas.empty()) headers.emplace_back("anthropic-beta", std::move(betas));
  return headers;
}

struct Forwarded {
  json body;         // for reading
  std::string wire;  // what goes upstream
  std::string model;
  bool stream = false;
  std::string agent_id;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Reads, checks and (with x-porchlight-agent) enriches the caller's request.
awaitable<std::optional<Forwarded>> prepare(App& app, Exchange& ex, const Principal& p, bool count_only) {
  if (!count_only && !app.ledger().writable()) {  // its usage could not be recorded: no unrecorded work
    co_await app.fail(ex, ApiError::from_code("store.unavailable", "the usage ledger cannot be written right now; retry shortly"));
    co_return std::nullopt;
  }
  json_input::ParseLimits limits;
  limits.max_bytes = app.config().max_body_bytes;
  limits.max_depth = 64;  // tool input schemas nest
  auto parsed = json_input::parse_untrusted(ex.request().body(), limits);
  if (!parsed) { co_await app.fail(ex, parsed.errors()); co_return std::nullopt; }
  Forwarded f;
  f.body = std::move(parsed).value();
  if (!f.body.is_object()) {
    co_await app.fail(ex, ApiError::from_code("request.not_object", "the request body must be a JSON object"));
    co_return std::nullopt;
  }
  // A field that is absent is request.missing_<field>; one of the wrong type, request.invalid_<field>.
  std::optional<ApiError> refused;
  if (!f.body.contains("model"))
    refused = ApiError::from_code("request.missing_model", "model: Field required");
  else if (!f.body["model"].is_string() || f.body["model"].get<std::string>().empty())
    refused = ApiError::from_code("request.invalid_model", "model: Input should be a non-empty string");
  else if (!f.body.contains("messages"))
    refused = ApiError::from_code("request.missing_messages", "messages: Field required");
  else if (!f.body["messages"].is_array())
    refused = ApiError::from_code("request.invalid_messages", "messages: Input should be a valid list");
  else if (!count_only && !f.body.contains("max_tokens"))
    refused = ApiError::from_code("request.missing_max_tokens", "max_tokens: Field required");
  else if (!count_only && !f.body["max_tokens"].is_number_integer())
    refused = ApiError::from_code("request.invalid_max_tokens", "max_tokens: Input should be a valid integer");
  if (refused) {
    co_await app.fail(ex, std::move(*refused));
    co_return std::nullopt;
  }
  if (f.body.contains("stream") && !f.body["stream"].is_boolean()) {
    co_await app.fail(ex, ApiError::from_code("request.invalid_stream", "stream: Input should be a valid boolean"));
    co_return std::nullopt;
  }
  f.model = f.body["model"];
  if (!count_only && !app.admission().priced(f.model)) {  // its spend could not be counted against any budget
    co_await app.fail(ex, ApiError::from_code("request.unpriced_model", unpriced_message(f.model, app.policy())));
    co_return std::nullopt;
  }
  if (!count_only && !cost_of(Usage{}, f.model, app.policy()))
    ex.response_headers.emplace_back("x-porchlight-priced-as", "highest-rates");
  f.stream = !count_only && f.body.value("stream", false);
  f.headers = forwarded_headers(ex);
  f.agent_id = p.agent_id;
  if (!f.agent_id.empty() && !is_valid_id(f.agent_id)) {
    co_await app.fail(ex, ApiError::from_code("request.invalid_agent", "x-porchlight-agent: '" + f.agent_id.substr(0, 64) +
                                                                          "' is not an agent id (1-64 of A-Z a-z 0-9 _ . : -)"));
    co_return std::nullopt;
  }
  std::optional<AgentProfile> agent;
  if (!f.agent_id.empty()) {
    auto query_1 = [&app, scope = p.scope, id = f.agent_id] { return app.store().profiles().get(scope, id); };
    auto profile = co_await app.blocking(query_1);
    if (!profile) { co_await app.fail(ex, profile.errors()); co_return std::nullopt; }
    if (!profile.value()) {
      co_await app.fail(ex, ApiError::from_code("not_found", "x-porchlight-agent: no profile " + f.agent_id + " in this location"));
      co_return std::nullopt;
    }
    agent = *profile.value();
  }
  // As sent, unless something must change: the agent's context, or a count's fields.
  const bool strip = count_only && (f.body.contains("stream") || f.body.contains("max_tokens"));
  if (!agent && !strip) {
    f.wire = ex.request().body();
    co_return f;
  }
  WireJson wire = WireJson::parse(ex.request().body());  // checked above: size, UTF-8, depth
  if (agent) inject_agent(wire, f.body, *agent, app.policy());
  if (count_only) {
    wire.erase("stream");
    wire.erase("max_tokens");
  }
  f.wire = wire.dump(-1, ' ', false, WireJson::error_handler_t::replace);
  co_return f;
}

// The API's own terms: the model the caller named or its error (no fallback model answers
// instead), a 429 or 5xx answer passed on at once for the caller's SDK to retry, and a
// non-streaming answer given the ten minutes the SDKs wait for one.
void pass_through(upstream::Request& request) {
  request.fallback = false;
  request.retry_answers = false;
  request.answer_timeout = std::chrono::minutes(10);
}

void settle(Ticket& ticket, const Exchange& ex, const Forwarded& f, const std::string& model, const Usage& usage) {
  store::UsageRecord u;
  u.agent_id = f.agent_id;
  u.request_id = ex.request_id();
  u.kind = "messages";
  u.model = model;
  u.usage = usage;
  ticket.settle(std::move(u));
}

// An HTTP error from the upstream goes back as it came (the SDK's error types read its body), with
// the headers a caller acts on: the upstream's request id and when to retry.
// The API refusing the proxy's own key (401, 403) is the operator's to fix, not the caller's: it
// would read as "your key is bad" to an SDK.
awaitable<void> send_upstream_answer(App& app, Exchange& ex, upstream::Response& r) {
  if (!r.request_id.empty()) ex.response_headers.emplace_back("x-upstream-request-id", r.request_id);
  if (r.status == 401 || r.status == 403) {
    log::write(log::Level::error, "the Claude API refused this proxy's Anthropic key (HTTP " + std::to_string(r.status) + ")");
    co_await app.fail(ex, ApiError::from_code("upstream.rejected", "the Claude API refused this proxy's Anthropic key (HTTP " +
                                                                       std::to_string(r.status) + "); the operator must fix it, your API key is fine"));
    co_return;
  }
  if (r.body.empty())
    r.body = ApiError::from_code("upstream.unavailable", "the upstream answered " + std::to_string(r.status) + " without a body")
                 .body(ex.request_id());
  // An error body is the upstream's words, passed on; should a gateway in front of the API echo
  // this proxy's key in one, the caller does not get it.
  if (const std::string& key = app.config().anthropic_api_key; r.status >= 400 && key.size() >= 8)
    for (std::size_t at; (at = r.body.find(key)) != std::string::npos;) r.body.replace(at, key.size(), "[redacted]");
  if (r.retry_after) {
    ex.response_headers.emplace_back("retry-after-ms", std::to_string(r.retry_after->count()));
    ex.response_headers.emplace_back("retry-after", std::to_string((r.retry_after->count() + 999) / 1000));
  }
  co_await ex.send(r.status, std::move(r.body));
}

// The tokens a content_block_delta carries: its text, partial tool input or thinking, not the
// event's JSON around them (which is several times larger than a short delta's text).
std::int64_t delta_tokens(std::string_view data) {
  const json e = json::parse(data, nullptr, false);
  if (!e.is_object() || !e.contains("delta") || !e["delta"].is_object()) return 0;
  std::int64_t tokens = 0;
  for (const char* field : {"text", "partial_json", "thinking"})
    if (auto it = e["delta"].find(field); it != e["delta"].end() && it->is_string()) tokens += estimate_tokens(it->get_ref<const std::string&>());
  return tokens;
}

// A request that reached no one's answer: the error, typed.
awaitable<void> fail_unanswered(App& app, Exchange& ex, upstream::Response& r) {
  if (r.error) co_await app.fail(ex, upstream_error(r));
  else if (r.status == 0) co_await app.fail(ex, ApiError::from_code("upstream.unavailable", "no answer"));
  else co_await send_upstream_answer(app, ex, r);
}

}  // namespace

awaitable<void> messages(App& app, Exchange& ex, const Principal& p) {
  auto prepared = co_await prepare(app, ex, p, false);
  if (!prepared) co_return;
  Forwarded& f = *prepared;
  TurnRequest turn;
  turn.request.body = std::move(f.wire);
  turn.request.model = f.model;
  turn.request.stream = f.stream;
  turn.request.headers = f.headers;
  pass_through(turn.request);
  // Bounded, so that a max_tokens near 2^63 cannot overflow the sum (the API refuses it anyway).
  const std::int64_t estimated = estimate_tokens(turn.request.body) + std::clamp<std::int64_t>(f.body.value("max_tokens", std::int64_t{0}), 0, std::int64_t{1} << 40);
  const Payer payer = Payer::of(p);
  Ticket ticket = co_await app.admission().admit(ex, payer, estimated);
  if (!ticket) { co_await app.fail(ex, ticket.refusal()); co_return; }

  Provider& provider = app.passthrough();
  if (provider.offline()) ex.response_headers.emplace_back("x-porchlight-offline", "true");  // labelled
  if (!f.stream) {
    TurnReply reply = co_await provider.send(std::move(turn));
    upstream::Response& r = reply.response;
    if (r.error) { co_await app.fail(ex, upstream_error(r)); co_return; }
    const bool answered = r.status == 200 && !reply.offline;
    Usage usage;
    if (answered) upstream::read_answer(r.body, usage);
    const std::string model = r.model.empty() ? f.model : r.model;
    co_await send_upstream_answer(app, ex, r);
    if (answered) settle(ticket, ex, f, model, usage);
    co_return;
  }

  SseStream* sse = nullptr;
  Usage usage;
  std::int64_t output_seen = 0;  // estimated from the deltas, for a stream the caller left
  std::string answered_model = f.model;
  upstream::EventSink sink = [&](const upstream::SseEvent& e) -> awaitable<bool> {
    if (!sse) sse = co_await ex.start_sse();
    if (e.event == "message_start" || e.event == "message_delta") upstream::read_answer(e.data, usage, &answered_model);
    else if (e.event == "content_block_delta") output_seen += delta_tokens(e.data);
    // The caller left: stop reading, which closes the upstream connection and ends the generation
    // (the API bills what it generated). Its usage is recorded below from what came.
    co_return co_await sse->send(e.event, e.data);
  };
  TurnReply reply = co_await provider.stream(std::move(turn), sink);
  upstream::Response& r = reply.response;
  if (!sse) {  // nothing streamed: an error before the first byte
    co_await fail_unanswered(app, ex, r);
    co_return;
  }
  if (r.error && !r.stream_completed && sse->open()) {  // cut mid-stream: tell the client in the API's own way
    // The detail (which host, which step) is the operator's, in the log; the caller learns the answer was cut.
    log::write(log::Level::warn, "/v1/messages " + ex.request_id() + ": " + r.error->message);
    co_await sse->send("error", JSON_OBJ({{"type", "error"},
                                          {"error", {{"type", "api_error"},
                                                     {"code", "upstream.interrupted"},
                                                     {"message", "the answer was cut off upstream before it ended; retry"}}},
                                          {"request_id", ex.request_id()}})
                                    .dump());
  }
  co_await sse->finish();
  // Cut before its message_delta (the caller left, or the stream broke): the output tokens counted
  // so far are the API's first figure; what was generated is at least what came.
  if (!r.stream_completed) usage.output_tokens = std::max(usage.output_tokens, output_seen);
  if (!reply.offline) settle(ticket, ex, f, answered_model, usage);
}

awaitable<void> count_tokens(App& app, Exchange& ex, const Principal& p) {
  auto prepared = co_await prepare(app, ex, p, true);
  if (!prepared) co_return;
  Forwarded& f = *prepared;
  {
    // A count is a request like any other for the request limits; it costs nothing, so the budget
    // does not apply and the one token admission takes goes back at once.
    const Payer payer = Payer::of(p);
    const Ticket ticket = co_await app.admission().admit(ex, payer, 1, Admission::Cost::free);
    if (!ticket) { co_await app.fail(ex, ticket.refusal()); co_return; }
  }
  TurnRequest turn;
  turn.request.path = "/v1/messages/count_tokens";
  turn.request.body = std::move(f.wire);
  turn.request.model = f.model;
  turn.request.headers = f.headers;
  pass_through(turn.request);
  TurnReply reply = co_await app.passthrough().send(std::move(turn));
  upstream::Response& r = reply.response;
  // Without Claude: the core's documented estimate, labelled as one.
  if (reply.offline) ex.response_headers.emplace_back("x-porchlight-estimate", "true");
  if (r.error) { co_await app.fail(ex, upstream_error(r)); co_return; }
  co_await send_upstream_answer(app, ex, r);
}

// The upstream's model list (or one model), as it answers: which models the key may use. A
// model the proxy has no price for is still refused by /v1/messages (request.unpriced_model).
awaitable<void> models(App& app, Exchange& ex, const Principal& p) {
  Provider& provider = app.passthrough();
  if (provider.offline()) {
    co_await app.fail(ex, ApiError::from_code("upstream.unavailable",
                                              "the model list comes from the Claude API, and this proxy has no Anthropic key"));
    co_return;
  }
  const Ticket ticket = co_await app.admission().admit(ex, Payer::of(p), 1, Admission::Cost::free);
  if (!ticket) { co_await app.fail(ex, ticket.refusal()); co_return; }
  TurnRequest turn;
  turn.request.get = true;
  turn.request.path = "/v1/models";
  if (!ex.params.empty()) {
    if (!is_valid_id(ex.params.front())) {
      co_await app.fail(ex, ApiError::from_code("not_found", "no model " + json_input::in_quotes(ex.params.front())));
      co_return;
    }
    turn.request.path += "/" + ex.params.front();
  } else {
    std::string query;
    for (const char* name : {"limit", "before_id", "after_id"}) {
      const std::string v = ex.query_param(name);
      if (v.empty()) continue;
      if (!is_valid_id(v)) {
        co_await app.fail(ex, ApiError::from_code("request.invalid_query", std::string(name) + ": expected an id or a number"));
        co_return;
      }
      query += (query.empty() ? "?" : "&") + std::string(name) + "=" + v;
    }
    turn.request.path += query;
  }
  turn.request.headers = forwarded_headers(ex);
  pass_through(turn.request);
  TurnReply reply = co_await provider.send(std::move(turn));
  upstream::Response& r = reply.response;
  if (r.error) { co_await app.fail(ex, upstream_error(r)); co_return; }
  co_await send_upstream_answer(app, ex, r);
}

}  // namespace porchlight::proxy
