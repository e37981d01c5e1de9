// app.cpp: building the proxy's parts from the configuration, and what every request goes through.
//
// Sections:
//   [1] make_app: opening and wiring
//   [2] dispatch: CORS, authentication, errors, metrics

#include "app.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "auth/scopes.hpp"
#include "cache/redis_client.hpp"
#include "ghl/worker.hpp"
#include "handlers/handlers.hpp"
#include "handlers/routes.hpp"
#include "log.hpp"
#include "porchlight/json_output.hpp"
#include "porchlight/qualify.hpp"
#include "store/cached_store.hpp"
#include "store/migrate.hpp"

namespace porchlight::proxy {

// ---- [1] make_app: opening and wiring ----------------------------------------------------------

App::App(Config config, net::io_context& io) : config_(std::move(config)), io_(io) {}

// The worker pool is joined first: a usage batch may be running there, and the ledger (destroyed
// after) writes what is still queued.
App::~App() { pool_.join(); }

Result<std::unique_ptr<App>> make_app(Config config, net::io_context& io) {
  std::unique_ptr<App> app(new App(std::move(config), io));
  if (auto opened = app->open(); !opened) return opened.errors();
  return app;
}

namespace {

// The built-in policy's files with those of `dir` in their place (and any it adds), checked as a
// whole: a folder that breaks the policy stops the start with the policy's own errors.
Result<Policy> policy_with(const std::string& dir) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> files = Policy::embedded().files();
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Error{"config.invalid_policy_dir", "--policy-dir " + dir + " is not a folder", "policy_dir"};
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->file_size() > 4 * 1024 * 1024) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) ec = std::make_error_code(std::errc::io_error);
    files[fs::relative(it->path(), dir).generic_string()] = content.str();
  }
  if (ec) return Error{"config.invalid_policy_dir", "--policy-dir " + dir + " cannot be read: " + ec.message(), "policy_dir"};
  return Policy::from_files(files);
}

}  // namespace

Result<store::Done> App::open() {
  if (!config_.policy_dir.empty()) {
    auto loaded = policy_with(config_.policy_dir);
    if (!loaded) return loaded.errors();
    policy_ = std::move(loaded).value();
  }
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
    auto c = cache::make_redis_cache(config_.redis_url, 20000);
    if (!c) return c.errors();
    cache_ = std::shared_ptr<cache::Cache>(std::move(c).value());
    limiter_ = make_redis_limiter(std::make_shared<cache::RedisClient>(parsed.value(), 8));
  } else {
    cache_ = std::shared_ptr<cache::Cache>(cache::make_lru_cache(20000));
    limiter_ = make_local_limiter();
  }
  store_ = store::make_cached_store(std::move(opened).value(), cache_);
  group_commit_ = std::make_unique<store::GroupCommit>(*store_);

  ledger_ = std::make_unique<UsageLedger>(store_->ledger(), io_, pool_, metrics_, store_->backend() != "sqlite");
  auth_ = std::make_unique<Authenticator>(store_->admin(), pool_, config_);
  budgets_ = std::make_unique<Budgets>(store_->ledger(), pool_, io_, config_.default_monthly_budget_usd);
  alerts_ = std::make_unique<BudgetAlerts>(store_->ledger(), pool_, io_, metrics_);
  admission_ = std::make_unique<Admission>(
      *budgets_, *limiter_, *ledger_, metrics_, config_, policy(),
      [this](const std::string& location_id, const BudgetCrossing& c) { alerts_->notify(location_id, c); });
  shedder_ = std::make_unique<LoadShedder>(io_, LoadShedder::Limits{config_.shed_lag, config_.max_in_flight});
  shedder_->start();
  // Every model this proxy may name itself must be priced, or its spend would escape the budgets.
  for (const auto& [tier, model] : config_.tier_models)
    if (!admission_->priced(model))
      return Error{"config.unpriced_model", "--model " + tier + "=" + model + ": the model has no price in prices.json; "
                   "name a priced model or set --unpriced-models highest", "tier_models"};
  for (const auto& [from, to] : config_.fallbacks)
    for (const auto& model : to)
      if (!admission_->priced(model))
        return Error{"config.unpriced_model", "--fallback " + from + "=" + model + ": the model has no price in prices.json; "
                     "name a priced model or set --unpriced-models highest", "fallbacks"};

  playbooks_ = make_playbook_provider(policy());
  coaching_ = passthrough_ = playbooks_.get();
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
    claude_ = make_anthropic_provider(*upstream_, metrics_);
    coaching_chain_ = make_fallback_chain(*claude_, *playbooks_);
    coaching_ = coaching_chain_.get();
    passthrough_ = claude_.get();
  }

  if (!config_.redis_url.empty()) {
    auto hub = make_redis_card_hub(config_.redis_url);
    if (!hub) return hub.errors();
    card_hub_ = std::move(hub).value();
  } else {
    card_hub_ = make_local_card_hub();
  }
  auto keys = ghl::load_webhook_keys(config_);
  if (!keys) return keys.errors();
  ghl_keys_ = keys.value();
  webhook_worker_ = std::make_unique<WebhookWorker>(*this);
  if (config_.webhook_worker) webhook_worker_->start();

  for (const auto& route : route_table(config_)) {
    router_.add(route.method, std::string(route.pattern),
                [this, route](Exchange& ex) -> awaitable<void> {
                  if (route.access == Access::open) {
                    // (Named: GCC 12 destroys a temporary argument of a coroutine call in a
                    // co_await expression twice.)
                    const Principal anonymous;  // no key, no location
                    co_await route.handler(*this, ex, anonymous);
                    co_return;
                  }
                  auto principal = co_await auth_->authenticate(ex, route.access);
                  if (principal && !key_allows(principal->key, route.scope)) principal = scope_missing(route.scope);
                  if (!principal) {
                    co_await fail(ex, principal.errors());
                    co_return;
                  }
                  co_await route.handler(*this, ex, principal.value());
                },
                route.body_limit);
  }

  metrics_.help("porchlight_http_request_duration_seconds", "histogram", "Request latency by route and status class");
  metrics_.help("porchlight_upstream_ttft_seconds", "histogram", "Upstream time to the first content delta of a streamed answer");
  metrics_.help("porchlight_upstream_ttfb_seconds", "histogram", "Upstream time to response headers");
  metrics_.help("porchlight_upstream_duration_seconds", "histogram", "Upstream request duration");
  metrics_.help("porchlight_tokens_total", "counter", "Tokens by location, model and kind");
  metrics_.help("porchlight_prompt_cache_read_share", "gauge",
                "Of the prompt tokens of every call since start, the share read from the prompt cache");
  metrics_.help("porchlight_cost_usd_total", "counter", "Cost in USD by location and model");
  metrics_.help("porchlight_route_mismatch_total", "counter", "Browser (WASM) route previews that differ from the proxy's decision");
  metrics_.help("porchlight_variant_mismatch_total", "counter", "Browser (WASM) experiment variants that differ from the proxy's assignment");
  ready = true;
  return store::Done{};
}

