// app.cpp: opening the proxy's parts, and what every request goes through.
//
// Sections:
//   [1] opening
//   [2] dispatch: CORS, metrics, errors
//   [3] authentication
//   [4] limits and budgets

#include "app.hpp"
#include "handlers/json_util.hpp"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>

#include "cache/redis_client.hpp"
#include "porchlight/cost.hpp"
#include "porchlight/json_output.hpp"
#include "porchlight/qualify.hpp"
#include "demo.hpp"
#include "log.hpp"
#include "store/cached_store.hpp"
#include "store/migrate.hpp"

namespace porchlight::proxy {

namespace {
std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}
std::string month_of(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  return buf;
}
}  // namespace

// ---- [1] opening -------------------------------------------------------------------------------

namespace {
// SCHED_IDLE for the calling thread: any other thread that wakes up takes the core at once.
// (An unprivileged thread cannot switch back, so only a thread of its own is ever switched.)
void lower_to_background_priority() {
#ifdef __linux__
  sched_param none{};
  if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) != 0)
    log::write(log::Level::warn, "the usage writer runs at normal priority (SCHED_IDLE refused)");
#endif
}
}  // namespace

App::App(Config config, net::io_context& io)
    : config_(std::move(config)), io_(io), pool_(16), background_(1), auth_cache_(cache::make_lru_cache(20000)) {
  net::post(background_, lower_to_background_priority);
  register_routes();
}

App::~App() {
  pool_.join();
  background_.join();
  write_queued_usage(Drain::all);  // what the last flush timer did not get to (the event loop has stopped)
  std::lock_guard lock(usage_mutex_);
  if (!usage_queue_.empty())  // the store is down and there is no later retry: say so, never drop silently
    log::write(log::Level::error, "exiting with " + std::to_string(usage_queue_.size()) +
                                      " usage records not written (the store is unavailable)");
}

void App::shutdown() {
  stopping = true;
  ready = false;
}

Result<store::Done> App::open() {
  // The embedded default migrates itself: a newcomer's `npm start` needs no extra step. Postgres
  // is migrated explicitly, as its owner (`porchlight-proxy migrate`).
  const std::string& url = config_.database_url;
  if (url.rfind("sqlite://", 0) == 0) {
    const std::filesystem::path file = url.substr(9);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    auto migrated = store::migrate(url);
    if (!migrated) return migrated.errors();
  }
  auto opened = store::open_store(url, 16);
  if (!opened) return opened.errors();

  if (!config_.redis_url.empty()) {
    auto parsed = cache::parse_redis_url(config_.redis_url);
    if (!parsed) return parsed.errors();
    redis_ = std::make_shared<cache::RedisClient>(parsed.value(), 8);
    auto c = cache::make_redis_cache(config_.redis_url, 20000);
    if (!c) return c.errors();
    cache_ = std::shared_ptr<cache::Cache>(std::move(c).value());
    limiter_ = make_redis_limiter(redis_);
  } else {
    cache_ = std::shared_ptr<cache::Cache>(cache::make_lru_cache(20000));
    limiter_ = make_local_limiter();
  }
  store_ = store::make_cached_store(std::move(opened).value(), cache_);

  if (!config_.anthropic_api_key.empty()) {
    upstream::ClientConfig uc;
    uc.base_url = config_.upstream_url;
    uc.api_key = config_.anthropic_api_key;
    uc.default_anthropic_version = config_.anthropic_version;
    uc.connect_timeout = config_.upstream_connect_timeout;
    uc.first_byte_timeout = config_.upstream_first_byte_timeout;
    uc.idle_timeout = config_.upstream_idle_timeout;
    uc.fallbacks = config_.fallbacks;
    if (uc.fallbacks.empty()) {  // a failing model hands over to the next faster tier's
      const std::string deep = model_for(ModelTier::deep), balanced = model_for(ModelTier::balanced),
                        fast = model_for(ModelTier::fast);
      if (deep != balanced) uc.fallbacks[deep] = {balanced};
      if (balanced != fast) uc.fallbacks[balanced] = {fast};
    }
    upstream_ = std::make_unique<upstream::AnthropicClient>(io_.get_executor(), uc);
  }

  metrics_.help("porchlight_http_request_duration_seconds", "histogram", "Request latency by route and status class");
  metrics_.help("porchlight_upstream_ttft_seconds", "histogram", "Upstream time to the first content delta of a streamed answer");
  metrics_.help("porchlight_upstream_ttfb_seconds", "histogram", "Upstream time to response headers");
  metrics_.help("porchlight_upstream_duration_seconds", "histogram", "Upstream request duration");
  metrics_.help("porchlight_tokens_total", "counter", "Tokens by location, model and kind");
  metrics_.help("porchlight_cost_usd_total", "counter", "Cost in USD by location and model");
  metrics_.help("porchlight_route_mismatch_total", "counter", "Browser (WASM) route previews that differ from the proxy's decision");
  ready = true;
  return store::Done{};
}

