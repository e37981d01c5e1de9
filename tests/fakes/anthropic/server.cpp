// server.cpp: listener, http_session, routing, SSE streaming and the control API.
//
// Sections:
//   helpers · shared state · responses · control API (/_fake/*) · Claude API (/v1/*) ·
//   http_session · listener
#include "server.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <iostream>
#include <variant>

#include "api_error.hpp"
#include "porchlight/context.hpp"

namespace porchlight::fake {

namespace {

// ---- Helpers ------------------------------------------------------------------------------------

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr int kMaxJsonDepth = 64;
constexpr std::size_t kLoggedBodyMax = 1024 * 1024;  // larger bodies are logged by their head only
constexpr std::size_t kLoggedBodyHead = 4096;
constexpr const char* kOrganizationId = "4b7c2f4e-5a1d-4c8e-9f3a-0d6b8e2a7c11";
constexpr auto kIdleTimeout = std::chrono::seconds(120);
constexpr auto kWriteTimeout = std::chrono::seconds(60);

using Request = http::request<http::string_body>;
using StringResponse = http::response<http::string_body>;

enum class After { keep_alive, close, cut };

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string http_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

std::string rfc3339(std::chrono::system_clock::time_point when, bool millis = false) {
  auto t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (millis) {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count() % 1000;
    char frac[8];
    std::snprintf(frac, sizeof frac, ".%03d", static_cast<int>(ms));
    out += frac;
  }
  return out + "Z";
}

bool json_depth_ok(std::string_view s, int max_depth) {
  int depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

// The body as JSON, or the typed 400 that says what is wrong with it.
std::variant<json, ApiError> parse_json_body(const std::string& body) {
  if (body.empty()) return invalid_request("The request body is empty; send a JSON object.");
  if (!json_depth_ok(body, kMaxJsonDepth))
    return invalid_request("The request body nests JSON deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels.");
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded())
    return invalid_request("The request body is not valid JSON. Send a JSON object encoded as UTF-8.");
  return parsed;
}

std::string path_of(std::string_view target) {
  auto q = target.find('?');
  return std::string(target.substr(0, q));
}

std::string header(const Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string() : std::string(it->value());
}

// Auth header values in the request log: the first 6 characters of the credential.
std::string redact(std::string_view name, std::string_view value) {
  if (name == "authorization" || name == "proxy-authorization") {
    auto space = value.find(' ');
    if (space != std::string_view::npos)
      return std::string(value.substr(0, space + 1)) + std::string(value.substr(space + 1, 6)) + "...";
  }
  return std::string(value.substr(0, 6)) + "...";
}

LoggedRequest log_entry(const http::request_header<>& req, const std::string* body, const std::string& request_id) {
  LoggedRequest entry{request_id, rfc3339(std::chrono::system_clock::now(), true), std::string(req.method_string()),
                      std::string(req.target()), {}, std::nullopt, 0, false};
  for (const auto& field : req) {
    std::string name = lower(field.name_string());
    std::string value(field.value());
    if (name == "x-api-key" || name == "authorization" || name == "proxy-authorization") value = redact(name, value);
    entry.headers.emplace_back(std::move(name), std::move(value));
  }
  if (body) {
    entry.body_bytes = body->size();
    entry.body_truncated = body->size() > kLoggedBodyMax;
    entry.body = entry.body_truncated ? body->substr(0, kLoggedBodyHead) : *body;
  }
  return entry;
}

}  // namespace

json LoggedRequest::to_json() const {
  json names = json::object();
  for (const auto& [name, value] : headers)
    names[name] = names.contains(name) ? names[name].get<std::string>() + ", " + value : value;
  json entry = {{"request_id", request_id}, {"time", time}, {"method", method}, {"path", path}, {"headers", names}};
  if (!body) {
    entry["body"] = nullptr;
    entry["body_too_large"] = true;
    return entry;
  }
  entry["body_bytes"] = body_bytes;
  if (body->empty()) {
    entry["body"] = nullptr;
  } else if (!body_truncated && json_depth_ok(*body, kMaxJsonDepth)) {
    json parsed = json::parse(*body, nullptr, false);
    entry["body"] = parsed.is_discarded() ? json(body->substr(0, kLoggedBodyHead)) : parsed;
  } else {
    entry["body"] = body->substr(0, kLoggedBodyHead);
    entry["body_truncated"] = true;
  }
  return entry;
}

namespace {

void record(SharedState& state, LoggedRequest entry) {
  state.requests.push_back(std::move(entry));
  while (state.requests.size() > kRequestLogSize) state.requests.pop_front();
}

net::awaitable<void> sleep_for(std::chrono::microseconds duration) {
  if (duration.count() <= 0) co_return;
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(duration);
  co_await timer.async_wait(use_tuple);
}

net::awaitable<void> sleep_ms(std::optional<std::int64_t> ms) {
  if (ms) co_await sleep_for(std::chrono::milliseconds(*ms));
}

std::chrono::microseconds pace(std::int64_t tokens, std::optional<double> tokens_per_second) {
  if (!tokens_per_second || tokens <= 0) return std::chrono::microseconds(0);
  return std::chrono::microseconds(
      static_cast<std::int64_t>(static_cast<double>(tokens) * 1e6 / *tokens_per_second));
}

}  // namespace

// ---- Shared state -------------------------------------------------------------------------------

void SharedState::reset() {
  script.clear();
  defaults = Behaviour{};
  requests.clear();
  cache.clear();
  clock_offset = std::chrono::seconds(0);
  // Live gauges survive a reset; counters start over.
  Stats fresh;
  fresh.active_streams = stats.active_streams;
  fresh.max_active_streams = stats.active_streams;
  fresh.active_connections = stats.active_connections;
  fresh.max_active_connections = stats.active_connections;
  stats = fresh;
}

json SharedState::stats_json() const {
  json by_status = json::object();
  for (const auto& [status, n] : stats.by_status) by_status[std::to_string(status)] = n;
  return {{"requests", stats.requests},
          {"by_path", stats.by_path},
          {"by_status", by_status},
          {"messages",
           {{"total", stats.messages},
            {"streaming", stats.streaming},
            {"non_streaming", stats.non_streaming},
            {"tool_use", stats.tool_use},
            {"streams_completed", stats.streams_completed},
            {"streams_aborted_by_client", stats.streams_aborted_by_client},
            {"active_streams", stats.active_streams},
            {"max_active_streams", stats.max_active_streams}}},
          {"count_tokens", stats.count_tokens},
          {"injected",
           {{"errors", stats.injected_errors},
            {"disconnects", stats.injected_disconnects},
            {"error_events", stats.injected_error_events}}},
          {"connections",
           {{"total", stats.connections},
            {"active", stats.active_connections},
            {"max_active", stats.max_active_connections}}},
          {"cache",
           {{"entries", cache.size()},
            {"reads", stats.cache_reads},
            {"writes", stats.cache_writes},
            {"read_tokens", stats.cache_read_tokens},
            {"write_tokens", stats.cache_write_tokens}}},
          {"tokens", {{"input", stats.input_tokens}, {"output", stats.output_tokens}}},
          {"script_remaining", script.size()},
          {"internal_errors", stats.internal_errors}};
}

namespace {

// ---- Responses ----------------------------------------------------------------------------------

struct Session {
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::shared_ptr<SharedState> state;
};

void common_headers(http::response_header<>& res, const std::string& request_id) {
  res.set("request-id", request_id);
  res.set(http::field::date, http_date());
  res.set("anthropic-organization-id", kOrganizationId);
}

void rate_limit_headers(http::response_header<>& res) {
  const std::string reset = rfc3339(std::chrono::system_clock::now() + std::chrono::seconds(1));
  res.set("anthropic-ratelimit-requests-limit", "4000");
  res.set("anthropic-ratelimit-requests-remaining", "3999");
  res.set("anthropic-ratelimit-requests-reset", reset);
  res.set("anthropic-ratelimit-input-tokens-limit", "2000000");
  res.set("anthropic-ratelimit-input-tokens-remaining", "2000000");
  res.set("anthropic-ratelimit-input-tokens-reset", reset);
  res.set("anthropic-ratelimit-output-tokens-limit", "400000");
  res.set("anthropic-ratelimit-output-tokens-remaining", "400000");
  res.set("anthropic-ratelimit-output-tokens-reset", reset);
}

StringResponse json_response(unsigned status, const json& body, unsigned version, bool keep_alive,
                             const std::string& request_id) {
  StringResponse res;
  res.version(version);
  res.result(status);
  if (status == 529) res.reason("Overloaded");
  res.set(http::field::content_type, "application/json");
  common_headers(res, request_id);
  res.keep_alive(keep_alive);
  res.body() = dump(body);
  res.prepare_payload();
  return res;
}

StringResponse error_response(const ApiError& error, unsigned version, bool keep_alive,
                              const std::string& request_id) {
  return json_response(static_cast<unsigned>(error.status), error_body(error, request_id), version,
                       keep_alive, request_id);
}

// Writes a response; `counted`: whether it goes into the stats (control API answers do not).
net::awaitable<After> send(Session& s, StringResponse res, bool counted = true) {
  if (counted) s.state->stats.by_status[static_cast<int>(res.result_int())]++;
  const bool keep = res.keep_alive();
  s.stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await http::async_write(s.stream, res, use_tuple);
  co_return ec ? After::close : (keep ? After::keep_alive : After::close);
}

// ---- Control API (/_fake/*) ---------------------------------------------------------------------

// Control requests never wait, so they are answered by a plain function.
StringResponse control_response(SharedState& state, const Request& req, const std::string& path,
                                const std::string& request_id) {
  const bool keep = req.keep_alive();
  auto ok = [&](const json& body) { return json_response(200, body, req.version(), keep, request_id); };
  auto fail = [&](const ApiError& e) { return error_response(e, req.version(), keep, request_id); };
  const auto method = req.method();

  if (path == "/_fake/health" && method == http::verb::get) return ok({{"ok", true}});
  if (path == "/_fake/stats" && method == http::verb::get) return ok(state.stats_json());
  if (path == "/_fake/requests" && method == http::verb::get) {
    json list = json::array();
    for (const auto& entry : state.requests) list.push_back(entry.to_json());
    return ok(list);
  }
  if (path == "/_fake/reset" && method == http::verb::post) {
    state.reset();
    return ok({{"reset", true}});
  }
  if (path == "/_fake/defaults" && method == http::verb::get) return ok(state.defaults.to_json());
  const bool with_body = path == "/_fake/script" || path == "/_fake/defaults" || path == "/_fake/clock";
  if (!with_body || method != http::verb::post) {
    return fail(ApiError{404,
                         "not_found_error",
                         "Unknown control endpoint " + std::string(req.method_string()) + " " + path +
                             "; expected POST /_fake/script, POST /_fake/defaults, GET /_fake/defaults, "
                             "POST /_fake/reset, POST /_fake/clock, GET /_fake/requests, GET /_fake/stats "
                             "or GET /_fake/health",
                         {}});
  }

  auto parsed = parse_json_body(req.body());
  if (auto* e = std::get_if<ApiError>(&parsed)) return fail(*e);
  const json& body = std::get<json>(parsed);
  std::string error;
  if (path == "/_fake/script") {
    if (!body.is_array())
      return fail(invalid_request(
          "script: expected a JSON list of behaviours, e.g. [{\"status\": 529}, {\"ttft_ms\": 200}]"));
    std::vector<Behaviour> items;
    for (std::size_t i = 0; i < body.size(); ++i) {
      auto b = parse_behaviour(body[i], "script[" + std::to_string(i) + "]", error);
      if (!b) return fail(invalid_request(error));  // all or nothing
      items.push_back(*b);
    }
    for (auto& b : items) state.script.push_back(std::move(b));
    return ok({{"queued", state.script.size()}});
  }
  if (path == "/_fake/defaults") {
    auto b = parse_behaviour(body, "defaults", error);
    if (!b) return fail(invalid_request(error));
    state.defaults = *b;
    return ok({{"defaults", state.defaults.to_json()}});
  }
  // /_fake/clock
  if (!body.is_object() || !body.contains("advance_seconds") ||
      !body["advance_seconds"].is_number_integer() || body["advance_seconds"].get<std::int64_t>() < 0 ||
      body["advance_seconds"].get<std::int64_t>() > 365LL * 86400)
    return fail(invalid_request("clock: expected {\"advance_seconds\": N} with 0 <= N <= 31536000"));
  state.clock_offset += std::chrono::seconds(body["advance_seconds"].get<std::int64_t>());
  return ok({{"offset_seconds", state.clock_offset.count()}});
}

// ---- Claude API (/v1/*) -------------------------------------------------------------------------

// Auth and version checks shared by every /v1 endpoint; the context for the request.
std::variant<RequestContext, ApiError> check_api_headers(const SharedState& state, const Request& req) {
  RequestContext context;
  const std::string api_key = header(req, "x-api-key");
  const std::string authorization = header(req, "authorization");
  std::string presented = api_key;  // with both headers, the API uses x-api-key
  bool bearer = false;
  if (presented.empty() && authorization.size() > 7 && lower(authorization.substr(0, 7)) == "bearer ") {
    presented = authorization.substr(7);
    bearer = true;
  }
  if (!state.options.api_key.empty()) {
    if (presented.empty()) return ApiError{401, "authentication_error", "x-api-key header is required", {}};
    if (presented != state.options.api_key)
      return ApiError{401, "authentication_error", bearer ? "invalid bearer token" : "invalid x-api-key", {}};
  }
  context.cache_namespace = presented;
  const std::string version = header(req, "anthropic-version");
  if (version.empty()) return invalid_request("anthropic-version: header is required");
  if (version != "2023-01-01" && version != "2023-06-01" && version != "2026-10-21")
    return invalid_request("anthropic-version: '" + version +
                           "' is not a valid version; use 2026-10-21 or 2023-06-01");
  context.anthropic_version = version;
  context.beta = req.find("anthropic-beta") != req.end();
  const std::string encoding = lower(header(req, "content-encoding"));
  if (!encoding.empty() && encoding != "identity")
    return ApiError{
        400, "invalid_request_error",
        "Content-Encoding '" + encoding + "' is not supported by this server; send the body uncompressed.",
        "request_body_encoding_unsupported"};
  return context;
}

json model_json(const ModelInfo& m) {
  return {{"type", "model"},
          {"id", m.id},
          {"display_name", m.display_name},
          {"created_at", "2026-01-01T00:00:00Z"},
          {"max_input_tokens", m.context_window},
          {"max_tokens", m.max_output_tokens}};
}

// Everything /v1 answers at once: models, count_tokens and every error before /v1/messages starts
// its (possibly slow) work. Returns the request context when POST /v1/messages may go ahead.
std::variant<StringResponse, RequestContext> api_response(SharedState& state, const Request& req,
                                                          const std::string& path,
                                                          const std::string& request_id) {
  const bool keep = req.keep_alive();
  auto fail = [&](const ApiError& e) { return error_response(e, req.version(), keep, request_id); };
  auto ok = [&](const json& body) { return json_response(200, body, req.version(), keep, request_id); };
  const bool models = path == "/v1/models" || path.rfind("/v1/models/", 0) == 0;
  if (!models && path != "/v1/messages" && path != "/v1/messages/count_tokens")
    return fail(ApiError{404, "not_found_error", "Not Found", {}});

  auto checked = check_api_headers(state, req);
  if (auto* e = std::get_if<ApiError>(&checked)) return fail(*e);
  const RequestContext& context = std::get<RequestContext>(checked);

  if (models) {
    if (req.method() != http::verb::get)
      return fail(ApiError{405, "invalid_request_error", "Method Not Allowed", {}});
    if (path == "/v1/models") {
      // A page, as the API pages: limit (1-1000, default 20), after_id or before_id.
      const std::string target(req.target());
      auto param = [&](const std::string& name) -> std::string {
        const auto q = target.find('?');
        if (q == std::string::npos) return "";
        std::size_t at = q + 1;
        while (at <= target.size()) {
          const auto end = std::min(target.find('&', at), target.size());
          const std::string pair = target.substr(at, end - at);
          if (pair.rfind(name + "=", 0) == 0) return pair.substr(name.size() + 1);
          at = end + 1;
        }
        return "";
      };
      std::size_t limit = 20;
      if (const std::string l = param("limit"); !l.empty()) {
        if (l.size() > 4 || l.find_first_not_of("0123456789") != std::string::npos || std::stoul(l) < 1 || std::stoul(l) > 1000)
          return fail(ApiError{400, "invalid_request_error", "limit: Input should be between 1 and 1000", {}});
        limit = std::stoul(l);
      }
      const auto& all = ModelCatalogue::instance().all();
      std::size_t from = 0, to = all.size();
      auto index_of = [&](const std::string& id) {
        for (std::size_t i = 0; i < all.size(); ++i)
          if (all[i].id == id) return i;
        return all.size();
      };
      if (const std::string after = param("after_id"); !after.empty()) from = std::min(index_of(after) + 1, all.size());
      if (const std::string before = param("before_id"); !before.empty()) {
        to = index_of(before);
        from = to > limit ? to - limit : 0;
      }
      json data = json::array();
      for (std::size_t i = from; i < to && data.size() < limit; ++i) data.push_back(model_json(all[i]));
      return ok({{"data", data},
                 {"has_more", from + data.size() < to},
                 {"first_id", data.empty() ? json(nullptr) : data.front()["id"]},
                 {"last_id", data.empty() ? json(nullptr) : data.back()["id"]}});
    }
    const std::string id = path.substr(std::string("/v1/models/").size());
    const ModelInfo* m = ModelCatalogue::instance().find(id);
    if (!m) return fail(ApiError{404, "not_found_error", "model: " + id, {}});
    return ok(model_json(*m));
  }

  if (req.method() != http::verb::post)
    return fail(ApiError{405, "invalid_request_error", "Method Not Allowed", {}});
  if (path == "/v1/messages") return context;

  // /v1/messages/count_tokens
  state.stats.count_tokens++;
  auto parsed_body = parse_json_body(req.body());
  if (auto* e = std::get_if<ApiError>(&parsed_body)) return fail(*e);
  auto parsed = parse_request(std::get<json>(parsed_body), Endpoint::count_tokens, context);
  if (auto* e = std::get_if<ApiError>(&parsed)) return fail(*e);
  return ok({{"input_tokens", std::get<ParsedRequest>(parsed).input_tokens_total}});
}

// The behaviour for one /v1/messages request: headers, then the script, then the defaults.
std::optional<ApiError> take_behaviour(SharedState& state, const Request& req, Behaviour& behaviour) {
  std::string error;
  auto from_headers = behaviour_from_headers(req.base(), error);
  if (!from_headers) return invalid_request(error);
  behaviour = *from_headers;
  const std::string_view body = req.body();
  for (auto it = state.script.begin(); it != state.script.end(); ++it)
    if (it->applies_to(body)) {
      behaviour.fill_from(*it);
      state.script.erase(it);
      break;
    }
  if (state.defaults.applies_to(body)) behaviour.fill_from(state.defaults);
  return std::nullopt;
}

// After latency_ms: an injected error, a validation error, or the planned answer (the prompt cache
// is read and written here, when the request "reaches the model").
std::variant<StringResponse, Plan> prepare_answer(SharedState& state, const Request& req,
                                                  const RequestContext& context, const Behaviour& behaviour,
                                                  const std::string& request_id, bool& stream) {
  auto fail = [&](const ApiError& e) {
    return error_response(e, req.version(), req.keep_alive(), request_id);
  };
  if (behaviour.status && *behaviour.status >= 400) {
    state.stats.injected_errors++;
    auto res = fail(ApiError{
        *behaviour.status, behaviour.error_type.value_or(""), behaviour.error_message.value_or(""), {}});
    if (behaviour.retry_after) res.set("retry-after", retry_after_header(*behaviour.retry_after));
    if (behaviour.retry_after_ms) res.set("retry-after-ms", std::to_string(*behaviour.retry_after_ms));
    return res;
  }
  auto parsed_body = parse_json_body(req.body());
  if (auto* e = std::get_if<ApiError>(&parsed_body)) return fail(*e);
  auto parsed = parse_request(std::get<json>(parsed_body), Endpoint::messages, context);
  if (auto* e = std::get_if<ApiError>(&parsed)) return fail(*e);
  const ParsedRequest& request = std::get<ParsedRequest>(parsed);

  const CacheOutcome cache = apply_prompt_cache(request, state.cache, state.now());
  if (cache.read_tokens > 0) {
    state.stats.cache_reads++;
    state.stats.cache_read_tokens += static_cast<std::uint64_t>(cache.read_tokens);
  }
  state.stats.cache_writes += static_cast<std::uint64_t>(cache.writes);
  state.stats.cache_write_tokens += static_cast<std::uint64_t>(cache.write_5m_tokens + cache.write_1h_tokens);
  Plan plan = plan_answer(request, behaviour, cache, state.ids);
  state.stats.input_tokens += static_cast<std::uint64_t>(request.input_tokens_total);
  state.stats.output_tokens += static_cast<std::uint64_t>(plan.usage.output_tokens);
  if (plan.stop_reason == "tool_use") state.stats.tool_use++;
  stream = request.stream;
  (stream ? state.stats.streaming : state.stats.non_streaming)++;
  return plan;
}

net::awaitable<After> cut_connection(Session& s) {
  s.state->stats.injected_disconnects++;
  beast::error_code ignored;
  s.stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  co_return After::cut;
}

net::awaitable<After> stream_answer(Session& s, const Request& req, const Plan& plan,
                                    const Behaviour& behaviour, const std::string& request_id) {
  SharedState& state = *s.state;
  http::response<http::empty_body> res{http::status::ok, req.version()};
  res.set(http::field::content_type, "text/event-stream; charset=utf-8");
  res.set(http::field::cache_control, "no-cache");
  common_headers(res, request_id);
  rate_limit_headers(res);
  res.keep_alive(req.keep_alive());
  res.chunked(true);
  http::response_serializer<http::empty_body> serializer{res};
  state.stats.by_status[200]++;

  struct Gauge {
    Stats& stats;
    explicit Gauge(Stats& st) : stats(st) {
      stats.max_active_streams = std::max(stats.max_active_streams, ++stats.active_streams);
    }
    ~Gauge() { --stats.active_streams; }
  } gauge{state.stats};

  s.stream.expires_after(kWriteTimeout);
  auto [header_ec, header_n] = co_await http::async_write_header(s.stream, serializer, use_tuple);
  if (header_ec) {
    state.stats.streams_aborted_by_client++;
    co_return After::close;
  }

  const auto events = stream_events(plan);
  std::size_t sent = 0;
  bool first_delta = true;
  auto write_chunk = [&](const std::string& data) -> net::awaitable<bool> {
    s.stream.expires_after(kWriteTimeout);
    auto [ec, n] = co_await net::async_write(
        s.stream, http::make_chunk(net::const_buffer(data.data(), data.size())), use_tuple);
    co_return !ec;
  };
  for (std::size_t i = 0; i <= events.size(); ++i) {
    if (behaviour.disconnect_after_events &&
        sent == static_cast<std::size_t>(*behaviour.disconnect_after_events))
      co_return co_await cut_connection(s);
    if (behaviour.error_event_after_events &&
        sent == static_cast<std::size_t>(*behaviour.error_event_after_events)) {
      state.stats.injected_error_events++;
      ApiError error{
          529, behaviour.error_type.value_or("overloaded_error"), behaviour.error_message.value_or(""), {}};
      SseEvent event{"error", dump({{"type", "error"}, {"error", error_object(error)}}), 0, false};
      if (!co_await write_chunk(format_sse(event))) co_return After::close;
      break;
    }
    if (i == events.size()) break;
    const SseEvent& event = events[i];
    if (event.content_delta && first_delta) {
      first_delta = false;
      co_await sleep_ms(behaviour.ttft_ms);
    }
    if (event.content_delta) co_await sleep_for(pace(event.tokens, behaviour.tokens_per_second));
    if (!co_await write_chunk(format_sse(event))) {
      state.stats.streams_aborted_by_client++;
      co_return After::close;
    }
    ++sent;
  }
  s.stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await net::async_write(s.stream, http::make_chunk_last(), use_tuple);
  if (ec) co_return After::close;
  state.stats.streams_completed++;
  co_return req.keep_alive() ? After::keep_alive : After::close;
}

net::awaitable<After> handle_messages(Session& s, const Request& req, const RequestContext& context,
                                      const std::string& request_id) {
  SharedState& state = *s.state;
  state.stats.messages++;
  Behaviour behaviour;
  if (auto error = take_behaviour(state, req, behaviour)) {
    auto res = error_response(*error, req.version(), req.keep_alive(), request_id);
    co_return co_await send(s, std::move(res));
  }
  co_await sleep_ms(behaviour.latency_ms);

  bool stream = false;
  auto prepared = prepare_answer(state, req, context, behaviour, request_id, stream);
  if (auto* res = std::get_if<StringResponse>(&prepared)) co_return co_await send(s, std::move(*res));
  const Plan& plan = std::get<Plan>(prepared);
  if (stream) co_return co_await stream_answer(s, req, plan, behaviour, request_id);

  if (behaviour.disconnect_after_events) co_return co_await cut_connection(s);
  co_await sleep_ms(behaviour.ttft_ms);
  co_await sleep_for(pace(plan.usage.output_tokens, behaviour.tokens_per_second));
  auto res = json_response(200, message_json(plan), req.version(), req.keep_alive(), request_id);
  rate_limit_headers(res);
  co_return co_await send(s, std::move(res));
}

net::awaitable<After> handle(Session& s, const Request& req) {
  SharedState& state = *s.state;
  const std::string request_id = state.ids.next("req_011C", 20);
  const std::string path = path_of(req.target());
  const bool control = path.rfind("/_fake/", 0) == 0;
  if (!control) {
    state.stats.requests++;
    state.stats.by_path[path]++;
    record(state, log_entry(req.base(), &req.body(), request_id));
  }
  std::optional<StringResponse> response;
  try {
    if (control) {
      response = control_response(state, req, path, request_id);
    } else {
      auto routed = api_response(state, req, path, request_id);
      if (auto* context = std::get_if<RequestContext>(&routed))
        co_return co_await handle_messages(s, req, *context, request_id);
      response = std::move(std::get<StringResponse>(routed));
    }
  } catch (const std::exception& e) {
    // A bug in the fake: say so, count it, keep serving.
    state.stats.internal_errors++;
    std::cerr << "porchlight-fake-anthropic: internal error on " << req.method_string() << " " << path << ": "
              << e.what() << std::endl;
    response = error_response(ApiError{500, "api_error", "Internal server error", {}}, req.version(), false,
                              request_id);
  }
  co_return co_await send(s, std::move(*response), !control);
}

// ---- http_session -------------------------------------------------------------------------------

// After a 413 or a malformed request: stop sending, read and drop what the client still sends (so
// it sees our response instead of a reset), then close.
net::awaitable<void> lingering_close(Session& s) {
  beast::error_code ec;
  s.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 65536> sink;
  std::uint64_t drained = 0;
  s.stream.expires_after(std::chrono::seconds(2));
  while (drained < 4 * kMaxBodyBytes) {
    auto [read_ec, n] = co_await s.stream.async_read_some(net::buffer(sink), use_tuple);
    if (read_ec) break;
    drained += n;
  }
  s.stream.socket().close(ec);
}

net::awaitable<void> http_session(tcp::socket socket, std::shared_ptr<SharedState> state) {
  Session s{beast::tcp_stream(std::move(socket)), beast::flat_buffer{}, state};
  struct Gauge {
    Stats& stats;
    explicit Gauge(Stats& st) : stats(st) {
      stats.connections++;
      stats.max_active_connections = std::max(stats.max_active_connections, ++stats.active_connections);
    }
    ~Gauge() { --stats.active_connections; }
  } gauge{state->stats};

  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(64 * 1024);
    parser.body_limit(kMaxBodyBytes);
    s.stream.expires_after(kIdleTimeout);
    auto [ec, n] = co_await http::async_read_header(s.stream, s.buffer, parser, use_tuple);
    if (!ec && parser.get()[http::field::expect] == "100-continue" && !parser.is_done()) {
      static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      auto [wec, wn] = co_await net::async_write(s.stream, net::buffer(kContinue), use_tuple);
      ec = wec;
    }
    if (!ec && !parser.is_done()) {
      auto [rec, rn] = co_await http::async_read(s.stream, s.buffer, parser, use_tuple);
      ec = rec;
    }
    // Closed, reset or timed out: nothing to answer.
    if (ec && (ec == http::error::end_of_stream || ec == http::error::partial_message ||
               ec.category() != http::make_error_code(http::error::body_limit).category()))
      break;
    if (ec) {
      // Too large (413), headers too large (431), or not HTTP (400): answer, then close.
      const std::string request_id = state->ids.next("req_011C", 20);
      ApiError error = invalid_request("Malformed HTTP request: " + ec.message());
      if (ec == http::error::body_limit) {
        error =
            ApiError{413, "request_too_large", "Request exceeds the maximum allowed number of bytes.", {}};
        state->stats.requests++;
        state->stats.by_path[path_of(parser.get().target())]++;
        record(*state, log_entry(parser.get().base(), nullptr, request_id));
      } else if (ec == http::error::header_limit) {
        error = ApiError{431, "invalid_request_error", "Request header fields too large.", {}};
      }
      state->stats.by_status[error.status]++;
      auto res = error_response(error, 11, false, request_id);
      s.stream.expires_after(kWriteTimeout);
      co_await http::async_write(s.stream, res, use_tuple);
      co_await lingering_close(s);
      co_return;
    }

    Request req = parser.release();
    const After after = co_await handle(s, req);
    if (after == After::cut) {
      beast::error_code ignored;
      s.stream.socket().close(ignored);
      co_return;
    }
    if (after == After::close) break;
  }
  beast::error_code ignored;
  s.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  s.stream.socket().close(ignored);
}

}  // namespace

// ---- listener -----------------------------------------------------------------------------------

net::awaitable<void> listener(tcp::acceptor& acceptor, std::shared_ptr<SharedState> state) {
  auto executor = co_await net::this_coro::executor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) {
      // Out of file descriptors and the like: wait a little, keep accepting.
      net::steady_timer timer(executor);
      timer.expires_after(std::chrono::milliseconds(50));
      co_await timer.async_wait(use_tuple);
      continue;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    net::co_spawn(executor, http_session(std::move(socket), state), [](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        std::cerr << "porchlight-fake-anthropic: session ended by an exception: " << ex.what() << std::endl;
      }
    });
  }
}

}  // namespace porchlight::fake
