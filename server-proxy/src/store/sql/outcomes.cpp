// store/sql/outcomes.cpp: leads' outcomes with their attribution, and learning settings
// (store/outcomes.hpp), for both backends.

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;
constexpr std::int64_t kMaxAttributed = 200;

const std::string kOutcomeColumns =
    "location_id, id, lead_id, agent_id, outcome, occurred_at, source, external_id, attributed, recorded_at";

Result<LeadOutcome> decode_outcome(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  LeadOutcome o;
  o.location_id = d.str();
  o.id = d.str();
  o.lead_id = d.str();
  o.agent_id = d.str();
  o.outcome = d.enumeration<Outcome>();
  o.occurred_at = d.time();
  o.source = d.str();
  o.external_id = d.str();
  o.attributed = d.strings();
  o.recorded_at = d.time();
  if (!d.problem.empty()) return internal("lead_outcomes: " + d.problem);
  return o;
}

// The outcomes a lead reaches (pending, no_response and lead_advanced describe a single event).
bool is_lead_outcome(Outcome o) {
  return o != Outcome::pending && o != Outcome::no_response && o != Outcome::lead_advanced;
}

Result<LearningSettings> read_settings(Session& db, const std::string& location_id) {
  auto r = db.run("SELECT attribution_days, keep_edited_text FROM learning_settings WHERE location_id = $1",
                  P({text(location_id)}));
  if (!r.ok()) return r.errors();
  LearningSettings out;
  if (!r.value().empty()) {
    out.attribution_days = r.value().integer(0, 0);
    out.keep_edited_text = r.value().boolean(0, 1);
  }
  return out;
}

// SQL for an outcome's place in the funnel (0 for none yet): an event's credit only moves up.
std::string funnel_rank(const std::string& column) {
  return "(CASE " + column + " WHEN 'appointment_set' THEN 1 WHEN 'agreement_signed' THEN 2 WHEN 'offer_written' THEN 3 "
         "WHEN 'under_contract' THEN 4 WHEN 'closed_won' THEN 5 WHEN 'closed_lost' THEN 5 ELSE 0 END)";
}

// The outcome recorded before for `o`'s source and external id, if any.
Result<std::optional<RecordedOutcome>> recorded_before(Session& db, const Scope& s, const LeadOutcome& o) {
  auto existing = db.run("SELECT " + kOutcomeColumns + " FROM lead_outcomes WHERE location_id = $1 AND source = $2 "
                         "AND external_id = $3",
                         P({text(s.location_id), text(o.source), text(o.external_id)}));
  if (!existing.ok()) return existing.errors();
  if (existing.value().empty()) return std::optional<RecordedOutcome>{};
  auto old = decode_outcome(existing.value(), 0);
  if (!old.ok()) return old.errors();
  return std::optional<RecordedOutcome>(RecordedOutcome{std::move(old).value(), false});
}

class SqlOutcomes final : public Outcomes {
 public:
  explicit SqlOutcomes(Database& db) : db_(db) {}

