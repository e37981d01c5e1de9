// limits/budgets.hpp: each location's month-to-date spend, monthly budget and rate limits, as
// admission reads them on every call to Claude. Read from the store at most every few seconds:
// a known location is answered from memory at once while one background refresh brings in what
// other instances spent; this instance's own spend is added as it happens.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "store/ledger.hpp"
#include "worker_pool.hpp"

namespace porchlight::proxy {

struct LocationBudget {
  double spent = 0;    // USD this UTC month
  double monthly = 0;  // USD; 0: no budget
  store::RateLimits limits;
};

class Budgets {
 public:
  // `default_monthly_usd` applies to locations without a budget of their own.
  Budgets(store::Ledger& store, WorkerPool& pool, net::io_context& io, double default_monthly_usd);

  // The location's figures. When the store cannot be read and nothing is known yet: the default
  // budget, no spend and no location limits (nothing is cached then).
  awaitable<LocationBudget> get(const store::Scope& scope);
  void add_spend(const std::string& location_id, double usd);
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
