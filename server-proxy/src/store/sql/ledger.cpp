// store/sql/ledger.cpp: usage, budgets and rate limits (store/ledger.hpp), for both backends.

#include <map>
#include <tuple>

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

class SqlLedger final : public Ledger {
 public:
  explicit SqlLedger(Database& db) : db_(db) {}

  Result<Done> record_usage_batch(const Scope& s, const std::vector<UsageRecord>& batch) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    std::vector<UsageRecord> records = batch;  // the checks fill in the location and normalize times
    Checks c;
    for (UsageRecord& u : records) {
      check_location(c, s, u.location_id, "usage.location_id");
      c.plain("usage.kind", u.kind, 32, true);
      c.plain("usage.key_id", u.key_id, 128);
      c.plain("usage.agent_id", u.agent_id, 128);
      c.plain("usage.request_id", u.request_id, 128);
      c.plain("usage.model", u.model, 100);
      c.usage("usage.usage", u.usage);
      c.money("usage.cost_usd", u.cost_usd);
      c.time("usage.at", u.at);
    }
    if (!c.ok()) return c.errors;
    const std::string insert = "INSERT INTO usage_ledger (id, location_id, key_id, agent_id, request_id, kind, model, " +
                               std::string(kUsageColumns) + ", cost_usd, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                               "$10, $11, $12, $13, $14) ON CONFLICT DO NOTHING";
    return in_tx<Done>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
      std::map<std::string, std::pair<double, std::int64_t>> monthly;  // "2026-12" -> cost, records
      // (month, "agent" | "key", id) -> cost, records: what the agents' and keys' budgets read
      std::map<std::tuple<std::string, std::string, std::string>, std::pair<double, std::int64_t>> monthly_by;
      for (const UsageRecord& u : records) {
        // A retried record of the same request_id is ignored (unique index), so it is never billed twice.
        // Time-ordered ids keep the inserts at the end of the table's index.
        auto r = db.run(insert, P({text(time_ordered_id("use_")), text(u.location_id), text(u.key_id), text(u.agent_id),
                                   text(u.request_id), text(u.kind), text(u.model), integer(u.usage.input_tokens),
                                   integer(u.usage.output_tokens), integer(u.usage.cache_creation_input_tokens),
                                   integer(u.usage.cache_creation_1h_input_tokens), integer(u.usage.cache_read_input_tokens),
                                   real(u.cost_usd), text(u.at)}));
        if (!r.ok()) return r.errors();
        if (r.value().affected() == 0) continue;
        const std::string month_of = u.at.substr(0, 7);  // canonical UTC: "2026-12-01T..."
        auto& month = monthly[month_of];
        month.first += u.cost_usd;
        ++month.second;
        for (const auto& [kind, id] : {std::pair<const char*, const std::string&>{"agent", u.agent_id}, {"key", u.key_id}}) {
          if (id.empty()) continue;
          auto& by = monthly_by[{month_of, kind, id}];
          by.first += u.cost_usd;
          ++by.second;
        }
      }
      for (const auto& [where, sum] : monthly_by) {
        const auto& [month, kind, id] = where;
        auto r = db.run("INSERT INTO usage_monthly_by (location_id, month, scope_kind, scope_id, cost_usd, records) "
                        "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (location_id, month, scope_kind, scope_id) DO UPDATE "
                        "SET cost_usd = usage_monthly_by.cost_usd + excluded.cost_usd, "
                        "records = usage_monthly_by.records + excluded.records",
                        P({text(s.location_id), text(month), text(kind), text(id), real(sum.first), integer(sum.second)}));
        if (!r.ok()) return r.errors();
      }
      for (const auto& [month, sum] : monthly) {
        auto r = db.run("INSERT INTO usage_monthly (location_id, month, cost_usd, records) VALUES ($1, $2, $3, $4) "
                        "ON CONFLICT (location_id, month) DO UPDATE SET cost_usd = usage_monthly.cost_usd + "
                        "excluded.cost_usd, records = usage_monthly.records + excluded.records",
                        P({text(s.location_id), text(month), real(sum.first), integer(sum.second)}));
        if (!r.ok()) return r.errors();
      }
      return Done{};
    });
  }

  Result<double> month_spend_usd(const Scope& s, const std::string& month) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    if (!month_bounds(month)) return invalid("month", "expected a UTC month such as 2026-11");
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT cost_usd FROM usage_monthly WHERE location_id = $1 AND month = $2",
                     P({text(s.location_id), text(month)}));
    if (!r.ok()) return r.errors();
    return r.value().empty() ? 0.0 : r.value().real(0, 0);
  }

  Result<ScopedSpend> month_spend_by(const Scope& s, const std::string& month) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    if (!month_bounds(month)) return invalid("month", "expected a UTC month such as 2026-11");
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT scope_kind, scope_id, cost_usd FROM usage_monthly_by WHERE location_id = $1 AND month = $2",
                     P({text(s.location_id), text(month)}));
    if (!r.ok()) return r.errors();
    ScopedSpend out;
    const Rows& rows = r.value();
    for (std::size_t i = 0; i < rows.size(); ++i)
      (rows.text(i, 0) == "agent" ? out.agents : out.keys)[rows.text(i, 1)] = rows.real(i, 2);
    return out;
  }

  Result<Budget> get_budget(const Scope& s) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    return in_tx<Budget>(db_, s.location_id, TxMode::read, [&](Session& db) -> Result<Budget> {
      Budget b;
      auto location = db.run("SELECT monthly_usd, agent_monthly_usd, alert_webhook_url FROM budgets WHERE location_id = $1",
                             P({text(s.location_id)}));
      if (!location.ok()) return location.errors();
      if (!location.value().empty()) {
        b.monthly_usd = location.value().real(0, 0);
        b.agent_monthly_usd = location.value().real(0, 1);
        b.alert_webhook_url = location.value().text(0, 2);
      }
      auto scoped = db.run("SELECT scope_kind, scope_id, monthly_usd FROM scoped_budgets WHERE location_id = $1",
                           P({text(s.location_id)}));
      if (!scoped.ok()) return scoped.errors();
      const Rows& rows = scoped.value();
      for (std::size_t i = 0; i < rows.size(); ++i)
        (rows.text(i, 0) == "agent" ? b.agents : b.keys)[rows.text(i, 1)] = rows.real(i, 2);
      return b;
    });
  }

  Result<Done> set_budget(const Scope& s, const Budget& b) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.money("budget.monthly_usd", b.monthly_usd);
    c.money("budget.agent_monthly_usd", b.agent_monthly_usd);
    c.plain("budget.alert_webhook_url", b.alert_webhook_url, 2048);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO budgets (location_id, monthly_usd, agent_monthly_usd, alert_webhook_url, updated_at) "
                     "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (location_id) DO UPDATE SET monthly_usd = excluded.monthly_usd, "
                     "agent_monthly_usd = excluded.agent_monthly_usd, alert_webhook_url = excluded.alert_webhook_url, "
                     "updated_at = excluded.updated_at",
                     P({text(s.location_id), real(b.monthly_usd), real(b.agent_monthly_usd), text(b.alert_webhook_url),
                        text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
  }

  Result<Done> set_scoped_budget(const Scope& s, const std::string& kind, const std::string& id, double monthly_usd) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    if (kind != "agent" && kind != "key") c.errors.push_back(invalid("budget.kind", "expected agent or key"));
    c.id("budget.id", id);
    c.money("budget.monthly_usd", monthly_usd);
    if (!c.ok()) return c.errors;
    auto r = monthly_usd == 0
                 ? run_one(db_, s.location_id, TxMode::write,
                           "DELETE FROM scoped_budgets WHERE location_id = $1 AND scope_kind = $2 AND scope_id = $3",
                           P({text(s.location_id), text(kind), text(id)}))
                 : run_one(db_, s.location_id, TxMode::write,
                           "INSERT INTO scoped_budgets (location_id, scope_kind, scope_id, monthly_usd, updated_at) "
                           "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (location_id, scope_kind, scope_id) DO UPDATE "
                           "SET monthly_usd = excluded.monthly_usd, updated_at = excluded.updated_at",
                           P({text(s.location_id), text(kind), text(id), real(monthly_usd), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
  }

  Result<bool> claim_budget_alert(const Scope& s, const std::string& month, const std::string& kind, const std::string& id,
                                  int threshold) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    if (!month_bounds(month)) return invalid("month", "expected a UTC month such as 2026-11");
    if ((kind != "location" && kind != "agent" && kind != "key") || (threshold != 80 && threshold != 100))
      return invalid("alert", "expected a kind of location, agent or key and a threshold of 80 or 100");
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO budget_alerts (location_id, month, scope_kind, scope_id, threshold, at) "
                     "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                     P({text(s.location_id), text(month), text(kind), text(id), integer(threshold), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return r.value().affected() == 1;
  }

  Result<RateLimits> get_rate_limits(const Scope& s) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT key_requests, key_tokens, agent_requests, agent_tokens, location_requests, "
                     "location_tokens FROM rate_limit_settings WHERE location_id = $1",
                     P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    RateLimits l;
    if (!r.value().empty()) {
      const Rows& x = r.value();
      l = RateLimits{x.integer(0, 0), x.integer(0, 1), x.integer(0, 2), x.integer(0, 3), x.integer(0, 4), x.integer(0, 5)};
    }
    return l;
  }

  Result<Done> set_rate_limits(const Scope& s, const RateLimits& l) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    constexpr std::int64_t kMax = 1'000'000'000'000LL;
    c.range("limits.key_requests", l.key_requests, 0, kMax);
    c.range("limits.key_tokens", l.key_tokens, 0, kMax);
    c.range("limits.agent_requests", l.agent_requests, 0, kMax);
    c.range("limits.agent_tokens", l.agent_tokens, 0, kMax);
    c.range("limits.location_requests", l.location_requests, 0, kMax);
    c.range("limits.location_tokens", l.location_tokens, 0, kMax);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
        "INSERT INTO rate_limit_settings (location_id, key_requests, key_tokens, agent_requests, agent_tokens, "
        "location_requests, location_tokens, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (location_id) DO UPDATE SET key_requests = excluded.key_requests, "
        "key_tokens = excluded.key_tokens, agent_requests = excluded.agent_requests, "
        "agent_tokens = excluded.agent_tokens, location_requests = excluded.location_requests, "
        "location_tokens = excluded.location_tokens, updated_at = excluded.updated_at",
        P({text(s.location_id), integer(l.key_requests), integer(l.key_tokens), integer(l.agent_requests),
           integer(l.agent_tokens), integer(l.location_requests), integer(l.location_tokens), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<Ledger> make_sql_ledger(Database& db) { return std::make_unique<SqlLedger>(db); }

}  // namespace porchlight::store::detail
