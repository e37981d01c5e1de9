// store/sql/coaching_history.cpp: coaching events, feedback and outcomes
// (store/coaching_history.hpp), for both backends.

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

const std::string kEventColumns =
    "location_id, id, agent_id, session_id, conversation_id, guidance_type, approach_variant, "
    "specialist, model, " + std::string(kUsageColumns) +
    ", cost_usd, latency_ms, feedback, feedback_comment, outcome, created_at";

const std::string kContextColumns =
    "lead_id, experiment_id, tier, agent_role, experience, specializations, stage, policy_version";

Result<EventContext> decode_context(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  EventContext c;
  c.lead_id = d.str();
  c.experiment_id = d.str();
  c.tier = d.str();
  c.role = d.str();
  c.experience = d.str();
  c.specializations = d.strings();
  c.stage = d.str();
  c.policy_version = d.str();
  if (!d.problem.empty()) return internal("agent_coaching_history: " + d.problem);
  return c;
}

Result<CoachingEvent> decode_event(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  CoachingEvent e;
  e.location_id = d.str();
  e.id = d.str();
  e.agent_id = d.str();
  e.session_id = d.str();
  e.conversation_id = d.str();
  e.guidance_type = d.enumeration<GuidanceType>();
  e.approach_variant = d.str();
  e.specialist = d.enumeration<Specialist>();
  e.model = d.str();
  e.usage = d.usage();
  e.cost_usd = d.f64();
  e.latency_ms = d.i64();
  e.feedback = d.enumeration<Feedback>();
  e.feedback_comment = d.str();
  e.outcome = d.enumeration<Outcome>();
  e.created_at = d.time();
  if (!d.problem.empty()) return internal("agent_coaching_history: " + d.problem);
  return e;
}

class SqlCoachingHistory final : public CoachingHistory {
 public:
  explicit SqlCoachingHistory(Database& db) : db_(db) {}

  Result<Done> record(const Scope& s, const CoachingEvent& input, const EventContext& context) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    CoachingEvent e = input;
    Checks c;
    check_location(c, s, e.location_id, "event.location_id");
    c.time("event.created_at", e.created_at);
    c.id("context.lead_id", context.lead_id, false);
    c.id("context.experiment_id", context.experiment_id, false);
    for (const auto& [path, v] : {std::pair{"context.tier", &context.tier}, {"context.role", &context.role},
                                  {"context.experience", &context.experience}, {"context.stage", &context.stage},
                                  {"context.policy_version", &context.policy_version}})
      c.plain(path, *v, 200);
    if (context.specializations.size() > 16) c.fail("context.specializations", "at most 16");
    for (const auto& sp : context.specializations) c.plain("context.specializations", sp, 64, true);
    if (!c.ok()) return c.errors;
    if (auto valid = event_from_json(to_json(e)); !valid.ok()) {
      c.core(valid.errors());
      return c.errors;
    }
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO agent_coaching_history (" + kEventColumns + ", " + kContextColumns +
                     ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
                     "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, "
                     "$21, $22, $23, $24, $25, $26, $27, $28)",
                     P({text(e.location_id), text(e.id), text(e.agent_id), text(e.session_id), text(e.conversation_id),
                        text(name_of(e.guidance_type)), text(e.approach_variant), text(name_of(e.specialist)),
                        text(e.model), integer(e.usage.input_tokens), integer(e.usage.output_tokens),
                        integer(e.usage.cache_creation_input_tokens), integer(e.usage.cache_creation_1h_input_tokens),
                        integer(e.usage.cache_read_input_tokens), real(e.cost_usd), integer(e.latency_ms),
                        text(name_of(e.feedback)), text(e.feedback_comment), text(name_of(e.outcome)),
                        text(e.created_at), text(context.lead_id), text(context.experiment_id), text(context.tier),
                        text(context.role), text(context.experience), text(names_json(context.specializations).dump()),
                        text(context.stage), text(context.policy_version)}));
    if (!r.ok()) return r.errors();
    return Done{};
  }

  Result<std::optional<EventContext>> context(const Scope& s, const std::string& id) override {
    return find_by_id<EventContext>(db_, s, id, "agent_coaching_history", kContextColumns, decode_context);
  }

  Result<std::optional<CoachingEvent>> get(const Scope& s, const std::string& id) override {
    return find_by_id<CoachingEvent>(db_, s, id, "agent_coaching_history", kEventColumns, decode_event);
  }

  // One statement: a field left unset keeps its value (COALESCE of a NULL parameter).
  Result<bool> add_feedback(const Scope& s, const std::string& event_id, const FeedbackUpdate& f) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("event_id", event_id);
    if (f.comment) c.utf8("comment", *f.comment, 8000);
    if (f.reason) c.utf8("reason", *f.reason, 500);
    c.utf8("edited_text", f.edited_text, 64 * 1024);
    if (f.edit_distance) c.range("edit_distance", *f.edit_distance, 0, 1'000'000);
    if (!c.ok()) return c.errors;
    auto opt_text = [](const std::optional<std::string>& v) { return v ? text(*v) : null_param(); };
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "UPDATE agent_coaching_history SET feedback = COALESCE($3, feedback), "
                     "feedback_comment = COALESCE($4, feedback_comment), feedback_reason = COALESCE($5, feedback_reason), "
                     "edit_distance = COALESCE($6, edit_distance), "
                     "edited_text = CASE WHEN $7 = '' THEN edited_text ELSE $7 END, "
                     "copies = copies + $8, sends = sends + $9 WHERE location_id = $1 AND id = $2",
                     P({text(s.location_id), text(event_id),
                        f.rating ? text(name_of(*f.rating)) : null_param(), opt_text(f.comment), opt_text(f.reason),
                        f.edit_distance ? integer(*f.edit_distance) : null_param(), text(f.edited_text),
                        integer(f.copied ? 1 : 0), integer(f.sent ? 1 : 0)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  }

  Result<bool> set_outcome(const Scope& s, const std::string& event_id, Outcome o) override {
    if (auto e = check_scoped_id(s, "event_id", event_id); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "UPDATE agent_coaching_history SET outcome = $3 WHERE location_id = $1 AND id = $2",
                     P({text(s.location_id), text(event_id), text(name_of(o))}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  }

  Result<std::vector<CoachingEvent>> list_by_agent(const Scope& s, const std::string& agent_id, const std::string& before,
                                                   std::int64_t limit) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("agent_id", agent_id);
    c.id("before", before, false);
    c.range("limit", limit, 1, 200);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kEventColumns + " FROM agent_coaching_history WHERE location_id = $1 AND agent_id = $2 "
                     "AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4",
                     P({text(s.location_id), text(agent_id), text(before), integer(limit)}));
    if (!r.ok()) return r.errors();
    return decode_all<CoachingEvent>(r.value(), decode_event);
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<CoachingHistory> make_sql_coaching_history(Database& db) { return std::make_unique<SqlCoachingHistory>(db); }

}  // namespace porchlight::store::detail
