// demo.cpp: the demo location, key and agent, the demo CRM page at /, and admin sign-in links.
//
// The demo's publishable key is derived from the location's secret and the allowed origins
// (HMAC), so every start finds the same key without the key ever being stored in clear.

#include "demo.hpp"

#include <fstream>
#include <iostream>
#include <sstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/credentials.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "store/store_util.hpp"

namespace porchlight::proxy {

namespace {

constexpr const char* kDemoLocation = "loc_demo";
constexpr const char* kDemoAgent = "demo-agent";
constexpr std::chrono::seconds kTokenLifetime{3600};
constexpr std::chrono::seconds kLoginLifetime{600};
constexpr std::chrono::hours kSessionLifetime{8};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string demo_key(const std::string& secret, const std::vector<std::string>& origins) {
  std::string material = "porchlight-demo-pk";
  for (const auto& o : origins) material += "\n" + o;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(material.data()),
       material.size(), mac, &len);
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string key = "pk_";
  for (unsigned i = 0; key.size() < 43; ++i) key += kAlphabet[(mac[i % len] ^ (i / len * 31)) % 62];
  return key;
}

std::vector<std::string> demo_origins(const Config& c) {
  const std::string port = c.listen.substr(c.listen.rfind(':') + 1);
  std::vector<std::string> origins = {"http://localhost:" + port, "http://127.0.0.1:" + port};
  if (!c.public_url.empty()) {
    std::string u = c.public_url;
    while (!u.empty() && u.back() == '/') u.pop_back();
    if (std::find(origins.begin(), origins.end(), u) == origins.end()) origins.push_back(u);
  }
  return origins;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

void replace_all(std::string& text, std::string_view from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::string cookie_value(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    const auto semi = cookies.find(';');
    std::string_view pair = cookies.substr(0, semi);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    if (pair.substr(0, name.size()) == name && pair.size() > name.size() && pair[name.size()] == '=')
      return std::string(pair.substr(name.size() + 1));
    if (semi == std::string_view::npos) break;
    cookies.remove_prefix(semi + 1);
  }
  return {};
}

}  // namespace

Result<std::string> provision_demo(App& app) {
  auto& store = app.store();
  auto location = store.admin().ensure_location(kDemoLocation, "Demo Realty (Porchlight demo)");
  if (!location) return location.errors();
  const store::Scope scope{kDemoLocation};
  const auto origins = demo_origins(app.config());
  const std::string key = demo_key(location->agent_token_secret, origins);
  auto existing = store.admin().find_api_key_by_hash(hash_api_key(key));
  if (!existing) return existing.errors();
  if (!existing.value()) {
    store::ApiKey k;
    k.location_id = kDemoLocation;
    k.kind = store::KeyKind::publishable;
    k.prefix = key.substr(0, 10);
    k.key_hash = hash_api_key(key);
    k.allowed_origins = origins;
    auto created = store.admin().create_api_key(k);
    if (!created) return created.errors();
  }
  auto agent = store.profiles().get(scope, kDemoAgent);
  if (!agent) return agent.errors();
  if (!agent.value()) {
    AgentProfile p;
    p.id = kDemoAgent;
    p.location_id = kDemoLocation;
    p.name = "Dana Whitfield";
    p.role = AgentRole::buyer_agent;
    p.experience = ExperienceLevel::novice;
    p.specializations = {Specialization::first_time_buyers, Specialization::relocation};
    auto saved = store.profiles().put(scope, p);
    if (!saved) return saved.errors();
  }
  return std::string(kDemoLocation);
}

// An admin sign-in link for a location's dashboard (the CLI prints one; the demo page links one).
std::string admin_login_path(const std::string& location_id, const std::string& secret) {
  AgentClaims c;
  c.kind = "admin_login";
  c.agent_id = "admin";
  c.location_id = location_id;
  c.issued_at = unix_now();
  c.expires_at = c.issued_at + kLoginLifetime.count();
  c.token_id = store::detail::random_hex(16);
  return "/dashboard/login?location=" + location_id + "&token=" + mint_agent_token(c, secret);
}

// The sample CRM lead page. Its agent token is minted here, server-side, on every load, exactly
// as a CRM's backend would; the page never sees the location's secret.
awaitable<void> demo_page(App& app, Exchange& ex, const Principal&) {
  if (!app.config().demo) {
    co_await app.send_json(ex, 200, JSON_OBJ({{"service", "porchlight-proxy"}, {"docs", "see /v1/version, /healthz and docs/"},
                                     {"demo", "start with --demo to serve the demo CRM page here"}}));
    co_return;
  }
  auto query_1 = [&app] { return app.store().admin().find_location(kDemoLocation); };
  auto location = co_await app.blocking(query_1);
  if (!location || !location.value()) {
    co_await app.fail(ex, ApiError::from_code("store.unavailable", "the demo is not provisioned yet; retry"));
    co_return;
  }
  const std::string secret = location.value()->agent_token_secret;
  std::ifstream in(web_root(app.config()) / "demo/index.html");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string page = ss.str();
  if (page.empty()) {
    co_await app.fail(ex, ApiError::from_code("not_found", "the demo page is not built (npm run build)"));
    co_return;
  }
  AgentClaims c;
  c.agent_id = kDemoAgent;
  c.location_id = kDemoLocation;
  c.lead_id = "lead-jordan-lee";
  c.issued_at = unix_now();
  c.expires_at = c.issued_at + kTokenLifetime.count();
  replace_all(page, "{{PUBLISHABLE_KEY}}", html_escape(demo_key(secret, demo_origins(app.config()))));
  replace_all(page, "{{AGENT_TOKEN}}", html_escape(mint_agent_token(c, secret)));
  replace_all(page, "{{DASHBOARD_LINK}}", html_escape(admin_login_path(kDemoLocation, secret)));
  co_await ex.send(200, std::move(page), "text/html; charset=utf-8",
                   HEADERS({{"cache-control", "no-store"},
                    {"content-security-policy", "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; "
                                                "connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'"}}));
}

// Trades an admin sign-in link (10 minutes, one use) for an HttpOnly session cookie scoped to the location.
awaitable<void> dashboard_login(App& app, Exchange& ex, const Principal&) {
  const std::string location_id = ex.query_param("location");
  const std::string token = ex.query_param("token");
  Result<std::optional<store::Location>> location = std::optional<store::Location>{};
  if (is_valid_id(location_id)) {
    auto query_2 = [&app, location_id] { return app.store().admin().find_location(location_id); };
    location = co_await app.blocking(query_2);
  }
  if (!location || !location.value()) {
    co_await app.fail(ex, ApiError::from_code("auth.invalid_token", "this sign-in link is not valid"));
    co_return;
  }
  auto claims = verify_agent_token(token, location.value()->agent_token_secret, unix_now(), kLoginLifetime, "admin_login");
  if (!claims || claims->location_id != location_id || claims->token_id.size() != 32) {
    co_await app.fail(ex, ApiError::from_code("auth.invalid_token", "this sign-in link is not valid or has expired"));
    co_return;
  }
  // One use: a link left in a browser's history or a proxy's log must not open the dashboard again.
  auto claim_3 = [&app, key = "admin_login|" + location_id + "|" + claims->token_id] {
    return app.cache().claim(key, kLoginLifetime + std::chrono::minutes(2));  // + the clock leeway
  };
  if (!co_await app.blocking(claim_3)) {
    co_await app.fail(ex, ApiError::from_code("auth.invalid_token", "this sign-in link was used already; ask for a new one"));
    co_return;
  }
  AgentClaims s = claims.value();
  s.kind = "admin_session";
  s.issued_at = unix_now();
  s.expires_at = s.issued_at + std::chrono::duration_cast<std::chrono::seconds>(kSessionLifetime).count();
  const std::string cookie = "porchlight_admin=" + location_id + "." + mint_agent_token(s, location.value()->agent_token_secret) +
                             "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kSessionLifetime).count());
  co_await ex.send(303, "", "text/plain", HEADERS({{"location", "/dashboard"}, {"set-cookie", cookie}, {"cache-control", "no-store"}}));
}


// Admin sessions: the cookie set above, checked by the Authenticator.
std::optional<std::pair<std::string, std::string>> admin_session_cookie(std::string_view cookies) {
  const std::string v = cookie_value(cookies, "porchlight_admin");
  const auto dot = v.find('.');
  if (dot == std::string::npos) return std::nullopt;
  return std::pair{v.substr(0, dot), v.substr(dot + 1)};
}

}  // namespace porchlight::proxy
