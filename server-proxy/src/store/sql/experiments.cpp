// store/sql/experiments.cpp: experiments and assignments (store/experiments.hpp), for both
// backends.

#include <algorithm>
#include <limits>
#include <set>

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

const std::string kExperimentColumns =
    "location_id, id, name, variants, active, definition, status, winner, allocation, published_trials, created_at, "
    "updated_at";

Result<Experiment> decode_experiment(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  Experiment e;
  e.location_id = d.str();
  e.id = d.str();
  e.name = d.str();
  e.variants = d.strings();
  e.active = d.flag();
  e.definition = d.structured().dump();
  e.status = d.str();
  e.winner = d.str();
  e.allocation = d.structured().dump();
  e.published_trials = d.i64();
  e.created_at = d.time();
  e.updated_at = d.time();
  if (!d.problem.empty()) return internal("experiments: " + d.problem);
  return e;
}

// The published state's rules (the allocation's arithmetic is the core's).
void check_state(Checks& c, const std::string& status, const std::string& winner, const std::string& allocation) {
  if (status != "running" && status != "paused" && status != "stopped")
    c.fail("experiment.status", "expected running, paused or stopped, got '" + status + "'");
  c.id("experiment.winner", winner, false);
  const json a = json::parse(allocation, nullptr, false);
  if (!a.is_array() || allocation.size() > 4096) c.fail("experiment.allocation", "expected a JSON array of {variant, share}");
}

class SqlExperiments final : public Experiments {
 public:
  explicit SqlExperiments(Database& db) : db_(db) {}

  Result<Done> put(const Scope& s, const Experiment& input) override {
    auto r = write(s, input, true);
    if (!r.ok()) return r.errors();
    return Done{};
  }

  Result<bool> create(const Scope& s, const Experiment& input) override { return write(s, input, false); }

