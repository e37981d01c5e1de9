// store/sql/analytics.cpp: the dashboard's figures and the insights' (store/analytics.hpp), for both
// backends.
//
// Sections:
//   [1] the dashboard: effectiveness, usage, latencies
//   [2] insights: guidance use, edits, objections, speed to lead, open leads, outcomes

#include <algorithm>

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

class SqlAnalytics final : public Analytics {
 public:
  explicit SqlAnalytics(Database& db) : db_(db) {}

  // ---- [1] the dashboard ----

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

  // ---- [2] insights ----

  Result<std::vector<GuidanceUseRow>> guidance_use(const Scope& s, const std::string& from_day,
                                                   const std::string& to_day) override {
    auto r = over_days(s, from_day, to_day,
                       "SELECT agent_id, guidance_type, count(*), "
                       "sum(CASE WHEN feedback = 'helpful' THEN 1 ELSE 0 END), "
                       "sum(CASE WHEN feedback = 'not_helpful' THEN 1 ELSE 0 END), "
                       "sum(CASE WHEN copies > 0 OR sends > 0 THEN 1 ELSE 0 END), "
                       "sum(CASE WHEN copies = 0 AND sends = 0 AND edit_distance < 0 AND feedback = 'none' THEN 1 ELSE 0 END), "
                       "sum(CASE WHEN edit_distance >= 0 THEN 1 ELSE 0 END) "
                       "FROM agent_coaching_history WHERE location_id = $1 AND created_at >= $2 AND created_at < $3 "
                       "GROUP BY 1, 2 ORDER BY 1, 2");
    if (!r.ok()) return r.errors();
    std::vector<GuidanceUseRow> out;
    const Rows& x = r.value();
    for (std::size_t i = 0; i < x.size(); ++i)
      out.push_back(GuidanceUseRow{x.text(i, 0), x.text(i, 1), x.integer(i, 2), x.integer(i, 3), x.integer(i, 4),
                                   x.integer(i, 5), x.integer(i, 6), x.integer(i, 7)});
    return out;
  }

  Result<std::vector<EditDistanceRow>> edit_distances(const Scope& s, const std::string& from_day,
                                                      const std::string& to_day) override {
    auto r = over_days(s, from_day, to_day,
                       "SELECT agent_id, edit_distance FROM agent_coaching_history WHERE location_id = $1 "
                       "AND created_at >= $2 AND created_at < $3 AND edit_distance >= 0 ORDER BY 1, 2");
    if (!r.ok()) return r.errors();
    std::vector<EditDistanceRow> out;
    for (std::size_t i = 0; i < r.value().size(); ++i) out.push_back({r.value().text(i, 0), r.value().integer(i, 1)});
    return out;
  }

  Result<std::vector<ObjectionRow>> objections(const Scope& s, const std::string& from_day, const std::string& to_day,
                                               const std::vector<ObjectionTopic>& topics) override {
    // The topic is read from the agent's question: the user message just before the answer that
    // carries the event. Phrases and topic ids are bound, never spliced into the SQL.
    std::vector<Param> extra;
    std::string topic = "CASE";
    for (const auto& t : topics) {
      if (t.phrases.empty()) continue;
      std::string any;
      for (const auto& phrase : t.phrases) {
        extra.push_back(text("%" + phrase + "%"));
        any += (any.empty() ? "" : " OR ") + std::string("lower(u.content) LIKE $") + std::to_string(3 + extra.size());
      }
      extra.push_back(text(t.id));
      topic += " WHEN " + any + " THEN $" + std::to_string(3 + extra.size());
    }
    topic = extra.empty() ? "'other'" : topic + " ELSE 'other' END";
    auto r = over_days(s, from_day, to_day,
                       "SELECT h.agent_id, " + topic + ", count(DISTINCT h.id) FROM agent_coaching_history h "
                       "LEFT JOIN messages a ON a.location_id = h.location_id AND a.event_id = h.id AND a.role = 'assistant' "
                       "LEFT JOIN messages u ON u.conversation_id = a.conversation_id AND u.location_id = a.location_id "
                       "AND u.seq = (SELECT max(p.seq) FROM messages p WHERE p.conversation_id = a.conversation_id "
                       "AND p.role = 'user' AND p.seq < a.seq) "
                       "WHERE h.location_id = $1 AND h.created_at >= $2 AND h.created_at < $3 "
                       "AND h.specialist = 'objection_handling' GROUP BY 1, 2 ORDER BY 1, 2",
                       std::move(extra));
    if (!r.ok()) return r.errors();
    std::vector<ObjectionRow> out;
    const Rows& x = r.value();
    for (std::size_t i = 0; i < x.size(); ++i) out.push_back({x.text(i, 0), x.text(i, 1), x.integer(i, 2)});
    return out;
  }

