// alerts/budget_alerts.cpp: budget alerts, counted, claimed once and posted (see the header).

#include "alerts/budget_alerts.hpp"

#include <cstdio>

#include <nlohmann/json.hpp>

#include "alerts/webhook.hpp"
#include "log.hpp"

namespace porchlight::proxy {

BudgetAlerts::BudgetAlerts(store::Ledger& store, WorkerPool& pool, net::io_context& io, Metrics& metrics)
    : store_(store), pool_(pool), io_(io), metrics_(metrics) {}

void BudgetAlerts::notify(const std::string& location_id, const BudgetCrossing& c) {
  metrics_.count("porchlight_budget_alerts_total", {{"kind", c.kind}, {"threshold", c.threshold == 80 ? "80" : "100"}});
  if (c.alert_url.empty()) return;
  net::co_spawn(io_, deliver(store::Scope{location_id}, c), net::detached);
}

awaitable<void> BudgetAlerts::deliver(store::Scope scope, BudgetCrossing c) {
  auto claim = [this, scope, c] { return store_.claim_budget_alert(scope, c.month, c.kind, c.id, c.threshold); };
  auto first = co_await pool_.blocking(claim);
  if (!first || !first.value()) co_return;  // sent already by some instance, or the store is down
  const std::string body = budget_alert_body(scope.location_id, c);
  net::steady_timer pause(io_);
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    auto sent = co_await post_json(io_.get_executor(), c.alert_url, body);
    if (sent) co_return;
    if (attempt == kAttempts) {  // the URL is a credential: only the error's code is logged
      log::write(log::Level::warn, "budget alert for location " + scope.location_id + " not delivered: " +
                                       sent.errors().front().code);
      metrics_.count("porchlight_budget_alert_failures_total", {});
      co_return;
    }
    pause.expires_after(std::chrono::seconds(attempt * attempt));
    co_await pause.async_wait(net::use_awaitable);
  }
}

std::string budget_alert_body(const std::string& location_id, const BudgetCrossing& c) {
  char amounts[96];
  std::snprintf(amounts, sizeof amounts, "$%.2f of $%.2f", c.spent, c.budget);
  const std::string whose = c.kind == "location" ? "Location " + location_id
                                                 : std::string(c.kind == "agent" ? "Agent " : "API key ") + c.id +
                                                       " of location " + location_id;
  const std::string text = "Porchlight: " + whose + " has used " + std::to_string(c.threshold) +
                           "% of its monthly Claude budget (" + amounts + ", " + c.month + " UTC)." +
                           (c.threshold >= 100 ? " New calls are refused until the month ends or the budget is raised." : "");
  return nlohmann::json{{"text", text},
                        {"location_id", location_id},
                        {"scope", {{"kind", c.kind}, {"id", c.id}}},
                        {"threshold", c.threshold},
                        {"spent_usd", c.spent},
                        {"budget_usd", c.budget},
                        {"month", c.month}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace porchlight::proxy