  // Inserts the experiment; an existing one with its id is replaced (`replace`) or left alone
  // (returns false).
  Result<bool> write(const Scope& s, const Experiment& input, bool replace) {
    if (auto e = check_scope(s); !e.empty()) return e;
    Experiment e = input;
    Checks c;
    check_location(c, s, e.location_id, "experiment.location_id");
    c.id("experiment.id", e.id);
    c.plain("experiment.name", e.name, 200, true);
    if (e.variants.empty() || e.variants.size() > 16) c.fail("experiment.variants", "expected 1-16 variants, \"control\" first");
    std::set<std::string> seen;
    for (std::size_t i = 0; i < e.variants.size(); ++i) {
      c.id("experiment.variants[" + std::to_string(i) + "]", e.variants[i]);
      if (!seen.insert(e.variants[i]).second)
        c.fail("experiment.variants[" + std::to_string(i) + "]", "variant '" + e.variants[i] + "' is listed twice");
    }
    check_state(c, e.status, e.winner, e.allocation);
    const json definition = json::parse(e.definition, nullptr, false);
    if (!definition.is_object() || e.definition.size() > 64 * 1024)
      c.fail("experiment.definition", "expected a JSON object of at most 64 KiB");
    if (!c.ok()) return c.errors;
    const std::string now = now_rfc3339();
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO experiments (location_id, id, name, variants, active, definition, status, winner, "
                     "allocation, published_trials, created_at, updated_at) "
                     "VALUES ($1, $2, $3, $4, $5, $7, $8, $9, $10, $11, $6, $6) ON CONFLICT (location_id, id) " +
                         std::string(replace ? "DO UPDATE SET name = excluded.name, variants = excluded.variants, "
                                               "active = excluded.active, definition = excluded.definition, "
                                               "status = excluded.status, winner = excluded.winner, "
                                               "allocation = excluded.allocation, "
                                               "published_trials = excluded.published_trials, "
                                               "updated_at = excluded.updated_at"
                                             : "DO NOTHING"),
                     P({text(e.location_id), text(e.id), text(e.name), text(names_json(e.variants).dump()),
                        boolean(e.active), text(now), text(definition.dump()), text(e.status), text(e.winner),
                        text(e.allocation), integer(e.published_trials)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  }

  Result<std::vector<Experiment>> list(const Scope& s) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kExperimentColumns + " FROM experiments WHERE location_id = $1 ORDER BY id",
                     P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    return decode_all<Experiment>(r.value(), decode_experiment);
  }

  Result<std::optional<Experiment>> get(const Scope& s, const std::string& id) override {
    return find_by_id<Experiment>(db_, s, id, "experiments", kExperimentColumns, decode_experiment);
  }

  Result<bool> publish(const Scope& s, const Experiment& was, const std::string& winner, const std::string& allocation,
                       std::int64_t published_trials) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("id", was.id);
    check_state(c, was.status, winner, allocation);
    c.range("published_trials", published_trials, 0, std::numeric_limits<std::int64_t>::max());
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "UPDATE experiments SET winner = $3, allocation = $4, published_trials = $5, updated_at = $6 "
                     "WHERE location_id = $1 AND id = $2 AND status = $7 AND winner = $8 AND published_trials = $9",
                     P({text(s.location_id), text(was.id), text(winner), text(allocation), integer(published_trials),
                        text(now_rfc3339()), text(was.status), text(was.winner), integer(was.published_trials)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  }

  Result<bool> set_status(const Scope& s, const std::string& id, const std::string& status) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("id", id);
    check_state(c, status, "", "[]");
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "UPDATE experiments SET status = $3, active = $4, updated_at = $5 WHERE location_id = $1 AND id = $2",
                     P({text(s.location_id), text(id), text(status), boolean(status == "running"), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  }

  Result<std::vector<VariantResults>> results(const Scope& s, const std::string& id) override {
    if (auto e = check_scoped_id(s, "id", id); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT approach_variant, count(*), "
                     "sum(CASE WHEN feedback <> 'none' THEN 1 ELSE 0 END), "
                     "sum(CASE WHEN feedback = 'helpful' THEN 1 ELSE 0 END), "
                     "sum(CASE WHEN copies > 0 THEN 1 ELSE 0 END), sum(CASE WHEN sends > 0 THEN 1 ELSE 0 END), "
                     "sum(CASE WHEN outcome NOT IN ('pending', 'no_response') THEN 1 ELSE 0 END) "
                     "FROM agent_coaching_history WHERE location_id = $1 AND experiment_id = $2 "
                     "GROUP BY approach_variant ORDER BY approach_variant",
                     P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    return decode_all<VariantResults>(r.value(), [](const Rows& rows, std::size_t row) -> Result<VariantResults> {
      Decoder d{rows, row};
      VariantResults v;
      v.variant = d.str();
      v.shown = d.i64();
      v.trials = d.i64();
      v.successes = d.i64();
      v.copied = d.i64();
      v.sent = d.i64();
      v.with_outcome = d.i64();
      return v;
    });
  }

  Result<std::string> assign(const Scope& s, const std::string& experiment_id,
                             const std::string& agent_id, const std::string& variant) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("experiment_id", experiment_id);
    c.id("agent_id", agent_id);
    c.id("variant", variant);
    if (!c.ok()) return c.errors;
    return in_tx<std::string>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<std::string> {
      auto r = db.run("SELECT " + kExperimentColumns + " FROM experiments WHERE location_id = $1 AND id = $2",
                      P({text(s.location_id), text(experiment_id)}));
      if (!r.ok()) return r.errors();
      if (r.value().empty())
        return not_found("experiment_id", "experiment '" + experiment_id + "' does not exist in this location");
      auto exp = decode_experiment(r.value(), 0);
      if (!exp.ok()) return exp.errors();
      const auto& vs = exp.value().variants;
      if (std::find(vs.begin(), vs.end(), variant) == vs.end())
        return invalid("variant", "'" + variant + "' is not a variant of experiment '" + experiment_id + "'");
      r = db.run("INSERT INTO experiment_assignments (location_id, experiment_id, agent_id, variant, assigned_at) "
                 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                 P({text(s.location_id), text(experiment_id), text(agent_id), text(variant), text(now_rfc3339())}));
      if (!r.ok()) return r.errors();
      r = db.run("SELECT variant FROM experiment_assignments WHERE location_id = $1 AND experiment_id = $2 "
                 "AND agent_id = $3",
                 P({text(s.location_id), text(experiment_id), text(agent_id)}));
      if (!r.ok()) return r.errors();
      if (r.value().empty()) return internal("experiment_assignments: assignment vanished");
      return r.value().text(0, 0);
    });
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<Experiments> make_sql_experiments(Database& db) { return std::make_unique<SqlExperiments>(db); }

}  // namespace porchlight::store::detail
