// app.hpp: the proxy's parts, wired together. make_app() builds every part from the
// configuration, once; handlers (handlers/*.cpp, listed in handlers/routes.cpp) reach them
// through App and build none of their own.
//
//   store        the repository (on the worker pool, so the event loop never blocks)
//   cache        Redis, or in-process (profiles, conversations, one-use tokens)
//   auth         who is calling (auth/authenticator.hpp)
//   budgets      each location's spend, budget and limits (limits/budgets.hpp)
//   admission    whether a call to Claude may go ahead, and paying for it (limits/admission.hpp);
//                budgets past 80% and 100% go to the alerts (alerts/budget_alerts.hpp)
//   ledger       the usage records, written in batches (ledger/usage_ledger.hpp)
//   shedder      refusing new work while the proxy is overloaded (limits/load_shedder.hpp)
//   providers    where answers come from: Claude, the playbooks, a chain (providers/provider.hpp)
//   metrics      /metrics
//   card hub     live cards to agents' sockets on any instance (live/card_hub.hpp)
//   webhooks     GoHighLevel's keys and the inbox worker (ghl/)
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "alerts/budget_alerts.hpp"
#include "api_error.hpp"
#include "auth/authenticator.hpp"
#include "cache/cache.hpp"
#include "ghl/webhook_keys.hpp"
#include "live/card_hub.hpp"
#include "group_write.hpp"
#include "store/group_commit.hpp"
#include "config.hpp"
#include "http/server.hpp"
#include "ledger/usage_ledger.hpp"
#include "limits/admission.hpp"
#include "limits/budgets.hpp"
#include "limits/load_shedder.hpp"
#include "limits/rate_limiter.hpp"
#include "metrics.hpp"
#include "porchlight/policy.hpp"
#include "providers/provider.hpp"
#include "store/store.hpp"
#include "upstream/anthropic_client.hpp"
#include "worker_pool.hpp"

namespace porchlight::proxy {

class WebhookWorker;

class App {
 public:
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  const Config& config() const { return config_; }
  // The built-in policy, with the files of --policy-dir in place of theirs.
  const Policy& policy() const { return policy_; }
  std::string model_for(ModelTier tier) const;  // the config's override, else the policy's
  std::string today() const;                    // UTC, YYYY-MM-DD

  store::Store& store() { return *store_; }
  // Small writes that may share a transaction with others' (the webhook inbox, cards' receipts):
  // blocking on a pool, or awaited (group_write.hpp).
  store::GroupCommit& group_commit() { return *group_commit_; }
  awaitable<Result<store::Done>> group_write(const store::Scope& s, const store::Store::Work& work, store::GroupCommit::Lane lane) {
    return proxy::group_write(*group_commit_, pool_, s, work, lane);
  }
  cache::Cache& cache() { return *cache_; }
  Metrics& metrics() { return metrics_; }
  Authenticator& auth() { return *auth_; }
  Budgets& budgets() { return *budgets_; }
  LoadShedder& shedder() { return *shedder_; }
  Admission& admission() { return *admission_; }
  UsageLedger& ledger() { return *ledger_; }
  // Coaching answers: Claude, then the playbooks when Claude cannot answer (labelled offline).
  Provider& provider() { return *coaching_; }
  // The Anthropic-compatible endpoints: Claude exactly as it answers, errors included; the
  // playbooks only when no API key is configured.
  Provider& passthrough() { return *passthrough_; }
  Provider& playbooks() { return *playbooks_; }
  upstream::AnthropicClient* upstream() { return upstream_.get(); }  // null without an API key
  net::io_context& io() { return io_; }
  // Live cards to agents' sockets on any instance (live/card_hub.hpp).
  CardHub& card_hub() { return *card_hub_; }
  // GoHighLevel: the webhook keys, and the worker over the inbox (ghl/worker.hpp).
  const ghl::WebhookKeys& ghl_webhook_keys() const { return ghl_keys_; }
  WebhookWorker& webhook_worker() { return *webhook_worker_; }
  std::string_view upstream_name() const;                          // for the start line and /readyz

  // Runs a blocking call (the store, Redis) on the worker pool; see WorkerPool::blocking.
  template <class F>
  awaitable<std::invoke_result_t<F&>> blocking(const F& f) {
    return pool_.blocking(f);
  }

  // Every request: CORS preflights, unknown routes, authentication, the handler, errors, metrics.
  const Router& router() const { return router_; }
  awaitable<void> dispatch(Exchange& ex, const Router::Match& match);
  void shutdown();  // refuse new work (readiness turns false)

  awaitable<void> send_json(Exchange& ex, int status, const json& body);
  awaitable<void> fail(Exchange& ex, const ApiError& e);
  awaitable<void> fail(Exchange& ex, const Errors& errors) { co_await fail(ex, ApiError::from(errors)); }

  std::atomic<bool> ready{false};
  std::atomic<bool> stopping{false};

 private:
  friend Result<std::unique_ptr<App>> make_app(Config config, net::io_context& io);
  App(Config config, net::io_context& io);
  Result<store::Done> open();

  // In construction order; destroyed in reverse (the ledger writes what is queued last).
  Config config_;
  net::io_context& io_;
  Policy policy_ = Policy::embedded();
  WorkerPool pool_{16};
  Metrics metrics_;
  Router router_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<store::GroupCommit> group_commit_;
  std::shared_ptr<cache::Cache> cache_;
  std::unique_ptr<RateLimiter> limiter_;
  std::unique_ptr<UsageLedger> ledger_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<Budgets> budgets_;
  std::unique_ptr<BudgetAlerts> alerts_;
  std::unique_ptr<LoadShedder> shedder_;
  std::unique_ptr<Admission> admission_;
  std::unique_ptr<upstream::AnthropicClient> upstream_;
  std::unique_ptr<Provider> claude_, playbooks_, coaching_chain_;
  Provider* coaching_ = nullptr;
  Provider* passthrough_ = nullptr;
  std::unique_ptr<CardHub> card_hub_;
  ghl::WebhookKeys ghl_keys_;
  std::unique_ptr<WebhookWorker> webhook_worker_;
};

// Opens the store (migrating the embedded SQLite default), the cache, limits and the upstream,
// and registers every route.
Result<std::unique_ptr<App>> make_app(Config config, net::io_context& io);

}  // namespace porchlight::proxy
