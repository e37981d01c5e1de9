// handlers/ghl.cpp: GoHighLevel's doors: its signed webhooks into the durable inbox, and sign-in
// from inside the CRM (its encrypted user context in, an agent token out). docs/ghl.md.
//
// GoHighLevel retries a webhook only when it is answered 429 (about every 10 minutes, six times);
// any other failure loses the event. So an event that could not be stored is answered 429 with
// retry-after, never 5xx; one that was stored is answered 200 only after it is durable.

#include <atomic>

#include "auth/credentials.hpp"
#include "ghl/events.hpp"
#include "ghl/links.hpp"
#include "ghl/sign_in.hpp"
#include "ghl/sso.hpp"
#include "ghl/webhook_keys.hpp"
#include "ghl/worker.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "log.hpp"
#include "porchlight/json_output.hpp"

namespace porchlight::proxy {

namespace {

using json_input::FieldReader;
using json_input::Need;

using ghl::kIntakeLocation;
std::atomic<bool> intake_made{false};  // this process made (or found) the intake location

// The signature check, on the raw bytes received. X-GHL-Signature is the only one checked when
// present (GoHighLevel's own rule: no fallback to the legacy header).
// A header sent twice is refused: which of two would count is for no one to guess.
std::optional<ApiError> check_signature(const ghl::WebhookKeys& keys, const HttpRequest& request) {
  for (const char* name : {"X-GHL-Signature", "X-WH-Signature"})
    if (request.count(name) > 1) return ApiError::from_code("webhook.invalid_signature", std::string(name) + " sent more than once");
  const std::string& body = request.body();
  const auto header = [&](const char* name) -> std::string_view {
    auto it = request.find(name);
    return it == request.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
  };
  const std::string_view ghl_sig = header("x-ghl-signature"), wh_sig = header("x-wh-signature");
  if (request.count("x-ghl-signature") == 1) {  // present, even empty: the only one checked
    if (keys.ed25519 && ghl::verify_ed25519(*keys.ed25519, body, ghl_sig)) return std::nullopt;
    return ApiError::from_code("webhook.invalid_signature", "X-GHL-Signature does not verify for this body");
  }
  if (!wh_sig.empty()) {
    if (!keys.rsa)
      return ApiError::from_code("webhook.invalid_signature",
                                 "X-WH-Signature (RSA) was deprecated on 2026-07-01 and is not accepted here; send X-GHL-Signature");
    if (ghl::verify_rsa_sha256(*keys.rsa, body, wh_sig)) return std::nullopt;
    return ApiError::from_code("webhook.invalid_signature", "X-WH-Signature does not verify for this body");
  }
  return ApiError::from_code("webhook.invalid_signature", "no X-GHL-Signature header");
}

// What the handler reads of an event before storing it; the worker reads the rest.
struct EventHeader {
  std::string type, webhook_id, location, timestamp;
};

Result<EventHeader> read_header(const std::string& body) {
  json_input::ParseLimits limits;
  limits.max_bytes = store::kMaxWebhookBody;  // a long e-mail is still one event
  auto parsed = json_input::parse_untrusted(body, limits);
  if (!parsed) return parsed.errors();
  const json& event = parsed.value();
  if (!event.is_object()) return Errors{Error{"request.not_object", "the webhook body must be a JSON object", ""}};
  Errors errors;
  FieldReader r(event, "webhook", "", errors);
  const auto type = r.string("type", Need::required, 80);
  const auto webhook_id = r.string("webhookId", Need::optional, 256);
  const auto location = r.string("locationId", Need::optional, 64);
  const auto timestamp = r.string("timestamp", Need::optional, 64);
  if (location && !is_valid_id(*location)) r.add("invalid_location_id", "locationId", "expected 1-64 of A-Z a-z 0-9 _ . : -");
  if (timestamp && !store::detail::canonical_timestamp(*timestamp))
    errors.push_back(Error{"webhook.invalid_timestamp", "timestamp must be an ISO 8601 date-time", "timestamp"});
  if (!errors.empty()) return errors;
  return EventHeader{*type, webhook_id.value_or(""), location.value_or(""), timestamp.value_or("")};
}

// Stores an event, durable when this returns (in a commit it may share with other deliveries':
// group commit): true when new, false for a delivery already there. The event lands in its
// Porchlight location's inbox, or in the intake until the location is linked.
awaitable<Result<bool>> store_event(App& app, store::WebhookRecord w) {
  w.location_id = kIntakeLocation;
  if (!w.external_location.empty()) {
    auto link = co_await ghl::find_link(app, w.external_location);
    if (!link) co_return link.errors();
    if (link.value() && link.value()->installed) w.location_id = link.value()->location_id;
  }
  if (w.location_id == kIntakeLocation && !intake_made) {
    auto make = [&app] { return app.store().admin().ensure_location(kIntakeLocation, "GoHighLevel events for locations not linked yet"); };
    auto made = co_await app.blocking(make);
    if (!made) co_return made.errors();
    intake_made = true;
  }
  bool fresh = false;
  const store::Scope scope{w.location_id};
  const store::Store::Work insert = [&](store::Store& tx) -> Result<store::Done> {
    auto r = tx.webhook_inbox().insert(scope, w);
    if (!r) return r.errors();
    fresh = r.value();
    return store::Done{};
  };
  auto stored = co_await app.group_write(scope, insert, store::GroupCommit::Lane::request);
  if (!stored) co_return stored.errors();
  co_return fresh;
}

store::WebhookRecord record_of(const Exchange& ex) {
  store::WebhookRecord w;
  w.provider = "gohighlevel";
  w.body = ex.request().body();
  w.headers_json = to_json_text(JSON_OBJ({{"content-type", std::string(ex.header("content-type"))},
                                          {"signature", ex.header("x-ghl-signature").empty() ? "x-wh-signature" : "x-ghl-signature"}}));
  w.signature_valid = true;
  return w;
}

// The answer when an event could not be stored: 429 (GoHighLevel retries it), unless the event
// itself breaks a rule of the inbox, which no retry can mend.
ApiError not_stored(const Errors& why) {
  const Error& e = why.front();
  if (e.code == "store.invalid") return ApiError::from(why);
  log::write(log::Level::warn, "webhook not stored (" + e.code + "): answered 429");
  return webhook_retry_later("the event could not be stored");
}

// A signed event that cannot be read (invalid UTF-8, nested too deep, no type ...) is kept as
// failed in the intake, under the hash of its bytes, and answered with why: a retry would send the
// same bytes, and an operator can read it there (webhooks list --state failed).
awaitable<void> keep_unreadable(App& app, Exchange& ex, const Errors& why) {
  store::WebhookRecord w = record_of(ex);
  w.dedupe_key = "sha256:" + store::detail::sha256_hex(w.body);
  w.state = "failed";
  w.error = ("unreadable: " + why.front().code + ": " + why.front().message).substr(0, 1000);  // the inbox keeps 2,000 bytes
  auto kept = co_await store_event(app, w);
  if (!kept) {
    co_await app.fail(ex, not_stored(kept.errors()));
    co_return;
  }
  app.metrics().count("porchlight_webhooks_refused_total", {{"reason", "unreadable"}});
  ApiError answer = ApiError::from(why);
  answer.message += " (the event is kept in the inbox as failed: " + w.dedupe_key + ")";
  co_await app.fail(ex, answer);
}

}  // namespace

ApiError webhook_retry_later(const std::string& why) {
  ApiError e = ApiError::from_code("webhook.retry_later", why + "; retry later (GoHighLevel retries a 429)");
  e.retry_after = std::chrono::seconds(60);
  return e;
}

// POST /v1/webhooks/ghl: verify, refuse replays, dedupe by webhookId, store, then 200.
awaitable<void> ghl_webhook(App& app, Exchange& ex, const Principal&) {
  const ghl::WebhookKeys& keys = app.ghl_webhook_keys();
  if (!keys.configured()) {
    co_await app.fail(ex, ApiError::from_code("webhook.not_configured",
                                              "this proxy has no GoHighLevel webhook key (--ghl-webhook-public-key)"));
    co_return;
  }
  const std::string& body = ex.request().body();
  if (auto refused = check_signature(keys, ex.request())) {
    app.metrics().count("porchlight_webhooks_refused_total", {{"reason", "signature"}});
    co_await app.fail(ex, *refused);
    co_return;
  }
  // A signed event is GoHighLevel's own: one that cannot be read is kept as failed (for an
  // operator to see) and answered with the reason, since no retry would change its bytes.
  auto header = read_header(body);
  if (!header) {
    co_await keep_unreadable(app, ex, header.errors());
    co_return;
  }
  const auto& [type, webhook_id, location, timestamp] = header.value();

  // Replays: a delivery older than the allowed age (or from the future beyond it) is refused.
  if (!timestamp.empty()) {
    const auto at = store::detail::canonical_timestamp(timestamp);
    const std::int64_t max_age = std::chrono::microseconds(app.config().ghl_webhook_max_age).count();
    const std::int64_t now = store::detail::now_unix_micros();
    if (*at < store::detail::timestamp_at(now - max_age) || *at > store::detail::timestamp_at(now + max_age)) {
      app.metrics().count("porchlight_webhooks_refused_total", {{"reason", "stale"}});
      co_await app.fail(ex, ApiError::from_code("webhook.stale", "the webhook's timestamp is outside the allowed " +
                                                                     std::to_string(app.config().ghl_webhook_max_age.count()) +
                                                                     " s: refused as a replay"));
      co_return;
    }
  }

  store::WebhookRecord w = record_of(ex);
  // Without a webhookId, identical bytes are the same delivery.
  w.dedupe_key = !webhook_id.empty() ? webhook_id : "sha256:" + store::detail::sha256_hex(body);
  w.event_type = type;
  w.external_location = location;
  auto inserted = co_await store_event(app, w);
  if (!inserted) {
    co_await app.fail(ex, not_stored(inserted.errors()));
    co_return;
  }
  app.metrics().count("porchlight_webhooks_received_total", {{"type", type}, {"result", inserted.value() ? "stored" : "duplicate"}});
  if (inserted.value()) app.webhook_worker().wake();
  co_await app.send_json(ex, 200, JSON_OBJ({{"status", inserted.value() ? "accepted" : "duplicate"}, {"webhook_id", w.dedupe_key}}));
}

// POST /v1/auth/ghl: {payload, lead_id?} -> {key, agent_token, agent_id, location_id, lead_id?,
// expires_at}. The payload is GoHighLevel's encrypted user context (Custom JS's
// exposeSessionDetails, or a Custom Page's REQUEST_USER_DATA_RESPONSE); only the app's shared
// secret opens it. The token names the user's agent profile (made on first sign-in) and, when
// given, the contact the page shows.
awaitable<void> ghl_sign_in(App& app, Exchange& ex, const Principal&) {
  const std::string origin(ex.header("origin"));
  if (ghl::origin_allowed(app.config(), origin)) {
    ex.response_headers.emplace_back("access-control-allow-origin", origin);
    ex.response_headers.emplace_back("vary", "Origin");
  }
  if (app.config().ghl_app_shared_secret.empty()) {
    co_await app.fail(ex, ApiError::from_code("ghl.not_configured", "this proxy has no GoHighLevel app shared secret (GHL_APP_SHARED_SECRET)"));
    co_return;
  }
  auto body = co_await read_json_body(app, ex, 64 * 1024);
  if (!body) co_return;
  Errors errors;
  FieldReader r(*body, "ghl_sign_in", "", errors);
  r.reject_unknown({"payload", "lead_id"});
  const auto payload = r.string("payload", Need::required, 16 * 1024);
  const auto lead_id = r.id("lead_id", Need::optional);
  if (!errors.empty()) { co_await app.fail(ex, errors); co_return; }

  auto user = ghl::decrypt_user_context(*payload, app.config().ghl_app_shared_secret);
  if (!user) {
    app.metrics().count("porchlight_ghl_sign_ins_total", {{"result", "refused"}});
    co_await app.fail(ex, user.errors());
    co_return;
  }
  const ghl::GhlUserContext& u = user.value();
  if (u.active_location.empty() || !is_valid_id(u.active_location)) {
    co_await app.fail(ex, ApiError::from_code("auth.invalid_sso", "sign in from inside a location: the user context names none"));
    co_return;
  }
  auto link = co_await ghl::find_link(app, u.active_location);
  if (!link) { co_await app.fail(ex, link.errors()); co_return; }
  if (!link.value() || !link.value()->installed) {
    co_await app.fail(ex, ApiError::from_code("ghl.unknown_location", "the app is not installed in this GoHighLevel location"));
    co_return;
  }
  const ghl::LocationConfig config = ghl::parse_location_config(json::parse(link.value()->config_json, nullptr, false));
  const std::string agent_id = ghl::agent_for(config, u.user_id);
  if (agent_id.empty()) {
    co_await app.fail(ex, ApiError::from_code("auth.invalid_sso", "the user id is not a valid id"));
    co_return;
  }
  auto prepare = [&app, link = *link.value(), agent_id, name = u.user_name, role = u.role] {
    return ghl::prepare_sign_in(app.store(), app.config(), link, agent_id, name, role);
  };
  auto ready = co_await app.blocking(prepare);
  if (!ready) { co_await app.fail(ex, ready.errors()); co_return; }
  if (ready.value().new_link) {  // the location's key was made just now: keep it on the link
    auto kept = co_await ghl::put_link(app, *ready.value().new_link);
    if (!kept) { co_await app.fail(ex, kept.errors()); co_return; }
  }

  AgentClaims claims;
  claims.agent_id = agent_id;
  claims.location_id = link.value()->location_id;
  claims.lead_id = lead_id.value_or("");
  claims.name = u.user_name.substr(0, 100);
  claims.issued_at = store::detail::now_unix_micros() / 1'000'000;
  claims.expires_at = claims.issued_at + app.config().agent_token_max_age.count();
  app.metrics().count("porchlight_ghl_sign_ins_total", {{"result", "ok"}});
  json out = {{"key", ready.value().publishable_key},
              {"agent_token", mint_agent_token(claims, ready.value().token_secret)},
              {"agent_id", agent_id},
              {"location_id", claims.location_id},
              {"expires_at", claims.expires_at}};
  if (lead_id) out["lead_id"] = *lead_id;
  co_await app.send_json(ex, 200, out);
}

}  // namespace porchlight::proxy
