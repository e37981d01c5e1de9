// store/sql/analytics.cpp: the dashboard's figures (store/analytics.hpp), for both backends.

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"

namespace porchlight::store::detail {

namespace {

class SqlAnalytics final : public Analytics {
 public:
  explicit SqlAnalytics(Database& db) : db_(db) {}

  Result<std::vector<EffectivenessRow>> effectiveness(const Scope& s, const std::string& from_day,
                                                      const std::string& to_day) override {
    auto r = over_days(s, from_day, to_day,
                       "SELECT " + db_.day_of("created_at") + ", agent_id, guidance_type, approach_variant, count(*), "
                       "sum(CASE WHEN feedback = 'helpful' THEN 1 ELSE 0 END), "
                       "sum(CASE WHEN feedback = 'not_helpful' THEN 1 ELSE 0 END) "
                       "FROM agent_coaching_history WHERE location_id = $1 AND created_at >= $2 AND created_at < $3 "
                       "GROUP BY 1, 2, 3, 4 ORDER BY 1, 3, 4, 2");
    if (!r.ok()) return r.errors();
    std::vector<EffectivenessRow> out;
    const Rows& x = r.value();
    for (std::size_t i = 0; i < x.size(); ++i)
      out.push_back(EffectivenessRow{x.text(i, 0), x.text(i, 1), x.text(i, 2), x.text(i, 3), x.integer(i, 4),
                                     x.integer(i, 5), x.integer(i, 6)});
    return out;
  }

  Result<std::vector<UsageRow>> usage_by_agent(const Scope& s, const std::string& from_day,
                                               const std::string& to_day) override {
    auto r = over_days(s, from_day, to_day,
                       "SELECT " + db_.day_of("at") + ", agent_id, model, count(*), sum(input_tokens), "
                       "sum(output_tokens), sum(cache_read_input_tokens), sum(cache_creation_input_tokens), "
                       "sum(cost_usd) FROM usage_ledger WHERE location_id = $1 AND at >= $2 AND at < $3 "
                       "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3");
    if (!r.ok()) return r.errors();
    std::vector<UsageRow> out;
    const Rows& x = r.value();
    for (std::size_t i = 0; i < x.size(); ++i) {
      UsageRow u;
      u.day = x.text(i, 0);
      u.agent_id = x.text(i, 1);
      u.model = x.text(i, 2);
      u.requests = x.integer(i, 3);
      u.input_tokens = x.integer(i, 4);
      u.output_tokens = x.integer(i, 5);
      u.cache_read_tokens = x.integer(i, 6);
      u.cache_write_tokens = x.integer(i, 7);
      u.cost_usd = x.real(i, 8);
      out.push_back(std::move(u));
    }
    return out;
  }

  Result<std::vector<LatencyRow>> latencies(const Scope& s, const std::string& from_day,
                                            const std::string& to_day) override {
    auto r = over_days(s, from_day, to_day,
                       "SELECT agent_id, latency_ms FROM messages WHERE location_id = $1 AND role = 'assistant' "
                       "AND status = 'complete' AND created_at >= $2 AND created_at < $3 ORDER BY latency_ms");
    if (!r.ok()) return r.errors();
    std::vector<LatencyRow> out;
    for (std::size_t i = 0; i < r.value().size(); ++i) out.push_back({r.value().text(i, 0), r.value().integer(i, 1)});
    return out;
  }

 private:
  // Runs the read `sql` over the UTC days [from_day, to_day] of the scope's location: $1 is the
  // location, $2 and $3 the range as timestamps [from, to).
  Result<Rows> over_days(const Scope& s, const std::string& from_day, const std::string& to_day,
                         const std::string& sql) {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto range = day_range(from_day, to_day);
    if (!range.ok()) return range.errors();
    return run_one(db_, s.location_id, TxMode::read, sql,
                   P({text(s.location_id), text(range.value().first), text(range.value().second)}));
  }

  Database& db_;
};

}  // namespace

std::unique_ptr<Analytics> make_sql_analytics(Database& db) { return std::make_unique<SqlAnalytics>(db); }

}  // namespace porchlight::store::detail
