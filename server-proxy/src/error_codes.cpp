// error_codes.cpp: the registry's table (see error_codes.hpp), checked as it compiles.
//
// Sections, as the banners below:
//   [1] requests, credentials and routes   (the proxy's HTTP layer and handlers)
//   [2] limits and budgets
//   [3] the store
//   [4] the upstream client (Claude)
//   [5] the server itself
//   [6] families the JSON readers generate: "<kind>.missing_<field>", "<kind>.invalid_<field>",
//       "<kind>.unknown_field", "<kind>.invalid_type" and "<kind>.<problem>"
//   [7] at startup, on the command line and from Redis (printed or absorbed, never an HTTP
//       answer: their status is what an answer would say, a fault of the server's)

#include "error_codes.hpp"

#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

namespace porchlight::proxy {

namespace {

constexpr std::string_view kInvalid = "invalid_request_error";
constexpr std::string_view kAuthentication = "authentication_error";
constexpr std::string_view kPermission = "permission_error";
constexpr std::string_view kNotFound = "not_found_error";
constexpr std::string_view kTooLarge = "request_too_large";
constexpr std::string_view kRateLimit = "rate_limit_error";
constexpr std::string_view kApi = "api_error";
constexpr std::string_view kOverloaded = "overloaded_error";

constexpr ErrorCode kErrorCodes[] = {
    // ---- [1] requests, credentials and routes --------------------------------------------------
    {"request.too_large", 413, kTooLarge, false, "the body is over the endpoint's size limit (or JSON text over 1 MiB)"},
    {"request.headers_too_large", 400, kInvalid, false, "the request headers are over 16 KiB"},
    {"request.malformed_http", 400, kInvalid, false, "the request is not valid HTTP/1.1"},
    {"request.malformed_json", 400, kInvalid, false, "the body (or a WebSocket frame) is not well-formed JSON"},
    {"request.invalid_utf8", 400, kInvalid, false, "the body is not valid UTF-8"},
    {"request.too_deep", 400, kInvalid, false, "the JSON nests arrays or objects deeper than 32 levels (64 on /v1/messages, whose tool schemas nest)"},
    {"request.not_object", 400, kInvalid, false, "the body must be a JSON object"},
    {"request.missing_model", 400, kInvalid, false, "/v1/messages: the body has no model"},
    {"request.missing_messages", 400, kInvalid, false, "/v1/messages: the body has no messages"},
    {"request.missing_max_tokens", 400, kInvalid, false, "/v1/messages: the body has no max_tokens"},
    {"request.invalid_model", 400, kInvalid, false, "/v1/messages: model is not a non-empty string"},
    {"request.invalid_messages", 400, kInvalid, false, "/v1/messages: messages is not an array"},
    {"request.invalid_max_tokens", 400, kInvalid, false, "/v1/messages: max_tokens is not an integer"},
    {"request.invalid_agent", 400, kInvalid, false, "the x-porchlight-agent header is not an agent id (1-64 of A-Z a-z 0-9 _ . : -)"},
    {"request.unpriced_model", 404, kNotFound, false, "/v1/messages: no such model here: it has no price, so its spend could not count against budgets (the message names the priced models)"},
    {"request.invalid_stream", 400, kInvalid, false, "/v1/messages: stream is not true or false"},
    {"request.over_token_limit", 400, kInvalid, false, "the request's tokens (its prompt and max_tokens) are more than a per-minute token limit holds, so no wait could admit it: lower max_tokens, or raise the limit"},
    {"request.invalid_query", 400, kInvalid, false, "a query parameter is badly formed or out of range (after, limit, from, to)"},
    {"request.range_reversed", 400, kInvalid, false, "a range of days (from, to) whose from is after its to"},
    {"request.range_too_long", 400, kInvalid, false, "a range of days (from, to) longer than the endpoint reads (/v1/insights: 92 days)"},
    {"request.invalid_last_event_id", 400, kInvalid, false, "Last-Event-ID is not an id that this stream sent"},
    {"request.websocket_required", 400, kInvalid, false, "GET /v1/live takes a WebSocket upgrade"},
    {"auth.missing_key", 401, kAuthentication, false, "no API key in x-api-key or Authorization: Bearer (or in the live socket's first frame)"},
    {"auth.invalid_key", 401, kAuthentication, false, "the API key is not valid"},
    {"auth.revoked_key", 401, kAuthentication, false, "the API key was revoked"},
    {"auth.invalid_token", 401, kAuthentication, false, "the agent token or admin session is missing, malformed, badly signed or for another location"},
    {"auth.expired_token", 401, kAuthentication, false, "the agent token has expired; mint a new one"},
    {"auth.token_lifetime", 401, kAuthentication, false, "the agent token lives longer than the proxy allows; mint short-lived tokens"},
    {"auth.secret_key_required", 403, kPermission, false, "this endpoint takes a secret key (sk_), from a server, never a browser"},
    {"auth.metrics_token", 401, kAuthentication, false, "GET /metrics: the Authorization: Bearer token is missing or not the metrics token"},
    {"auth.metrics_local_only", 403, kPermission, false, "GET /metrics answers this machine only unless a metrics token is set (PORCHLIGHT_METRICS_TOKEN)"},
    {"auth.secret_key_in_browser", 403, kPermission, false, "a secret key (sk_) was sent from a web page (an Origin header): keep it on a server"},
    {"auth.origin_not_allowed", 403, kPermission, false, "the publishable key does not allow this Origin (or the request has none)"},
    {"auth.cross_location", 403, kPermission, false, "the body names a location other than the key's"},
    {"experiment.exists", 409, kInvalid, false, "POST /v1/experiments: an experiment with this id exists in the location (experiments are not replaced: stop it and make a new one)"},
    {"experiment.not_running", 409, kInvalid, false, "/v1/experiments/{id}/pause or /resume: the experiment is stopped (a stopped experiment stays stopped)"},
    {"auth.not_your_profile", 403, kPermission, false, "a browser may only touch its own agent's profile and sessions"},
    {"auth.csrf", 403, kPermission, false, "dashboard requests that change data must send x-porchlight-csrf"},
    {"auth.scope_missing", 403, kPermission, false, "the key does not hold the scope this endpoint needs (the message names it)"},
    {"auth.team_lead_only", 403, kPermission, false, "a browser reads this only for an agent whose profile has access team_lead or location_admin (or use a secret key)"},
    {"auth.wrong_lead", 403, kPermission, false, "the agent token was minted for another lead's page than the one the request names"},
    {"not_found", 404, kNotFound, false, "no such endpoint, or no such record in this location"},
    {"method_not_allowed", 405, kInvalid, false, "the path exists but does not take this method"},
    {"profile.invalid_id", 400, kInvalid, false, "the profile id in the path is not a valid id"},
    {"lead.invalid_id", 400, kInvalid, false, "the lead id in the path is not a valid id"},
    {"webhook.invalid_signature", 401, kAuthentication, false, "a GoHighLevel webhook's X-GHL-Signature is missing or does not verify (or it sent only the deprecated X-WH-Signature, not accepted here)"},
    {"webhook.stale", 401, kAuthentication, false, "a GoHighLevel webhook's timestamp is older (or further ahead) than --ghl-webhook-max-age-s: refused as a replay"},
    {"webhook.invalid_timestamp", 400, kInvalid, false, "a GoHighLevel webhook's timestamp is not an ISO 8601 date-time"},
    {"webhook.retry_later", 429, kRateLimit, true, "the webhook could not be stored (or the instance is busy or stopping); GoHighLevel retries a 429 after retry-after"},
    {"webhook.not_configured", 404, kNotFound, false, "the proxy takes no GoHighLevel webhooks: it has no webhook key (--ghl-webhook-public-key)"},
    {"auth.invalid_sso", 401, kAuthentication, false, "the GoHighLevel user context does not decrypt with the app's shared secret, is tampered, or names no user or location"},
    {"ghl.not_configured", 404, kNotFound, false, "sign-in from GoHighLevel is off: the proxy has no app shared secret (GHL_APP_SHARED_SECRET)"},
    {"ghl.unknown_location", 403, kPermission, false, "the GoHighLevel location is not linked to a Porchlight location (the app is not installed there)"},

    // ---- [2] limits and budgets -------------------------------------------------------------------
    {"limits.*", 429, kRateLimit, true,
     "limits.<bucket>: a per-minute rate limit refused the request (key_requests, key_tokens, agent_requests, "
     "agent_tokens, location_requests, location_tokens); retry after retry-after seconds"},
    {"budget.exhausted", 429, kRateLimit, false, "the location has spent its monthly budget; it resets at the start of next month (UTC)"},
    {"budget.agent_exhausted", 429, kRateLimit, false, "the agent has spent its monthly budget; it resets at the start of next month (UTC)"},
    {"budget.key_exhausted", 429, kRateLimit, false, "the API key has spent its monthly budget; it resets at the start of next month (UTC)"},

    // ---- [3] the store ---------------------------------------------------------------------------
    {"store.unavailable", 503, kOverloaded, true, "the database cannot be reached; nothing was written; retry"},
    {"store.conflict", 409, kInvalid, false, "a uniqueness rule was hit (an id that exists)"},
    {"store.invalid", 400, kInvalid, false, "the data breaks a rule of the schema"},
    {"store.not_found", 500, kApi, true, "a write names a record that does not exist in this location"},
    {"store.not_migrated", 500, kApi, true, "the schema is missing or behind this binary: run porchlight-proxy migrate"},
    {"store.internal", 500, kApi, true, "the store failed in a way it does not expect (a bug: logged)"},

    // ---- [4] the upstream client (Claude) ---------------------------------------------------------
    {"upstream.timeout", 504, kApi, true, "Claude did not answer in time"},
    {"upstream.circuit_open", 503, kOverloaded, true, "Claude failed repeatedly; the circuit breaker holds requests off for a moment"},
    {"upstream.unavailable", 502, kApi, true, "Claude could not be reached, or failed, after the retries and fallbacks"},
    {"upstream.interrupted", 502, kApi, true, "the answer's stream was cut midway"},
    {"upstream.stream_error", 502, kApi, true, "Claude reported an error in the middle of an answer"},
    {"upstream.rejected", 502, kApi, true, "Claude refused the request (its HTTP status is in the message)"},
    {"upstream.misconfigured", 502, kApi, true, "the upstream base URL is not usable (configuration)"},
    {"upstream.plan_step_failed", 502, kApi, true, "a coach stream's notice: a step of a compound request failed, and the answer covers the other parts"},

    // ---- [5] the server itself -------------------------------------------------------------------
    {"overloaded", 503, kOverloaded, true, "the instance is over capacity (its event loop runs late, or too many requests are in flight); retry after retry-after"},
    {"shutting_down", 503, kOverloaded, true, "this instance is shutting down; retry (another instance answers)"},
    {"internal", 500, kApi, true, "an internal error (a bug); it was logged"},

    // ---- [6] families the JSON readers generate -------------------------------------------------
    // Read by the proxy from requests (and from its own cached or stored records).
    {"profile.*", 400, kInvalid, false, "a field of an agent profile is missing, invalid or unknown"},
    {"session.*", 400, kInvalid, false, "a field of an agent session is missing, invalid or unknown"},
    {"lead.*", 400, kInvalid, false, "a field of a lead is missing, invalid or unknown"},
    {"event.*", 400, kInvalid, false, "a field of a coaching event is missing, invalid or unknown"},
    {"usage.*", 400, kInvalid, false, "a usage count is missing, out of range or inconsistent"},
    {"coach.*", 400, kInvalid, false, "a field of a /v1/coach request is missing, invalid or unknown"},
    {"feedback.*", 400, kInvalid, false, "a field of a /v1/feedback request is missing, invalid or unknown"},
    {"settings.*", 400, kInvalid, false, "a field of a /v1/settings request is missing, invalid or unknown"},
    {"live.*", 400, kInvalid, false, "a field of a live-mode frame is missing, invalid or unknown"},
    {"webhook.*", 400, kInvalid, false, "a GoHighLevel webhook's body lacks its type, or has an invalid locationId or webhookId"},
    {"ghl_sign_in.*", 400, kInvalid, false, "a field of a /v1/auth/ghl request is missing, invalid or unknown"},
    {"outcome.*", 400, kInvalid, false, "a field of a /v1/outcomes request is missing, invalid or unknown (an outcome a lead cannot reach, a bad time)"},
    {"lead_events.*", 400, kInvalid, false, "a field of a /v1/leads/{id}/events request is missing, invalid or unknown (an event the stage machine does not know)"},
    // Read only by the core's JSON API (WebAssembly, the porchlight CLI): no proxy answer has them.
    {"load_policy.*", 400, kInvalid, false, "core API: a loadPolicy request is not policy files by path (at most 200 of them)"},
    {"route.*", 400, kInvalid, false, "core API: a field of a route request is missing, invalid or unknown"},
    {"prompt.*", 400, kInvalid, false, "core API: a field of a buildPrompt request is missing, invalid or unknown"},
    {"context.*", 400, kInvalid, false, "core API: a field of a context request is missing, invalid or unknown"},
    {"cost.*", 400, kInvalid, false, "core API: a field of a cost request is missing, invalid or unknown"},
    {"cost.unknown_model", 400, kInvalid, false, "core API: the price table does not price this model"},
    {"cards.*", 400, kInvalid, false, "core API: a field of a cards request is missing, invalid or unknown"},
    {"offline.*", 400, kInvalid, false, "core API: a field of an offline-answer request is missing, invalid or unknown"},
    {"turn.*", 400, kInvalid, false, "core API: a conversation turn is missing a field or has an invalid one"},
    {"budget.*", 400, kInvalid, false, "core API: a field of a request's budget is missing, invalid or unknown"},
    {"qualify.*", 400, kInvalid, false, "core API: a field of a qualify request is missing, invalid or unknown (an unknown stage event)"},
    {"extract.*", 400, kInvalid, false, "core API: a field of an extractFacts request is missing, invalid or unknown"},
    {"contract.*", 400, kInvalid, false, "core API: a contractTimeline request is invalid: an unknown form, term or condition, a bad date, no effective date"},
    {"experiment.*", 400, kInvalid, false, "an experiment's definition (its variants, allocation, alpha, winner, a variant's tier or approach) is missing a field or has an invalid one (/v1/experiments and the core API)"},
    {"counts.*", 400, kInvalid, false, "core API: an experiment's counts are invalid (more successes than trials)"},
    {"assign.*", 400, kInvalid, false, "core API: a field of an assignVariant request is missing, invalid or unknown"},
    {"evaluate.*", 400, kInvalid, false, "core API: a field of an evaluateExperiment request is missing, invalid or unknown"},
    {"plan.*", 400, kInvalid, false, "core API: a field of a planExperiment request is missing, invalid or unknown (a lifted rate of 1 or more)"},
    {"learn.unknown_variant", 400, kInvalid, false, "core API: counts name a variant the experiment does not have"},
    {"learn.duplicate_variant", 400, kInvalid, false, "core API: counts name the same variant twice"},
    {"learn.invalid_counts", 400, kInvalid, false, "core API: counts with more successes than trials, or negative ones"},
    {"learn.invalid_experiment", 400, kInvalid, false, "core API: an experiment with fewer than 2 variants"},

    // ---- [7] at startup, on the command line and from Redis ---------------------------------------
    {"policy.*", 500, kApi, false, "startup: a file of the core's policy data (core/data) breaks its schema"},
    {"policy.missing_file", 500, kApi, false, "startup: a file of the core's policy data is missing"},
    {"policy.invalid_file", 500, kApi, false, "startup: a file of the core's policy data is not valid JSON or text"},
    {"policy.unpriced_model", 500, kApi, false, "startup: the policy names a model that prices.json does not price"},
    {"policy.router_model_stale", 500, kApi, false, "startup: router/model.json is not the version routing.json names (retrain with porchlight train)"},
    {"routing_data.invalid_*", 400, kInvalid, false, "porchlight train and eval: a labeled request of tests/data/routing is missing a field or has an invalid one"},
    {"config.invalid_*", 500, kApi, false, "startup: config.invalid_<option>: an option's value is not valid"},
    {"config.missing_value", 500, kApi, false, "startup: an option was given without its value"},
    {"config.unknown_flag", 500, kApi, false, "startup: an option (or a --config file's key) is unknown"},
    {"config.unexpected_argument", 500, kApi, false, "startup: an argument that is not an option"},
    {"auth.unknown_scope", 500, kApi, false, "keys create: --scope names no scope (the message lists them)"},
    {"auth.scope_not_for_browsers", 500, kApi, false, "keys create: a publishable key cannot hold this scope (the server-only ones: messages, settings:read, settings:write, experiments:write, outcomes:write)"},
    {"config.unreadable_file", 500, kApi, false, "startup: the --config file is not a readable JSON object"},
    {"config.invalid_listen", 500, kApi, false, "startup: --listen's host is not an IP address"},
    {"config.invalid_policy_dir", 500, kApi, false, "startup: --policy-dir is not a readable folder (a policy it makes that does not load stops the start with the policy's errors)"},
    {"config.unpriced_model", 500, kApi, false, "startup: a tier's model or a fallback model has no price (and --unpriced-models is refuse)"},
    {"config.listen_failed", 500, kApi, false, "startup: the proxy cannot listen on --listen's address"},
    {"config.invalid_ghl_key", 500, kApi, false, "startup: a GoHighLevel webhook key is not an Ed25519 (or, legacy, RSA) public key in base64 SPKI DER or PEM"},
    {"ghl.invalid_config", 500, kApi, false, "ghl config: a location's field, stage or user map is not valid (the message says where)"},
    {"alerts.invalid_url", 500, kApi, false, "budget alerts: the location's alert webhook is not an http(s) URL (logged, never an answer)"},
    {"alerts.unreachable", 500, kApi, true, "budget alerts: the alert webhook could not be reached (logged, never an answer)"},
    {"alerts.rejected", 500, kApi, true, "budget alerts: the alert webhook answered other than 2xx (logged, never an answer)"},
    {"redis.invalid_url", 500, kApi, false, "startup: --redis-url is not a valid Redis URL"},
    {"redis.unavailable", 500, kApi, false, "Redis cannot be reached (at startup fatal; later the cache and limits fall back to in-process)"},
    {"redis.error", 500, kApi, false, "Redis answered a command with an error (at startup fatal; later the cache and limits fall back)"},
    {"migrate.invalid_name", 500, kApi, false, "migrate: a migration file's name is not <UTC timestamp>_<name>.sql, or two share a version"},
    {"migrate.changed", 500, kApi, false, "migrate: an applied migration was changed afterwards; put the change in a new file"},
    {"migrate.unknown_version", 500, kApi, false, "migrate: the database has a migration this binary lacks (a newer Porchlight migrated it)"},
    {"migrate.failed", 500, kApi, false, "migrate: a migration's SQL failed, or the role may not run it; nothing of it was applied"},
};

constexpr bool is_family(const ErrorCode& e) { return e.code.ends_with('*'); }

// What the table promises, checked as it compiles.
constexpr bool well_formed() {
  constexpr std::string_view kTypes[] = {kInvalid, kAuthentication, kPermission, kNotFound,
                                         kTooLarge, kRateLimit,      kApi,        kOverloaded};
  for (std::size_t i = 0; i < std::size(kErrorCodes); ++i) {
    const ErrorCode& e = kErrorCodes[i];
    if (e.code.empty() || e.meaning.empty() || e.status < 400 || e.status > 599) return false;
    if (std::find(std::begin(kTypes), std::end(kTypes), e.type) == std::end(kTypes)) return false;
    if (e.code.find('*') < e.code.size() - 1) return false;  // '*' only ends a family
    for (std::size_t j = 0; j < i; ++j)
      if (kErrorCodes[j].code == e.code) return false;  // one row a code
  }
  return true;
}
static_assert(well_formed(), "every row: a code once, a meaning, a 4xx or 5xx status, a known type");

}  // namespace

std::span<const ErrorCode> error_codes() { return kErrorCodes; }

const ErrorCode* find_error_code(std::string_view code) {
  const ErrorCode* family = nullptr;
  for (const auto& e : kErrorCodes) {
    if (!is_family(e)) {
      if (e.code == code) return &e;
      continue;
    }
    const std::string_view prefix = e.code.substr(0, e.code.size() - 1);
    if (code.starts_with(prefix) && code.size() > prefix.size() && (!family || e.code.size() > family->code.size()))
      family = &e;
  }
  return family;
}

int print_error_codes(std::ostream& out) {
  auto rows = nlohmann::ordered_json::array();  // keys in the order people read them
  for (const auto& e : kErrorCodes)
    rows.push_back({{"code", e.code}, {"status", e.status}, {"type", e.type}, {"retryable", e.retryable},
                    {"meaning", e.meaning}});
  out << rows.dump(2) << "\n";
  return 0;
}

}  // namespace porchlight::proxy