std::string App::model_for(ModelTier tier) const {
  auto it = config_.tier_models.find(std::string(name_of(tier)));
  return it != config_.tier_models.end() ? it->second : policy().model_for(tier);
}

std::string App::today() const { return format_civil_date(unix_now() / 86400); }

void App::add(http::verb method, std::string pattern, Access access,
              std::function<awaitable<void>(Exchange&, const Principal*)> handler, std::size_t body_limit) {
  router_.add(method, std::move(pattern),
              [this, access, handler = std::move(handler)](Exchange& ex) -> awaitable<void> {
                if (access == Access::open) {
                  co_await handler(ex, nullptr);
                  co_return;
                }
                auto principal = co_await authenticate(ex, access);
                if (principal) co_await handler(ex, &*principal);
              },
              body_limit);
}

void App::register_routes() {
  register_meta_routes(*this);
  register_profile_routes(*this);
  register_coach_routes(*this);
  register_messages_routes(*this);
  register_live_routes(*this);
  register_web_routes(*this);
}

// ---- [2] dispatch ------------------------------------------------------------------------------

awaitable<void> App::send_json(Exchange& ex, int status, const json& body) {
  co_await ex.send(status, to_json_text(body));
}

awaitable<void> App::fail(Exchange& ex, const ApiError& e) {
  metrics_.count("porchlight_errors_total", {{"code", e.code}});
  co_await ex.send_error(e);
}

