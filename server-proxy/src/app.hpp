// app.hpp: the proxy's shared state (the Beast examples' `shared_state`) and the pieces every
// handler uses: the store (on a worker pool, so the event loop never blocks), authentication,
// limits and budgets, the upstream client, metrics.
//
// Handlers live in handlers/*.cpp; each file registers its routes in App::routes().
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "api_error.hpp"
#include "auth/credentials.hpp"
#include "cache/cache.hpp"
#include "config.hpp"
#include "http/server.hpp"
#include "limits/rate_limiter.hpp"
#include "metrics.hpp"
#include "porchlight/policy.hpp"
#include "store/store.hpp"
#include "upstream/anthropic_client.hpp"

namespace porchlight::cache { class RedisClient; }

namespace porchlight::proxy {

// Upstream latency metrics of one call to Claude: time to the response headers, to the first
// content delta of a stream, and in all.
class UpstreamTimer {
 public:
  UpstreamTimer(Metrics& metrics, std::string model) : metrics_(metrics), model_(std::move(model)) {}
  void on_event(std::string_view event);           // the first content_block_delta is the TTFT
  void finish(const upstream::Response& response);  // duration, and TTFB if the upstream answered

 private:
  Metrics& metrics_;
  std::string model_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool first_token_ = true;
};

// Who is calling, once authenticated.
struct Principal {
  store::ApiKey key;
  store::Scope scope;
  std::string agent_id;  // publishable keys: from the agent token; secret keys: named per request
  AgentClaims claims;    // publishable keys only
  bool browser() const { return key.kind == store::KeyKind::publishable; }
};

enum class Access {
  open,           // no key (health, policy, metrics on loopback, static assets)
  secret,         // sk_ keys only (server callers, the Anthropic-compatible endpoints)
  agent,          // pk_ key + agent token, or sk_ key (which names the agent itself)
};

class App {
 public:
  App(Config config, net::io_context& io);
  ~App();

  // Opens the store (migrating the embedded SQLite default), the cache, limits and upstream.
  Result<store::Done> open();
  const Router& router() const { return router_; }
  awaitable<void> dispatch(Exchange& ex, const Router::Match& match);
  void shutdown();

  // Runs a blocking call (store, Redis) on the worker pool; resumes on the caller's strand.
  //
  // Pass a named lambda: `auto q = [..] {..}; co_await app.blocking(q);`. GCC 12 destroys a
  // lambda's captures twice when the lambda is created inside a co_await expression (a double
  // free); a named lambda, taken by reference and copied here in a statement of its own, is safe.
  template <class F>
  awaitable<std::invoke_result_t<F&>> blocking(const F& f) {
    using R = std::invoke_result_t<F&>;
    auto task = [fn = f]() mutable -> awaitable<std::optional<R>> { co_return fn(); };
    auto operation = net::co_spawn(pool_.get_executor(), std::move(task), net::use_awaitable);
    std::optional<R> out = co_await std::move(operation);
    co_return std::move(*out);
  }

  // ---- used by handlers ----
  const Config& config() const { return config_; }
  store::Store& store() { return *store_; }
  Metrics& metrics() { return metrics_; }
  const Policy& policy() const { return Policy::embedded(); }
  upstream::AnthropicClient* upstream() { return upstream_.get(); }  // null: offline
  RateLimiter& limiter() { return *limiter_; }
  cache::Cache& cache() { return *cache_; }
  std::string model_for(ModelTier tier) const;  // the config's override, else the policy's
  std::string today() const;                    // UTC, YYYY-MM-DD

  // Checks the request's credentials for `access`; on failure answers the request and returns
  // nullopt.
  awaitable<std::optional<Principal>> authenticate(Exchange& ex, Access access);
  // The same check from credentials given some other way (the live WebSocket's first message).
  awaitable<Result<Principal>> check_credentials(const std::string& key, const std::string& agent_token,
                                                 const std::string& origin, std::string agent_header, Access access);
  // A call to Claude is admitted (the location's monthly budget, then the request and token
  // limits of this principal), then accounted when answered or released when not.
  struct Admission {
    std::optional<ApiError> refused;        // why not; a refused call takes nothing from the buckets
    std::int64_t limit = 0, remaining = 0;  // the tightest bucket, for rate-limit headers (0: none)
    std::int64_t estimated_tokens = 0;      // what the token buckets gave
    store::RateLimits limits;               // the location's limits as applied (settled against the same)
  };
  enum class Cost { tokens, free };  // free: the call costs nothing (token counting), no budget check
  awaitable<Admission> admission(const Principal& p, std::int64_t estimated_tokens, Cost cost = Cost::tokens);
  // admission() for an HTTP request: adds rate-limit headers; when refused, answers 429 (or the
  // budget's error) and returns nullopt.
  awaitable<std::optional<Admission>> admit(Exchange& ex, const Principal& p, std::int64_t estimated_tokens,
                                            Cost cost = Cost::tokens);
  // The cost in USD of `usage` on `model` by the policy's prices (0 for a model it does not price).
  double price(const Usage& usage, const std::string& model) const;
  // An admitted call that was answered: the ledger (record_usage_async), the month's spend, the
  // token buckets settled from the estimate to the real usage, and the metrics. Fills the
  // record's location, key, cost (when 0) and time.
  void account(const Principal& p, const Admission& admitted, store::UsageRecord record);
  // An admitted call that got no answer to pay for: its estimate goes back to the token buckets.
  void release(const Principal& p, const Admission& admitted) { settle_tokens(p, admitted, 0); }
  // Month-to-date spend and the budget (0: none) of a location: cached, refreshed in the background
  // every few seconds (this instance's own spend is added as it happens).
  awaitable<std::pair<double, double>> budget_state(const store::Scope& scope);
  void add_spend(const std::string& location_id, double usd);
  // Writes a usage record on the worker pool without holding up the caller (the answer has
  // been sent; keep-alive clients move on). Records are gathered for kUsageFlushDelay and written
  // one transaction per location: under load the ledger costs a transaction per batch, not per
  // request. While the store is down they are kept and retried every second; an invalid record is
  // logged and counted without taking its batch with it.
  void record_usage_async(const store::Scope& scope, store::UsageRecord record);
  // Blocking (call it on the worker pool): writes what is queued now, after any write under way,
  // so that a read of the ledger that follows sees every answered request (GET /v1/usage).
  void flush_usage() { write_queued_usage(Drain::all); }
  static constexpr std::chrono::milliseconds kUsageFlushDelay{50};
  static constexpr std::size_t kMaxQueuedUsage = 200000;  // kept while the store is down
  // Up to this many queued records, a batch is written on background_; beyond it (the writer is
  // falling behind), on the worker pool.
  static constexpr std::size_t kBackgroundUsageLimit = 5000;
  // False while usage records cannot be written (the store is down): work whose usage could not
  // be recorded is refused until a retry (every second) gets them in.
  bool store_writable() const { return store_writable_; }
  // Tokens by kind (input, output, cache_read, cache_write) and cost, per location and model.
  void count_usage(const std::string& location_id, const std::string& model, const Usage& usage, double cost_usd);
  void forget_budget(const std::string& location_id);  // after the budget changes

