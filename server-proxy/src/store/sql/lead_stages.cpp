// store/sql/lead_stages.cpp: each lead's stage history (store/lead_stages.hpp), for both backends.

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

const std::string kStageColumns =
    "id, location_id, lead_id, seq, from_stage, to_stage, trigger, reason, agent_id, source, created_at";

Result<StageChange> decode_change(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  StageChange c;
  c.id = d.str();
  c.location_id = d.str();
  c.lead_id = d.str();
  c.seq = d.i64();
  const std::string from = d.str();
  if (!from.empty()) {
    c.from = parse_enum<ConversationStage>(from);
    if (!c.from) d.note("stage", from);
  }
  c.to = d.enumeration<ConversationStage>();
  c.trigger = d.str();
  c.reason = d.str();
  c.agent_id = d.str();
  c.source = d.str();
  c.created_at = d.time();
  if (!d.problem.empty()) return internal("lead_stage_changes: " + d.problem);
  return c;
}

class SqlLeadStages final : public LeadStages {
 public:
  explicit SqlLeadStages(Database& db) : db_(db) {}

  Result<std::vector<StageChange>> append(const Scope& s, const std::string& lead_id, std::optional<std::int64_t> after_seq,
                                          const std::vector<StageChange>& moves) override {
    if (auto e = check_scoped_id(s, "lead_id", lead_id); !e.empty()) return e;
    Checks c;
    if (moves.empty() || moves.size() > 20) c.fail("moves", "expected 1 to 20 moves");
    std::vector<StageChange> rows = moves;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const std::string at = "moves[" + std::to_string(i) + "]";
      c.plain(at + ".trigger", rows[i].trigger, 80, true);
      c.utf8(at + ".reason", rows[i].reason, 1000);
      c.id(at + ".agent_id", rows[i].agent_id, false);
      c.id(at + ".source", rows[i].source);
      c.time(at + ".created_at", rows[i].created_at);
      if (i > 0 && rows[i].from != rows[i - 1].to) c.fail(at + ".from", "each move starts where the one before ended");
    }
    if (after_seq && *after_seq < 0) c.fail("after_seq", "expected 0 or more");
    if (!c.ok()) return c.errors;
    return in_tx<std::vector<StageChange>>(db_, s.location_id, TxMode::write, [&](Session& session) -> Result<std::vector<StageChange>> {
      auto top = session.run("SELECT COALESCE(MAX(seq), 0) FROM lead_stage_changes WHERE location_id = $1 AND lead_id = $2",
                             P({text(s.location_id), text(lead_id)}));
      if (!top.ok()) return top.errors();
      std::int64_t seq = top.value().integer(0, 0);
      if (after_seq && *after_seq != seq)
        return conflict("after_seq", "lead " + lead_id + " moved since it was read (last seq " + std::to_string(seq) + ")");
      for (auto& m : rows) {
        m.id = random_id("stg_");
        m.location_id = s.location_id;
        m.lead_id = lead_id;
        m.seq = ++seq;
        auto r = session.run("INSERT INTO lead_stage_changes (" + kStageColumns + ") "
                             "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                             P({text(m.id), text(m.location_id), text(m.lead_id), integer(m.seq),
                                text(m.from ? std::string(name_of(*m.from)) : std::string()), text(name_of(m.to)),
                                text(m.trigger), text(m.reason), text(m.agent_id), text(m.source), text(m.created_at)}));
        if (!r.ok()) return r.errors();
      }
      return rows;
    });
  }

  Result<std::optional<StageChange>> last(const Scope& s, const std::string& lead_id) override {
    if (auto e = check_scoped_id(s, "lead_id", lead_id); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kStageColumns + " FROM lead_stage_changes WHERE location_id = $1 AND lead_id = $2 "
                     "ORDER BY seq DESC LIMIT 1",
                     P({text(s.location_id), text(lead_id)}));
    if (!r.ok()) return r.errors();
    return decode_first<StageChange>(r.value(), decode_change);
  }

  Result<std::vector<StageChange>> history(const Scope& s, const std::string& lead_id, std::int64_t limit) override {
    if (auto e = check_scoped_id(s, "lead_id", lead_id); !e.empty()) return e;
    if (limit < 1 || limit > 1000) return invalid("limit", "expected 1..1000");
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kStageColumns + " FROM (SELECT " + kStageColumns + " FROM lead_stage_changes "
                     "WHERE location_id = $1 AND lead_id = $2 ORDER BY seq DESC LIMIT $3) AS newest ORDER BY seq",
                     P({text(s.location_id), text(lead_id), integer(limit)}));
    if (!r.ok()) return r.errors();
    return decode_all<StageChange>(r.value(), decode_change);
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<LeadStages> make_sql_lead_stages(Database& db) { return std::make_unique<SqlLeadStages>(db); }

}  // namespace porchlight::store::detail