awaitable<void> App::dispatch(Exchange& ex, const Router::Match& match) {
  const auto started = std::chrono::steady_clock::now();
  const std::string origin(ex.header("origin"));
  if (!origin.empty() && ex.path().rfind("/v1/", 0) == 0)
    ex.response_headers.emplace_back("vary", "Origin");
  if (ex.request().method() == http::verb::options && !origin.empty()) {
    // Preflights carry no credentials; the real request is checked against the key's origins and
    // only then gets Access-Control-Allow-Origin.
    co_await ex.send(204, "", "text/plain",
                     HEADERS({{"access-control-allow-origin", origin},
                      {"access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"},
                      {"access-control-allow-headers",
                       "authorization, content-type, x-api-key, x-porchlight-agent-token, last-event-id, anthropic-version"},
                      {"access-control-max-age", "600"}}));
  } else if (!match.handler) {
    // (Chosen in a statement of its own: GCC 12 miscompiles a ?: of temporaries inside co_await.)
    const ApiError e = match.path_known
                           ? ApiError::from_code("method_not_allowed", "this path does not take " +
                                                                           std::string(ex.request().method_string()))
                           : ApiError::from_code("not_found", "no such endpoint: " + std::string(ex.path()));
    co_await fail(ex, e);
  } else if (stopping) {
    co_await fail(ex, ApiError::from_code("shutting_down", "this instance is shutting down; retry"));
  } else {
    try {
      co_await (*match.handler)(ex);
    } catch (const std::exception& e) {
      // A bug, not the caller's fault: log, count, answer, keep serving.
      log::write(log::Level::error, "internal error on " + match.pattern + " (" + ex.request_id() + "): " + e.what());
      metrics_.count("porchlight_internal_errors_total", {{"route", match.pattern}});
    }
    if (!ex.responded()) co_await fail(ex, ApiError::from_code("internal", "an internal error occurred; it was logged"));
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  static constexpr std::string_view kStatusClass[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  const std::string_view route = match.handler ? std::string_view(match.pattern) : std::string_view("unmatched");
  metrics_.observe("porchlight_http_request_duration_seconds",
                   {{"route", route}, {"status", kStatusClass[std::clamp(ex.status() / 100, 1, 5) - 1]}}, seconds);
  if (log::enabled(log::Level::debug)) {  // the route's pattern, not the path: paths hold ids
    char ms[32];
    std::snprintf(ms, sizeof ms, "%.3f", seconds * 1000);
    log::write(log::Level::debug, std::string(ex.request().method_string()) + " " + std::string(route) + " " +
                                      std::to_string(ex.status()) + " " + ms + " ms " + ex.request_id());
  }
}

// ---- [3] authentication ------------------------------------------------------------------------

namespace {

// A key as the auth cache holds it: length-prefixed fields ("5:key_1"), lists as a count and their
// items. Read back on every request, so it is cheaper to parse than JSON; any text is safe in it.
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

std::string key_to_text(const store::ApiKey& k) {
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

std::optional<store::ApiKey> key_from_text(std::string_view in) {
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

awaitable<std::optional<store::ApiKey>> App::find_key(const std::string& hash) {
  const std::string cache_key = "key:" + hash;
  if (auto hit = auth_cache_->get(cache_key)) {
    if (hit->empty()) co_return std::nullopt;  // known not to exist
    co_return key_from_text(*hit);
  }
  auto query_1 = [this, hash] { return store_->admin().find_api_key_by_hash(hash); };
  auto found = co_await blocking(query_1);
  if (!found) throw std::runtime_error("key lookup failed: " + found.errors().front().code);
  // Revocations from another process reach this instance within the TTL.
  auth_cache_->set(cache_key, found.value() ? key_to_text(*found.value()) : "",
                   std::chrono::seconds(found.value() ? 30 : 5));
  co_return found.value();
}

awaitable<std::optional<store::Location>> App::find_location(const std::string& id) {
  const std::string cache_key = "loc:" + id;
  if (auto hit = auth_cache_->get(cache_key)) {
    auto j = json::parse(*hit, nullptr, false);
    store::Location l;
    l.id = id;
    l.name = j.value("name", "");
    l.agent_token_secret = j.value("secret", "");
    co_return l;
  }
  auto query_2 = [this, id] { return store_->admin().find_location(id); };
  auto found = co_await blocking(query_2);
  if (!found || !found.value()) co_return std::nullopt;
  auth_cache_->set(cache_key, json{{"name", found.value()->name}, {"secret", found.value()->agent_token_secret}}.dump(),
                   std::chrono::seconds(60));
  co_return found.value();
}

awaitable<Result<Principal>> App::check_credentials(const std::string& key, const std::string& token,
                                                    const std::string& origin, std::string agent_header, Access access) {
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

awaitable<std::optional<Principal>> App::authenticate(Exchange& ex, Access access) {
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
    if (auto session = admin_session_cookie(ex.header("cookie"))) {
      auto p = co_await check_admin_session(ex, session->first, session->second);
      co_return p;
    }
  }
  std::string token(ex.header("x-porchlight-agent-token"));
  auto p = co_await check_credentials(presented_key(ex), token, origin, std::string(ex.header("x-porchlight-agent")), access);
  if (!p) {
    co_await fail(ex, p.errors());
    co_return std::nullopt;
  }
  if (p->browser()) {
    ex.response_headers.emplace_back("access-control-allow-origin", origin);
    ex.response_headers.emplace_back("access-control-expose-headers",
                                     "request-id, retry-after, retry-after-ms, ratelimit-limit, ratelimit-remaining, "
                                     "ratelimit-reset, x-upstream-request-id");
  }
  co_return std::move(p).value();
}

awaitable<std::optional<Principal>> App::check_admin_session(Exchange& ex, const std::string& location_id,
                                                             const std::string& token) {
  const bool mutation = ex.request().method() != http::verb::get && ex.request().method() != http::verb::head;
  std::optional<store::Location> location;
  if (is_valid_id(location_id)) location = co_await find_location(location_id);
  Result<AgentClaims> claims = Error{"auth.invalid_token", "the admin session is not valid; sign in again", ""};
  if (location) claims = verify_agent_token(token, location->agent_token_secret, unix_now(), std::chrono::hours(8), "admin_session");
  if (!claims || claims->location_id != location_id) {
    co_await fail(ex, ApiError::from_code("auth.invalid_token", "the admin session is not valid or has expired; sign in again"));
    co_return std::nullopt;
  }
  // Sessions manage profiles and read analytics; they do not spend tokens.
  if (ex.path().rfind("/v1/messages", 0) == 0 || ex.path().rfind("/v1/coach", 0) == 0) {
    co_await fail(ex, ApiError::from_code("auth.secret_key_required", "admin sessions cannot call Claude; use a key"));
    co_return std::nullopt;
  }
  // SameSite=Strict already stops cross-site posts; the custom header makes it a preflighted CORS request too.
  if (mutation && ex.header("x-porchlight-csrf").empty()) {
    co_await fail(ex, ApiError::from_code("auth.csrf", "dashboard requests that change data send x-porchlight-csrf"));
    co_return std::nullopt;
  }
  Principal p;
  p.key.id = "admin-session";
  p.key.location_id = location_id;
  p.key.kind = store::KeyKind::secret;
  p.key.scopes = {"admin"};
  p.scope.location_id = location_id;
  p.agent_id = std::string(ex.header("x-porchlight-agent"));
  co_return p;
}

// ---- [4] limits and budgets --------------------------------------------------------------------

// The store's figures for a location; nullopt when any of them could not be read.
awaitable<std::optional<App::BudgetEntry>> App::load_location_state(const store::Scope& scope, const std::string& month) {
  auto query_3 = [this, scope, month] { return store_->ledger().month_spend_usd(scope, month); };
  auto spent = co_await blocking(query_3);
  auto query_4 = [this, scope] { return store_->ledger().get_budget(scope); };
  auto budget = co_await blocking(query_4);
  auto query_5 = [this, scope] { return store_->ledger().get_rate_limits(scope); };
  auto limits = co_await blocking(query_5);
  if (!spent || !budget || !limits) co_return std::nullopt;
  BudgetEntry e;
  e.monthly = budget->monthly_usd > 0 ? budget->monthly_usd : config_.default_monthly_budget_usd;
  e.spent = spent.value();
  e.limits = limits.value();
  e.month = month;
  e.at = std::chrono::steady_clock::now();
  co_return e;
}

awaitable<App::BudgetEntry> App::location_state(const store::Scope& scope) {
  const std::string month = month_of(std::time(nullptr));
  {
    std::lock_guard lock(budget_mutex_);
    auto it = budgets_.find(scope.location_id);
    if (it != budgets_.end() && it->second.month == month) {
      // Older than a few seconds: answer with it anyway (add_spend keeps this instance's spend in
      // it) and let one background refresh bring in what other instances spent. Requests never
      // wait on the month's SUM once a location is known.
      if (std::chrono::steady_clock::now() - it->second.at >= std::chrono::seconds(5) && !it->second.refreshing) {
        it->second.refreshing = true;
        net::co_spawn(io_, refresh_location_state(scope, month), net::detached);
      }
      co_return it->second;
    }
  }
  auto loaded = co_await load_location_state(scope, month);
  if (!loaded) {  // answer with defaults, cache nothing
    BudgetEntry e;
    e.monthly = config_.default_monthly_budget_usd;
    e.month = month;
    co_return e;
  }
  std::lock_guard lock(budget_mutex_);
  budgets_[scope.location_id] = *loaded;
  co_return *loaded;
}

awaitable<void> App::refresh_location_state(store::Scope scope, std::string month) {
  auto loaded = co_await load_location_state(scope, month);
  std::lock_guard lock(budget_mutex_);
  auto it = budgets_.find(scope.location_id);
  if (it == budgets_.end()) co_return;  // forgotten meanwhile (the budget changed)
  if (loaded) it->second = *loaded;
  else it->second.at = std::chrono::steady_clock::now();  // the store is down: try again later
  it->second.refreshing = false;
}

awaitable<std::pair<double, double>> App::budget_state(const store::Scope& scope) {
  const BudgetEntry e = co_await location_state(scope);
  co_return std::pair{e.spent, e.monthly};
}

void App::record_usage_async(const store::Scope& scope, store::UsageRecord record) {
  record.location_id = scope.location_id;
  {
    std::lock_guard lock(usage_mutex_);
    usage_queue_.push_back(std::move(record));
    if (usage_writing_) return;  // the running writer takes it in its next batch
    usage_writing_ = true;
  }
  // Wait a moment so that a busy proxy writes one batch per location every kUsageFlushDelay
  // instead of one transaction (and one worker wake-up) per request.
  write_usage_after(kUsageFlushDelay);
}

void App::write_usage_after(std::chrono::milliseconds delay) {
  auto timer = std::make_shared<net::steady_timer>(io_, delay);
  timer->async_wait([this, timer](const boost::system::error_code&) {
    // The background thread while the writer keeps up; a writer that has fallen behind moves to
    // the worker pool (normal priority), so that a busy machine cannot starve it.
    std::size_t queued = 0;
    {
      std::lock_guard lock(usage_mutex_);
      queued = usage_queue_.size();
    }
    auto writer = queued <= kBackgroundUsageLimit ? background_.get_executor() : pool_.get_executor();
    net::post(writer, [this] { write_queued_usage(Drain::one_batch); });
  });
}

// usage_writing_ is true while a flush timer is pending; Drain::all leaves it to that timer.
void App::write_queued_usage(Drain drain) {
  const std::lock_guard writing(usage_write_mutex_);
  for (;;) {
    std::vector<store::UsageRecord> batch;
    {
      std::lock_guard lock(usage_mutex_);
      batch.swap(usage_queue_);
      if (batch.empty()) {
        if (drain == Drain::one_batch) usage_writing_ = false;
        return;
      }
    }
    std::map<std::string, std::vector<store::UsageRecord>> by_location;
    for (auto& r : batch) by_location[r.location_id].push_back(std::move(r));
    std::vector<store::UsageRecord> unwritten;  // the store is down: kept, and retried
    for (auto& [location_id, records] : by_location) {
      const store::Scope scope{location_id};
      auto saved = store_->ledger().record_usage_batch(scope, records);
      if (saved) continue;
      if (saved.errors().front().code == "store.unavailable") {
        std::move(records.begin(), records.end(), std::back_inserter(unwritten));
        continue;
      }
      for (const auto& r : records) {  // an invalid record must not take the others with it
        auto one = store_->ledger().record_usage(scope, r);
        if (one) continue;
        metrics_.count("porchlight_usage_write_failures_total", {});
        log::write(log::Level::error, "usage for request " + r.request_id + " not recorded: " + one.errors().front().code);
      }
    }
    if (unwritten.empty()) {
      store_writable_ = true;
      if (drain == Drain::all) continue;
      std::lock_guard lock(usage_mutex_);
      if (usage_queue_.empty()) {
        usage_writing_ = false;
        return;
      }
      break;  // what arrived during this batch waits for the next tick
    }
    // Until the store takes them, /v1/messages refuses new work (see store_writable()).
    store_writable_ = false;
    {
      std::lock_guard lock(usage_mutex_);
      unwritten.insert(unwritten.end(), std::make_move_iterator(usage_queue_.begin()), std::make_move_iterator(usage_queue_.end()));
      if (unwritten.size() > kMaxQueuedUsage) {
        const std::size_t dropped = unwritten.size() - kMaxQueuedUsage;
        metrics_.count("porchlight_usage_write_failures_total", {}, static_cast<double>(dropped));
        log::write(log::Level::error, "the store has been down too long: " + std::to_string(dropped) + " usage records dropped");
        unwritten.erase(unwritten.begin(), unwritten.begin() + static_cast<std::ptrdiff_t>(dropped));
      }
      usage_queue_ = std::move(unwritten);
      if (drain == Drain::all && usage_writing_) return;  // the pending timer retries them
      usage_writing_ = true;
    }
    write_usage_after(std::chrono::seconds(1));
    return;  // still "writing": new records join the queue and wait for the retry
  }
  write_usage_after(kUsageFlushDelay);
}

void UpstreamTimer::on_event(std::string_view event) {
  if (!first_token_ || event != "content_block_delta") return;
  first_token_ = false;
  metrics_.observe("porchlight_upstream_ttft_seconds", {{"model", model_}},
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
}

void UpstreamTimer::finish(const upstream::Response& response) {
  metrics_.observe("porchlight_upstream_duration_seconds", {{"model", model_}},
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count());
  if (response.status > 0)  // the upstream answered (0 ms is a real figure on loopback)
    metrics_.observe("porchlight_upstream_ttfb_seconds", {{"model", model_}}, std::chrono::duration<double>(response.ttfb).count());
}

void App::count_usage(const std::string& location_id, const std::string& model, const Usage& usage, double cost_usd) {
  const std::pair<const char*, std::int64_t> kinds[] = {{"input", usage.input_tokens},
                                                        {"output", usage.output_tokens},
                                                        {"cache_read", usage.cache_read_input_tokens},
                                                        {"cache_write", usage.cache_creation_input_tokens}};
  for (const auto& [kind, tokens] : kinds)
    metrics_.count("porchlight_tokens_total", {{"location", location_id}, {"model", model}, {"kind", kind}}, static_cast<double>(tokens));
  metrics_.count("porchlight_cost_usd_total", {{"location", location_id}, {"model", model}}, cost_usd);
}

void App::forget_budget(const std::string& location_id) {
  std::lock_guard lock(budget_mutex_);
  budgets_.erase(location_id);
}

void App::add_spend(const std::string& location_id, double usd) {
  std::lock_guard lock(budget_mutex_);
  auto it = budgets_.find(location_id);
  if (it != budgets_.end()) it->second.spent += usd;
}

namespace {
std::vector<BucketRequest> buckets_for(const Principal& p, const Config& c, const store::RateLimits& r,
                                       std::int64_t tokens) {
  auto pick = [](std::int64_t location_value, std::int64_t fallback) { return location_value > 0 ? location_value : fallback; };
  const std::string& loc = p.scope.location_id;
  std::vector<BucketRequest> b = {
      {"key:" + p.key.id + ":req", "key_requests", pick(r.key_requests, c.key_requests_per_minute), 1},
      {"loc:" + loc + ":req", "location_requests", pick(r.location_requests, c.location_requests_per_minute), 1},
      {"loc:" + loc + ":tok", "location_tokens", pick(r.location_tokens, c.location_tokens_per_minute), tokens},
  };
  if (!p.agent_id.empty()) {
    b.push_back({"agent:" + loc + ":" + p.agent_id + ":req", "agent_requests", pick(r.agent_requests, c.agent_requests_per_minute), 1});
    b.push_back({"agent:" + loc + ":" + p.agent_id + ":tok", "agent_tokens", pick(r.agent_tokens, c.agent_tokens_per_minute), tokens});
  }
  if (r.key_tokens > 0) b.push_back({"key:" + p.key.id + ":tok", "key_tokens", r.key_tokens, tokens});
  return b;
}

std::int64_t seconds_to_month_end() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  tm.tm_mon += 1;
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return static_cast<std::int64_t>(timegm(&tm) - now);
}
}  // namespace

awaitable<App::Admission> App::admission(const Principal& p, std::int64_t estimated_tokens, Cost cost) {
  const BudgetEntry state = co_await location_state(p.scope);
  Admission a;
  a.limits = state.limits;
  a.estimated_tokens = std::max<std::int64_t>(estimated_tokens, 1);
  if (cost == Cost::tokens && state.monthly > 0 && state.spent >= state.monthly) {
    char amount[32];
    std::snprintf(amount, sizeof amount, state.monthly >= 1 ? "%.2f" : "%.4g", state.monthly);
    a.refused = ApiError::from_code("budget.exhausted", std::string("this location has spent its monthly budget ($") +
                                                            amount + "); it resets at the start of next month (UTC)");
    a.refused->retry_after = std::chrono::seconds(seconds_to_month_end());
    co_return a;
  }
  const LimitDecision d = limiter_->take(buckets_for(p, config_, a.limits, a.estimated_tokens));
  if (d.fell_back) metrics_.count("porchlight_limiter_fallbacks_total", {});
  a.limit = d.limit;
  a.remaining = d.remaining;
  if (!d.allowed) {
    const auto secs = std::max<std::int64_t>(1, (d.retry_after.count() + 999) / 1000);
    a.refused = ApiError::from_code("limits." + d.exceeded, "rate limit reached (" + d.exceeded + ": " +
                                                                std::to_string(d.limit) + " per minute); retry in " +
                                                                std::to_string(secs) + " s");
    a.refused->retry_after = std::chrono::seconds(secs);
  }
  co_return a;
}

awaitable<std::optional<App::Admission>> App::admit(Exchange& ex, const Principal& p, std::int64_t estimated_tokens,
                                                    Cost cost) {
  Admission a = co_await admission(p, estimated_tokens, cost);
  if (a.limit > 0) {
    ex.response_headers.emplace_back("ratelimit-limit", std::to_string(a.limit));
    ex.response_headers.emplace_back("ratelimit-remaining", std::to_string(a.remaining));
  }
  if (!a.refused) co_return a;
  if (a.refused->code.starts_with("limits.") && a.refused->retry_after)
    ex.response_headers.emplace_back("ratelimit-reset", std::to_string(a.refused->retry_after->count()));
  co_await fail(ex, *a.refused);
  co_return std::nullopt;
}

double App::price(const Usage& usage, const std::string& model) const {
  auto priced = cost_of(usage, model, policy());
  return priced ? priced->total_usd : 0;
}

void App::account(const Principal& p, const Admission& admitted, store::UsageRecord record) {
  record.location_id = p.scope.location_id;
  record.key_id = p.key.id;
  if (record.cost_usd == 0) record.cost_usd = price(record.usage, record.model);
  if (record.at.empty()) record.at = now_rfc3339();
  const Usage& u = record.usage;
  const std::int64_t actual = u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  add_spend(p.scope.location_id, record.cost_usd);
  count_usage(p.scope.location_id, record.model, u, record.cost_usd);
  settle_tokens(p, admitted, actual);
  record_usage_async(p.scope, std::move(record));
}

void App::settle_tokens(const Principal& p, const Admission& admitted, std::int64_t actual_tokens) {
  for (const auto& b : buckets_for(p, config_, admitted.limits, 0))
    if (std::string_view(b.name).ends_with("_tokens")) limiter_->adjust(b, actual_tokens - admitted.estimated_tokens);
}

}  // namespace porchlight::proxy