  awaitable<void> send_json(Exchange& ex, int status, const json& body);
  awaitable<void> fail(Exchange& ex, const ApiError& e);
  awaitable<void> fail(Exchange& ex, const Errors& errors) { co_await fail(ex, ApiError::from(errors)); }

  // Handlers register here (see handlers/*.cpp).
  void add(http::verb method, std::string pattern, Access access,
           std::function<awaitable<void>(Exchange&, const Principal*)> handler, std::size_t body_limit = 1u << 20);

  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};

 private:
  void register_routes();
  // Moves the token buckets an admission took from by (actual - estimated).
  void settle_tokens(const Principal& p, const Admission& admitted, std::int64_t actual_tokens);
  awaitable<std::optional<store::ApiKey>> find_key(const std::string& hash);
  awaitable<std::optional<Principal>> check_admin_session(Exchange& ex, const std::string& location_id,
                                                          const std::string& token);
  awaitable<std::optional<store::Location>> find_location(const std::string& id);

  Config config_;
  net::io_context& io_;
  net::thread_pool pool_;
  // One thread at SCHED_IDLE for the usage ledger's batches: a batch is a millisecond or two of
  // SQLite work every 50 ms, and at normal priority it took a core from the requests in flight on
  // a busy machine. Those bursts were most of the gateway's added p99: slow requests (over 1 ms)
  // in 10-s runs at 1000 req/s on 2 cores, about 330 per 10,000 with the writer at normal
  // priority, about 200 at SCHED_IDLE, about 130 with no ledger at all.
  net::thread_pool background_;
  std::mutex usage_mutex_;
  std::mutex usage_write_mutex_;  // one writer at a time: a flush waits for a batch under way
  std::vector<store::UsageRecord> usage_queue_;  // each record carries its location
  bool usage_writing_ = false;
  std::atomic<bool> store_writable_{true};
  // Drain::one_batch (the flush timer): writes what is queued, then leaves what arrived meanwhile
  // for the next tick, so a busy proxy commits once per kUsageFlushDelay, not back to back.
  // Drain::all (flush_usage, shutdown): writes until the queue is empty.
  enum class Drain { one_batch, all };
  void write_queued_usage(Drain drain);
  void write_usage_after(std::chrono::milliseconds delay);  // on the worker pool
  Metrics metrics_;
  Router router_;
  std::shared_ptr<cache::RedisClient> redis_;
  std::shared_ptr<cache::Cache> cache_;
  std::unique_ptr<cache::Cache> auth_cache_;  // keys and location secrets: in-process only
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<upstream::AnthropicClient> upstream_;

  // A location's spend, budget and limits, read from the store at most every few seconds.
  struct BudgetEntry {
    double spent = 0, monthly = 0;
    store::RateLimits limits;
    std::string month;
    std::chrono::steady_clock::time_point at;
    bool refreshing = false;
  };
  awaitable<BudgetEntry> location_state(const store::Scope& scope);
  awaitable<std::optional<BudgetEntry>> load_location_state(const store::Scope& scope, const std::string& month);
  awaitable<void> refresh_location_state(store::Scope scope, std::string month);
  std::mutex budget_mutex_;
  std::map<std::string, BudgetEntry> budgets_;
};

// Route groups, one per file in handlers/.
void register_meta_routes(App& app);      // health, readiness, metrics, policy
void register_profile_routes(App& app);   // profiles and sessions
void register_coach_routes(App& app);     // coach (SSE), resume, feedback, usage, conversations
void register_messages_routes(App& app);  // the Anthropic-compatible endpoints
void register_live_routes(App& app);      // the live-mode WebSocket
void register_web_routes(App& app);       // the widget, the dashboard, the demo page

}  // namespace porchlight::proxy
