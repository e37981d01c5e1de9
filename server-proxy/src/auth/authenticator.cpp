// auth/authenticator.cpp: API keys, agent tokens and admin sessions, checked per request.
//
// Sections:
//   [1] the auth cache's key records
//   [2] keys and locations, cached
//   [3] credentials: keys, origins, agent tokens
//   [4] admin sessions (the dashboard's cookie)

#include "auth/authenticator.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "demo.hpp"

namespace porchlight::proxy {

using json = nlohmann::json;

namespace {
std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

// ---- [1] the auth cache's key records ----------------------------------------------------------

namespace {

void put_field(std::string& out, std::string_view field) {
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

std::optional<std::string_view> take_field(std::string_view& in) {
  const auto colon = in.find(':');
  std::size_t n = 0;
  if (colon == std::string_view::npos || std::from_chars(in.data(), in.data() + colon, n).ptr != in.data() + colon ||
      n > in.size() - colon - 1)
    return std::nullopt;
  const std::string_view field = in.substr(colon + 1, n);
  in.remove_prefix(colon + 1 + n);
  return field;
}

}  // namespace

std::string encode_cached_key(const store::ApiKey& k) {
  std::string out;
  const std::string_view kind = k.kind == store::KeyKind::secret ? "sk" : "pk", revoked = k.revoked_at ? "revoked" : "";
  for (std::string_view f : {std::string_view(k.id), std::string_view(k.location_id), kind, std::string_view(k.prefix), revoked})
    put_field(out, f);
  for (const auto* list : {&k.scopes, &k.allowed_origins}) {
    put_field(out, std::to_string(list->size()));
    for (const auto& item : *list) put_field(out, item);
  }
  return out;
}

std::optional<store::ApiKey> decode_cached_key(std::string_view in) {
  std::optional<std::string_view> f[5];
  for (auto& field : f)
    if (!(field = take_field(in))) return std::nullopt;
  store::ApiKey k;
  k.id = *f[0];
  k.location_id = *f[1];
  k.kind = *f[2] == "sk" ? store::KeyKind::secret : store::KeyKind::publishable;
  k.prefix = *f[3];
  if (!f[4]->empty()) k.revoked_at = std::string(*f[4]);
  for (auto* list : {&k.scopes, &k.allowed_origins}) {
    auto count = take_field(in);
    std::size_t n = 0;
    if (!count || std::from_chars(count->data(), count->data() + count->size(), n).ec != std::errc{}) return std::nullopt;
    for (std::size_t i = 0; i < n; ++i) {
      auto item = take_field(in);
      if (!item) return std::nullopt;
      list->emplace_back(*item);
    }
  }
  return k;
}

// ---- [2] keys and locations, cached ------------------------------------------------------------

Authenticator::Authenticator(store::Admin& store, WorkerPool& pool, const Config& config)
    : store_(store), pool_(pool), config_(config), cache_(cache::make_lru_cache(20000)) {}

awaitable<std::optional<store::ApiKey>> Authenticator::find_key(const std::string& hash) {
  const std::string cache_key = "key:" + hash;
  if (auto hit = cache_->get(cache_key)) {
    if (hit->empty()) co_return std::nullopt;  // known not to exist
    co_return decode_cached_key(*hit);
  }
  auto query_1 = [this, hash] { return store_.find_api_key_by_hash(hash); };
  auto found = co_await pool_.blocking(query_1);
  if (!found) throw std::runtime_error("key lookup failed: " + found.errors().front().code);
  // Revocations from another process reach this instance within the TTL.
  cache_->set(cache_key, found.value() ? encode_cached_key(*found.value()) : "", std::chrono::seconds(found.value() ? 30 : 5));
  co_return found.value();
}

awaitable<std::optional<store::Location>> Authenticator::find_location(const std::string& id) {
  const std::string cache_key = "loc:" + id;
  if (auto hit = cache_->get(cache_key)) {
    auto j = json::parse(*hit, nullptr, false);
    store::Location l;
    l.id = id;
    l.name = j.value("name", "");
    l.agent_token_secret = j.value("secret", "");
    co_return l;
  }
  auto query_2 = [this, id] { return store_.find_location(id); };
  auto found = co_await pool_.blocking(query_2);
  if (!found || !found.value()) co_return std::nullopt;
  cache_->set(cache_key, json{{"name", found.value()->name}, {"secret", found.value()->agent_token_secret}}.dump(),
              std::chrono::seconds(60));
  co_return found.value();
}

// ---- [3] credentials: keys, origins, agent tokens ----------------------------------------------

namespace {
// The key from x-api-key, or Authorization: Bearer (what the official SDKs send).
std::string presented_key(const Exchange& ex) {
  std::string key(ex.header("x-api-key"));
  if (key.empty()) {
    const std::string_view auth = ex.header("authorization");
    if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) key = auth.substr(7);
  }
  return key;
}
}  // namespace

awaitable<Result<Principal>> Authenticator::check_credentials(const std::string& key, const std::string& token,
                                                              const std::string& origin, std::string agent_header,
                                                              Access access) {
  if (key.empty()) co_return Error{"auth.missing_key", "send an API key in x-api-key or Authorization: Bearer", ""};
  std::optional<store::ApiKey> found;
  if (api_key_kind(key)) {
    try {
      found = co_await find_key(hash_api_key(key));
    } catch (const std::exception&) {
      co_return Error{"store.unavailable", "cannot check the API key right now; retry", ""};
    }
  }
  if (!found) co_return Error{"auth.invalid_key", "the API key is not valid", ""};
  if (found->revoked_at) co_return Error{"auth.revoked_key", "the API key was revoked", ""};
  Principal p;
  p.key = *found;
  p.scope.location_id = found->location_id;
  if (access == Access::secret && p.browser())
    co_return Error{"auth.secret_key_required", "this endpoint takes a secret key (sk_), from a server, never a browser", ""};
  if (!p.browser()) {
    // A page sent a secret key: refused, so that a key pasted into a page cannot spend (servers'
    // SDKs send no Origin). The API itself asks for anthropic-dangerous-direct-browser-access; a
    // secret key here never belongs in a browser.
    if (!origin.empty())
      co_return Error{"auth.secret_key_in_browser", "a secret key (sk_) was sent from a web page (origin " + origin +
                                                        "): keep it on a server; pages use a publishable key (pk_) and an agent token", ""};
    p.agent_id = std::move(agent_header);
    co_return p;
  }
  if (std::find(found->allowed_origins.begin(), found->allowed_origins.end(), origin) == found->allowed_origins.end())
    co_return Error{"auth.origin_not_allowed", origin.empty() ? "publishable keys are for browsers: the request has no Origin"
                                                              : "origin " + origin + " is not allowed for this key", ""};
  if (token.empty())
    co_return Error{"auth.invalid_token", "browser requests need the agent token minted by the CRM's backend "
                                          "(header x-porchlight-agent-token)", ""};
  auto location = co_await find_location(p.scope.location_id);
  if (!location) co_return Error{"store.unavailable", "cannot check the agent token right now; retry", ""};
  auto claims = verify_agent_token(token, location->agent_token_secret, unix_now(), config_.agent_token_max_age);
  if (!claims) co_return claims.errors();
  if (claims->location_id != p.scope.location_id)
    co_return Error{"auth.invalid_token", "agent token: it was minted for another location", ""};
  p.claims = claims.value();
  p.agent_id = claims->agent_id;
  co_return p;
}

awaitable<Result<Principal>> Authenticator::authenticate(Exchange& ex, Access access) {
  std::string origin(ex.header("origin"));
  // Browsers send no Origin on same-origin GETs (the demo page at / calling /v1/...). Sec-Fetch-Site,
  // which no page can set, says the caller is a page of this proxy: its origin is our own.
  if (origin.empty() && ex.header("sec-fetch-site") == "same-origin" && !ex.header("host").empty()) {
    const std::string host(ex.header("host"));
    std::string pub = config_.public_url;
    while (!pub.empty() && pub.back() == '/') pub.pop_back();
    origin = pub.ends_with("://" + host) ? pub : "http://" + host;
  }
  // Admins in the dashboard: an HttpOnly session cookie instead of a key (no secret in the page).
  if (presented_key(ex).empty()) {
    if (auto session = admin_session_cookie(ex.header("cookie"))) co_return co_await check_admin_session(ex, session->first, session->second);
  }
  std::string token(ex.header("x-porchlight-agent-token"));
  auto p = co_await check_credentials(presented_key(ex), token, origin, std::string(ex.header("x-porchlight-agent")), access);
  // A page is let read why it was refused (a wrong origin, an expired token), so the widget can
  // say so instead of "cannot reach Porchlight". The error names nothing the page did not send.
  if ((p && p->browser()) || (!p && !origin.empty())) {
    ex.response_headers.emplace_back("access-control-allow-origin", origin);
    ex.response_headers.emplace_back("access-control-expose-headers",
                                     "request-id, retry-after, retry-after-ms, ratelimit-limit, ratelimit-remaining, "
                                     "ratelimit-reset, x-upstream-request-id");
  }
  co_return p;
}

// ---- [4] admin sessions ------------------------------------------------------------------------

awaitable<Result<Principal>> Authenticator::check_admin_session(const Exchange& ex, const std::string& location_id,
                                                                const std::string& token) {
  const bool mutation = ex.request().method() != http::verb::get && ex.request().method() != http::verb::head;
  std::optional<store::Location> location;
  if (is_valid_id(location_id)) location = co_await find_location(location_id);
  Result<AgentClaims> claims = Error{"auth.invalid_token", "the admin session is not valid; sign in again", ""};
  if (location) claims = verify_agent_token(token, location->agent_token_secret, unix_now(), std::chrono::hours(8), "admin_session");
  if (!claims || claims->location_id != location_id)
    co_return Error{"auth.invalid_token", "the admin session is not valid or has expired; sign in again", ""};
  // Sessions manage profiles and read analytics; they do not spend tokens.
  if (ex.path().rfind("/v1/messages", 0) == 0 || ex.path().rfind("/v1/coach", 0) == 0)
    co_return Error{"auth.secret_key_required", "admin sessions cannot call Claude; use a key", ""};
  // SameSite=Strict already stops cross-site posts; the custom header makes it a preflighted CORS request too.
  if (mutation && ex.header("x-porchlight-csrf").empty())
    co_return Error{"auth.csrf", "dashboard requests that change data send x-porchlight-csrf", ""};
  Principal p;
  p.key.id = "admin-session";
  p.key.location_id = location_id;
  p.key.kind = store::KeyKind::secret;
  // Everything a dashboard needs; spending is refused above.
  p.key.scopes = {"coach", "profiles:read", "profiles:write", "usage:read", "analytics:read", "settings:read", "settings:write",
                  "experiments:write"};
  p.scope.location_id = location_id;
  p.agent_id = std::string(ex.header("x-porchlight-agent"));
  co_return p;
}

}  // namespace porchlight::proxy
