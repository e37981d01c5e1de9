// limits/budgets.hpp: each location's month-to-date spend and monthly budgets (the location's, each
// agent's and each API key's) and its rate limits, as admission reads them on every call to
// Claude. Read from the store at most every few seconds: a known location is answered from memory
// at once while one background refresh brings in what other instances spent; this instance's own
// spend is added as it happens, and add_spend says which budgets it carried past 80% or 100%.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "store/ledger.hpp"
#include "worker_pool.hpp"

namespace porchlight::proxy {

struct LocationBudget {
  double spent = 0;    // USD this UTC month, the location's
  double monthly = 0;  // the location's budget in USD; 0: none
  store::Budget budgets;      // the agents' and keys' own, the default per agent, the alert URL
  store::ScopedSpend spent_by;  // this month's spend per agent and per key
  store::RateLimits limits;

  // An agent's budget: its own, else the location's default per agent (0: none).
  double agent_budget(const std::string& agent_id) const;
  double key_budget(const std::string& key_id) const;  // 0: none
  static double amount_of(const std::map<std::string, double>& by, const std::string& id);  // 0: absent
};

// A budget whose use a spend carried to or past 80% or 100% of it.
struct BudgetCrossing {
  std::string kind;  // "location", "agent" or "key"
  std::string id;    // the location's, agent's or key's id
  int threshold = 0;  // 80 or 100
  double spent = 0, budget = 0;
  std::string month;        // UTC, "2026-12"
  std::string alert_url;    // the location's alert webhook; empty: none
};

class Budgets {
 public:
  // `default_monthly_usd` applies to locations without a budget of their own.
  Budgets(store::Ledger& store, WorkerPool& pool, net::io_context& io, double default_monthly_usd);

  // The location's figures. When the store cannot be read and nothing is known yet: the default
  // budget, no spend and no location limits (nothing is cached then).
  awaitable<LocationBudget> get(const store::Scope& scope);
  // Adds this instance's spend to the location's, the agent's and the key's (either may be empty);
  // returns the budgets it carried past a threshold.
  std::vector<BudgetCrossing> add_spend(const std::string& location_id, const std::string& agent_id,
                                        const std::string& key_id, double usd);
  void forget(const std::string& location_id);  // after the budget or limits change

  static constexpr std::chrono::seconds kRefreshAfter{5};

 private:
  struct Entry {
    LocationBudget figures;
    std::string month;
    std::chrono::steady_clock::time_point at;
    bool refreshing = false;
  };
  awaitable<std::optional<Entry>> load(const store::Scope& scope, const std::string& month);
  awaitable<void> refresh(store::Scope scope, std::string month);

  store::Ledger& store_;
  WorkerPool& pool_;
  net::io_context& io_;
  double default_monthly_usd_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace porchlight::proxy