std::string App::model_for(ModelTier tier) const {
  auto it = config_.tier_models.find(std::string(name_of(tier)));
  return it != config_.tier_models.end() ? it->second : policy().model_for(tier);
}

std::string App::today() const {
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  return format_civil_date(now / 86400);
}

std::string_view App::upstream_name() const { return upstream_ ? "anthropic" : "offline playbooks"; }

void App::shutdown() {
  stopping = true;
  ready = false;
}

// ---- [2] dispatch ------------------------------------------------------------------------------

namespace {
// Health probes and metrics answer even while the proxy sheds: they are how it is watched.
bool probe(std::string_view pattern) { return pattern == "/healthz" || pattern == "/readyz" || pattern == "/metrics"; }

// GoHighLevel retries a webhook only when answered 429: what this instance cannot take now
// (shedding, shutting down, a bug) is answered so, never with a 5xx that would lose the event.
bool retried_only_on_429(std::string_view pattern) { return pattern == "/v1/webhooks/ghl"; }
}  // namespace

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
    const Headers preflight = {{"access-control-allow-origin", origin},
                               {"access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"},
                               {"access-control-allow-headers",
                                "authorization, content-type, x-api-key, x-porchlight-agent-token, last-event-id, anthropic-version"},
                               {"access-control-max-age", "600"}};
    co_await ex.send(204, "", "text/plain", preflight);
  } else if (!match.handler) {
    // (Chosen in a statement of its own: GCC 12 miscompiles a ?: of temporaries inside co_await.)
    const ApiError e = match.path_known
                           ? ApiError::from_code("method_not_allowed", "this path does not take " +
                                                                           std::string(ex.request().method_string()))
                           : ApiError::from_code("not_found", "no such endpoint: " + std::string(ex.path()));
    co_await fail(ex, e);
  } else if (stopping && retried_only_on_429(match.pattern)) {
    co_await fail(ex, webhook_retry_later("this instance is shutting down"));
  } else if (stopping) {
    co_await fail(ex, ApiError::from_code("shutting_down", "this instance is shutting down; retry"));
  } else if (const char* why = probe(match.pattern) ? nullptr : shedder_->overloaded()) {
    metrics_.count("porchlight_shed_total", {{"reason", why}});
    ApiError e = ApiError::from_code("overloaded", "this instance is over capacity right now; retry in a second");
    e.retry_after = std::chrono::seconds(1);
    if (retried_only_on_429(match.pattern)) e = webhook_retry_later("this instance is over capacity");
    co_await fail(ex, e);
  } else {
    try {
      co_await (*match.handler)(ex);
    } catch (const std::exception& e) {
      // A bug, not the caller's fault: log, count, answer, keep serving.
      log::write(log::Level::error, "internal error on " + match.pattern + " (" + ex.request_id() + "): " + e.what());
      metrics_.count("porchlight_internal_errors_total", {{"route", match.pattern}});
    }
    if (!ex.responded() && retried_only_on_429(match.pattern)) co_await fail(ex, webhook_retry_later("an internal error occurred"));
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

}  // namespace porchlight::proxy
