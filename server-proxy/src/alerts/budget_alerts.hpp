// alerts/budget_alerts.hpp: what happens when spend carries a budget (the location's, an agent's
// or an API key's) to 80% or 100%: a metric at once (porchlight_budget_alerts_total{kind,
// threshold}), and, once per month, scope and threshold across every instance (claimed in the
// store), a POST to the location's alert webhook when it has one. The dashboard shows the same
// state from GET /v1/usage (a banner from 80%).
#pragma once

#include <string>

#include "limits/budgets.hpp"
#include "metrics.hpp"
#include "store/ledger.hpp"
#include "worker_pool.hpp"

namespace porchlight::proxy {

class BudgetAlerts {
 public:
  BudgetAlerts(store::Ledger& store, WorkerPool& pool, net::io_context& io, Metrics& metrics);
  // Returns at once; the claim and the POST run in the background.
  void notify(const std::string& location_id, const BudgetCrossing& crossing);

  static constexpr int kAttempts = 3;

 private:
  awaitable<void> deliver(store::Scope scope, BudgetCrossing crossing);

  store::Ledger& store_;
  WorkerPool& pool_;
  net::io_context& io_;
  Metrics& metrics_;
};

// The alert's JSON body: Slack's and Teams' incoming webhooks show its `text`; the other fields
// are for a program.
std::string budget_alert_body(const std::string& location_id, const BudgetCrossing& crossing);

}  // namespace porchlight::proxy