  Result<RecordedOutcome> record(const Scope& s, const LeadOutcome& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    LeadOutcome o = input;
    Checks c;
    check_location(c, s, o.location_id, "outcome.location_id");
    c.id("outcome.lead_id", o.lead_id);
    c.id("outcome.agent_id", o.agent_id, false);
    c.time("outcome.occurred_at", o.occurred_at);
    constexpr std::int64_t kClockSkew = 5 * 60 * 1'000'000;  // a sender's clock a little ahead
    if (unix_micros_of(o.occurred_at).value_or(0) > now_unix_micros() + kClockSkew)
      c.fail("outcome.occurred_at", "is in the future");
    c.plain("outcome.source", o.source, 64, true);
    c.plain("outcome.external_id", o.external_id, 200, false);
    if (!is_lead_outcome(o.outcome))
      c.fail("outcome.outcome", "'" + std::string(name_of(o.outcome)) +
                                    "' is not a lead outcome; expected appointment_set, agreement_signed, offer_written, "
                                    "under_contract, closed_won or closed_lost");
    if (!c.ok()) return c.errors;
    o.id = time_ordered_id("out_");
    if (o.external_id.empty()) o.external_id = o.id;  // nothing to recognize a repeat by
    o.recorded_at = now_rfc3339();
    return in_tx<RecordedOutcome>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<RecordedOutcome> {
      auto before = recorded_before(db, s, o);
      if (!before.ok()) return before.errors();
      if (before.value()) return *before.value();
      auto settings = read_settings(db, s.location_id);
      if (!settings.ok()) return settings.errors();
      const std::int64_t at = unix_micros_of(o.occurred_at).value_or(0);
      // Late in the funnel the coaching that converted the lead is older: escrow alone is 30-45
      // days, and a search months long. Contracts and closings look back four times as far.
      const bool late = o.outcome == Outcome::under_contract || o.outcome == Outcome::closed_won ||
                        o.outcome == Outcome::closed_lost;
      const std::int64_t days = settings.value().attribution_days * (late ? 4 : 1);
      const std::string from = timestamp_at(at - days * kMicrosPerDay);
      auto events = db.run("SELECT id, created_at FROM agent_coaching_history WHERE location_id = $1 AND lead_id = $2 "
                           "AND created_at >= $3 AND created_at <= $4 ORDER BY created_at DESC LIMIT $5",
                           P({text(s.location_id), text(o.lead_id), text(from), text(o.occurred_at),
                              integer(kMaxAttributed)}));
      if (!events.ok()) return events.errors();
      for (std::size_t i = 0; i < events.value().size(); ++i) o.attributed.push_back(events.value().text(i, 0));
      // A concurrent report of the same event may have got in first: then its row is the answer.
      auto ins = db.run("INSERT INTO lead_outcomes (" + kOutcomeColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                        "ON CONFLICT DO NOTHING",
                        P({text(o.location_id), text(o.id), text(o.lead_id), text(o.agent_id), text(name_of(o.outcome)),
                           text(o.occurred_at), text(o.source), text(o.external_id),
                           text(names_json(o.attributed).dump()), text(o.recorded_at)}));
      if (!ins.ok()) return ins.errors();
      if (ins.value().affected() == 0) {
        auto before = recorded_before(db, s, o);
        if (!before.ok()) return before.errors();
        if (!before.value()) return internal("lead_outcomes: a report conflicted with one that is not there");
        return *before.value();
      }
      if (!o.attributed.empty()) {
        // The credited events (the newest kMaxAttributed) move up the funnel, never down: a
        // showing's appointment after the contract does not undo under_contract.
        const std::string oldest = events.value().text(events.value().size() - 1, 1);
        auto marked = db.run("UPDATE agent_coaching_history SET outcome = $3 WHERE location_id = $1 AND lead_id = $2 "
                             "AND created_at >= $4 AND created_at <= $5 AND " + funnel_rank("outcome") + " < " +
                             funnel_rank("$3"),
                             P({text(s.location_id), text(o.lead_id), text(name_of(o.outcome)), text(oldest),
                                text(o.occurred_at)}));
        if (!marked.ok()) return marked.errors();
      }
      return RecordedOutcome{o, true};
    });
  }

  Result<std::vector<LeadOutcome>> list(const Scope& s, const std::string& from, const std::string& to,
                                        std::int64_t limit) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    std::string f = from, t = to;
    c.time("from", f);
    c.time("to", t);
    c.range("limit", limit, 1, 5000);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kOutcomeColumns + " FROM lead_outcomes WHERE location_id = $1 AND occurred_at >= $2 "
                     "AND occurred_at < $3 ORDER BY occurred_at DESC, id DESC LIMIT $4",
                     P({text(s.location_id), text(f), text(t), integer(limit)}));
    if (!r.ok()) return r.errors();
    return decode_all<LeadOutcome>(r.value(), decode_outcome);
  }

  Result<LearningSettings> settings(const Scope& s) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    return in_tx<LearningSettings>(db_, s.location_id, TxMode::read,
                                   [&](Session& db) { return read_settings(db, s.location_id); });
  }

  Result<Done> put_settings(const Scope& s, const LearningSettings& settings) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    Checks c;
    c.range("learning.attribution_days", settings.attribution_days, 1, 365);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO learning_settings (location_id, attribution_days, keep_edited_text, updated_at) "
                     "VALUES ($1, $2, $3, $4) ON CONFLICT (location_id) DO UPDATE SET "
                     "attribution_days = excluded.attribution_days, keep_edited_text = excluded.keep_edited_text, "
                     "updated_at = excluded.updated_at",
                     P({text(s.location_id), integer(settings.attribution_days), boolean(settings.keep_edited_text),
                        text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<Outcomes> make_sql_outcomes(Database& db) { return std::make_unique<SqlOutcomes>(db); }

}  // namespace porchlight::store::detail