  Result<std::vector<FirstResponseRow>> first_responses(const Scope& s, const std::string& from_day,
                                                        const std::string& to_day) override {
    auto r = over_days(s, from_day, to_day,
                       "SELECT f.lead_id, COALESCE(NULLIF(l.agent_id, ''), "
                       "(SELECT o.agent_id FROM lead_messages o WHERE o.location_id = $1 AND o.lead_id = f.lead_id "
                       "AND o.direction = 'outbound' AND o.at >= f.first_in ORDER BY o.at LIMIT 1), ''), f.first_in, "
                       "(SELECT min(o.at) FROM lead_messages o WHERE o.location_id = $1 AND o.lead_id = f.lead_id "
                       "AND o.direction = 'outbound' AND o.at >= f.first_in) "
                       "FROM (SELECT lead_id, min(at) AS first_in FROM lead_messages WHERE location_id = $1 "
                       "AND direction = 'inbound' GROUP BY lead_id) f "
                       "LEFT JOIN leads l ON l.location_id = $1 AND l.id = f.lead_id "
                       "WHERE f.first_in >= $2 AND f.first_in < $3 ORDER BY f.lead_id");
    if (!r.ok()) return r.errors();
    return decode_all<FirstResponseRow>(r.value(), [](const Rows& rows, std::size_t i) -> Result<FirstResponseRow> {
      Decoder d(rows, i);
      FirstResponseRow f;
      f.lead_id = d.str();
      f.agent_id = d.str();
      f.first_inbound_at = d.time();
      f.first_response_at = d.opt_time().value_or("");
      if (!d.problem.empty()) return internal("lead_messages: " + d.problem);
      return f;
    });
  }

  Result<std::vector<OpenLeadRow>> open_leads(const Scope& s, const std::string& to_day) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto range = day_range(to_day, to_day);
    if (!range.ok()) return range.errors();
    const std::string end = range.value().second;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT l.id, l.agent_id, l.facts, c.to_stage, c.created_at, "
                     "(SELECT min(f.created_at) FROM lead_stage_changes f WHERE f.location_id = $1 AND f.lead_id = l.id), "
                     "(SELECT min(m.at) FROM lead_messages m WHERE m.location_id = $1 AND m.lead_id = l.id) "
                     "FROM leads l LEFT JOIN lead_stage_changes c ON c.location_id = $1 AND c.lead_id = l.id "
                     "AND c.seq = (SELECT max(x.seq) FROM lead_stage_changes x WHERE x.location_id = $1 AND x.lead_id = l.id) "
                     "WHERE l.location_id = $1 AND NOT l.deleted ORDER BY l.id",
                     P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    std::vector<OpenLeadRow> out;
    for (std::size_t i = 0; i < r.value().size(); ++i) {
      Decoder d(r.value(), i);
      OpenLeadRow l;
      l.lead_id = d.str();
      l.agent_id = d.str();
      l.facts = d.string_map();
      l.stage = d.str();  // '' when no stage was recorded (the join found none)
      l.stage_since = d.time();
      const std::string first_stage = d.time();
      const std::string first_message = d.time();
      l.first_seen_at = first_stage.empty() ? first_message
                        : first_message.empty() ? first_stage : std::min(first_stage, first_message);
      if (!d.problem.empty()) return internal("leads: " + d.problem);
      if (l.first_seen_at.empty() || l.first_seen_at >= end) continue;  // not seen by the range's end
      out.push_back(std::move(l));
    }
    return out;
  }

  Result<std::vector<OutcomeCountRow>> outcomes_by_agent(const Scope& s, const std::string& from_day,
                                                         const std::string& to_day) override {
    auto r = over_days(s, from_day, to_day,
                       "SELECT agent_id, outcome, count(*) FROM lead_outcomes WHERE location_id = $1 "
                       "AND occurred_at >= $2 AND occurred_at < $3 GROUP BY 1, 2 ORDER BY 1, 2");
    if (!r.ok()) return r.errors();
    std::vector<OutcomeCountRow> out;
    for (std::size_t i = 0; i < r.value().size(); ++i)
      out.push_back({r.value().text(i, 0), r.value().text(i, 1), r.value().integer(i, 2)});
    return out;
  }

 private:
  // Runs the read `sql` over the UTC days [from_day, to_day] of the scope's location: $1 is the
  // location, $2 and $3 the range as timestamps [from, to).
  // `extra` are $4 on.
  Result<Rows> over_days(const Scope& s, const std::string& from_day, const std::string& to_day,
                         const std::string& sql, std::vector<Param> extra = {}) {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto range = day_range(from_day, to_day);
    if (!range.ok()) return range.errors();
    std::vector<Param> params{text(s.location_id), text(range.value().first), text(range.value().second)};
    for (auto& p : extra) params.push_back(std::move(p));
    return run_one(db_, s.location_id, TxMode::read, sql, params);
  }


  Database& db_;
};

}  // namespace

std::unique_ptr<Analytics> make_sql_analytics(Database& db) { return std::make_unique<SqlAnalytics>(db); }

}  // namespace porchlight::store::detail
