// store/sql/ledger.cpp: usage, budgets and rate limits (store/ledger.hpp), for both backends.

#include <map>

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
        auto& month = monthly[u.at.substr(0, 7)];  // canonical UTC: "2026-12-01T..."
        month.first += u.cost_usd;
        ++month.second;
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

  Result<Budget> get_budget(const Scope& s) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT monthly_usd FROM budgets WHERE location_id = $1", P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    Budget b;
    if (!r.value().empty()) b.monthly_usd = r.value().real(0, 0);
    return b;
  }

  Result<Done> set_budget(const Scope& s, const Budget& b) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.money("budget.monthly_usd", b.monthly_usd);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO budgets (location_id, monthly_usd, updated_at) VALUES ($1, $2, $3) "
                     "ON CONFLICT (location_id) DO UPDATE SET monthly_usd = excluded.monthly_usd, "
                     "updated_at = excluded.updated_at",
                     P({text(s.location_id), real(b.monthly_usd), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
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
