// limits/budgets.cpp: the per-location figures admission reads, cached (see the header).

#include "limits/budgets.hpp"

#include <ctime>

namespace porchlight::proxy {

namespace {
std::string current_month() {  // UTC, "2026-11"
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m", &tm);
  return buf;
}
}  // namespace

Budgets::Budgets(store::Ledger& store, WorkerPool& pool, net::io_context& io, double default_monthly_usd)
    : store_(store), pool_(pool), io_(io), default_monthly_usd_(default_monthly_usd) {}

double LocationBudget::amount_of(const std::map<std::string, double>& by, const std::string& id) {
  auto it = by.find(id);
  return it == by.end() ? 0 : it->second;
}

double LocationBudget::agent_budget(const std::string& agent_id) const {
  auto it = budgets.agents.find(agent_id);
  return it != budgets.agents.end() ? it->second : budgets.agent_monthly_usd;
}

double LocationBudget::key_budget(const std::string& key_id) const { return amount_of(budgets.keys, key_id); }

// The store's figures for a location; nullopt when any of them could not be read.
awaitable<std::optional<Budgets::Entry>> Budgets::load(const store::Scope& scope, const std::string& month) {
  auto query_1 = [this, scope, month] { return store_.month_spend_usd(scope, month); };
  auto spent = co_await pool_.blocking(query_1);
  auto query_2 = [this, scope] { return store_.get_budget(scope); };
  auto budget = co_await pool_.blocking(query_2);
  auto query_3 = [this, scope] { return store_.get_rate_limits(scope); };
  auto limits = co_await pool_.blocking(query_3);
  auto query_4 = [this, scope, month] { return store_.month_spend_by(scope, month); };
  auto spent_by = co_await pool_.blocking(query_4);
  if (!spent || !budget || !limits || !spent_by) co_return std::nullopt;
  Entry e;
  e.figures.monthly = budget->monthly_usd > 0 ? budget->monthly_usd : default_monthly_usd_;
  e.figures.spent = spent.value();
  e.figures.budgets = budget.value();
  e.figures.spent_by = spent_by.value();
  e.figures.limits = limits.value();
  e.month = month;
  e.at = std::chrono::steady_clock::now();
  co_return e;
}

awaitable<LocationBudget> Budgets::get(const store::Scope& scope) {
  const std::string month = current_month();
  {
    std::lock_guard lock(mutex_);
    auto it = entries_.find(scope.location_id);
    if (it != entries_.end() && it->second.month == month) {
      // Older than a few seconds: answer with it anyway (add_spend keeps this instance's spend in
      // it) and let one background refresh bring in what other instances spent. Requests never
      // wait on the store once a location is known.
      if (std::chrono::steady_clock::now() - it->second.at >= kRefreshAfter && !it->second.refreshing) {
        it->second.refreshing = true;
        net::co_spawn(io_, refresh(scope, month), net::detached);
      }
      co_return it->second.figures;
    }
  }
  auto loaded = co_await load(scope, month);
  if (!loaded) {  // answer with defaults, cache nothing
    LocationBudget defaults;
    defaults.monthly = default_monthly_usd_;
    co_return defaults;
  }
  std::lock_guard lock(mutex_);
  entries_[scope.location_id] = *loaded;
  co_return loaded->figures;
}

awaitable<void> Budgets::refresh(store::Scope scope, std::string month) {
  auto loaded = co_await load(scope, month);
  std::lock_guard lock(mutex_);
  auto it = entries_.find(scope.location_id);
  if (it == entries_.end()) co_return;  // forgotten meanwhile (the budget changed)
  if (loaded) it->second = *loaded;
  else it->second.at = std::chrono::steady_clock::now();  // the store is down: try again later
  it->second.refreshing = false;
}

std::vector<BudgetCrossing> Budgets::add_spend(const std::string& location_id, const std::string& agent_id,
                                               const std::string& key_id, double usd) {
  std::vector<BudgetCrossing> crossed;
  std::lock_guard lock(mutex_);
  auto it = entries_.find(location_id);
  if (it == entries_.end() || usd <= 0) return crossed;
  LocationBudget& f = it->second.figures;
  // Adds `usd` to `spent`, noting each threshold of `budget` it reaches for the first time.
  auto add = [&](const char* kind, const std::string& id, double& spent, double budget) {
    const double before = spent;
    spent += usd;
    if (budget <= 0) return;
    for (int threshold : {80, 100})
      if (before < budget * threshold / 100 && spent >= budget * threshold / 100)
        crossed.push_back({kind, id, threshold, spent, budget, it->second.month, f.budgets.alert_webhook_url});
  };
  add("location", location_id, f.spent, f.monthly);
  if (!agent_id.empty()) add("agent", agent_id, f.spent_by.agents[agent_id], f.agent_budget(agent_id));
  if (!key_id.empty()) add("key", key_id, f.spent_by.keys[key_id], f.key_budget(key_id));
  return crossed;
}

void Budgets::forget(const std::string& location_id) {
  std::lock_guard lock(mutex_);
  entries_.erase(location_id);
}

}  // namespace porchlight::proxy
