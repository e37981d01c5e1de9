// store/ledger.hpp: usage, budgets and rate limits (store.ledger()). Error codes and threading:
// store.hpp.
#pragma once

#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class Ledger {
 public:
  virtual ~Ledger() = default;
  // Idempotent per (location, request_id) when request_id is set: a retry is not counted twice.
  // A batch is one transaction: all of it is written, or (an invalid record) none of it.
  virtual Result<Done> record_usage_batch(const Scope& s, const std::vector<UsageRecord>& batch) = 0;
  Result<Done> record_usage(const Scope& s, const UsageRecord& u) { return record_usage_batch(s, {u}); }
  virtual Result<double> month_spend_usd(const Scope& s, const std::string& month /* "2026-11" */) = 0;
  virtual Result<ScopedSpend> month_spend_by(const Scope& s, const std::string& month) = 0;
  // The location's budget, its default per agent, the alert URL, and every agent's and key's own.
  virtual Result<Budget> get_budget(const Scope& s) = 0;
  // Writes the location's fields of `b` (monthly_usd, agent_monthly_usd, alert_webhook_url); the
  // agents' and keys' own budgets are set one by one with set_scoped_budget.
  virtual Result<Done> set_budget(const Scope& s, const Budget& b) = 0;
  // An agent's ("agent") or an API key's ("key") own monthly budget; 0 removes it.
  virtual Result<Done> set_scoped_budget(const Scope& s, const std::string& kind, const std::string& id,
                                         double monthly_usd) = 0;
  // Notes that the budget alert for (month, scope kind "location" | "agent" | "key", id, threshold
  // 80 | 100) is being sent. False when it was already (by any instance): send it only on true.
  virtual Result<bool> claim_budget_alert(const Scope& s, const std::string& month, const std::string& kind,
                                          const std::string& id, int threshold) = 0;
  virtual Result<RateLimits> get_rate_limits(const Scope& s) = 0;
  virtual Result<Done> set_rate_limits(const Scope& s, const RateLimits& r) = 0;
};

}  // namespace porchlight::store
