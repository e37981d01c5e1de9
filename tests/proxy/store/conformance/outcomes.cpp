// The store conformance suite (fixtures.hpp): the learning loop's records: coaching events with
// their context and the agent's actions, leads' outcomes credited to recent coaching
// (outcomes.hpp), and experiments' published state and results (experiments.hpp).

#include "store/conformance/fixtures.hpp"

namespace {

CoachingEvent lead_event(const Scope& s, const std::string& id, const std::string& at, const std::string& variant) {
  CoachingEvent e = make_event(s, id, at);
  e.approach_variant = variant;
  return e;
}

EventContext lead_context(const std::string& lead, const std::string& experiment) {
  EventContext c;
  c.lead_id = lead;
  c.experiment_id = experiment;
  c.tier = "balanced";
  c.role = "buyer_agent";
  c.experience = "novice";
  c.specializations = {"first_time_buyers"};
  c.stage = "qualifying";
  c.policy_version = "2026.12-abc";
  return c;
}

LeadOutcome outcome_of(const std::string& lead, Outcome o, const std::string& at, const std::string& external) {
  LeadOutcome out;
  out.lead_id = lead;
  out.agent_id = "agent_1";
  out.outcome = o;
  out.occurred_at = at;
  out.source = "gohighlevel";
  out.external_id = external;
  return out;
}

}  // namespace

TEST_CASE_TEMPLATE("store: a coaching event keeps its context and the agent's actions", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  REQUIRE_OK(db->coaching_history().record(s, lead_event(s, "ev_1", "", "control"), lead_context("lead_1", "exp_1")));
  auto ctx = REQUIRE_OK(db->coaching_history().context(s, "ev_1"));
  REQUIRE(ctx.has_value());
  CHECK(ctx->lead_id == "lead_1");
  CHECK(ctx->experiment_id == "exp_1");
  CHECK(ctx->specializations == std::vector<std::string>{"first_time_buyers"});
  CHECK(ctx->policy_version == "2026.12-abc");

  FeedbackUpdate f;
  f.copied = true;
  CHECK(REQUIRE_OK(db->coaching_history().add_feedback(s, "ev_1", f)));
  f = {};
  f.sent = true;
  f.edit_distance = 42;
  CHECK(REQUIRE_OK(db->coaching_history().add_feedback(s, "ev_1", f)));
  f = {};
  f.rating = Feedback::not_helpful;
  f.reason = "too_long";
  CHECK(REQUIRE_OK(db->coaching_history().add_feedback(s, "ev_1", f)));
  auto got = REQUIRE_OK(db->coaching_history().get(s, "ev_1"));
  CHECK(got->feedback == Feedback::not_helpful);
  CHECK(got->feedback_comment.empty());  // untouched by updates that did not set it

  auto results = REQUIRE_OK(db->experiments().results(s, "exp_1"));
  REQUIRE(results.size() == 1);
  CHECK(results[0].variant == "control");
  CHECK(results[0].shown == 1);
  CHECK(results[0].trials == 1);
  CHECK(results[0].successes == 0);
  CHECK(results[0].copied == 1);
  CHECK(results[0].sent == 1);

  CHECK_FALSE(REQUIRE_OK(db->coaching_history().add_feedback(s, "ev_missing", f)));
  f.edit_distance = -3;
  CHECK(code_of(db->coaching_history().add_feedback(s, "ev_1", f)) == "store.invalid");
  EventContext bad = lead_context("bad lead!", "");
  CHECK(code_of(db->coaching_history().record(s, lead_event(s, "ev_2", "", "control"), bad)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: an outcome is credited to the lead's coaching within the window, once", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  REQUIRE_OK(db->coaching_history().record(s, lead_event(s, "ev_old", "2026-10-01T10:00:00Z", "control"), lead_context("lead_1", "")));
  REQUIRE_OK(db->coaching_history().record(s, lead_event(s, "ev_a", "2026-11-20T10:00:00Z", "control"), lead_context("lead_1", "")));
  REQUIRE_OK(db->coaching_history().record(s, lead_event(s, "ev_b", "2026-11-25T10:00:00Z", "control"), lead_context("lead_1", "")));
  REQUIRE_OK(db->coaching_history().record(s, lead_event(s, "ev_after", "2026-12-02T10:00:00Z", "control"), lead_context("lead_1", "")));
  REQUIRE_OK(db->coaching_history().record(s, lead_event(s, "ev_other", "2026-11-25T10:00:00Z", "control"), lead_context("lead_2", "")));

  auto first = REQUIRE_OK(db->outcomes().record(s, outcome_of("lead_1", Outcome::appointment_set, "2026-12-01T09:00:00Z", "wh_1")));
  CHECK(first.created);
  CHECK(first.outcome.attributed == std::vector<std::string>{"ev_b", "ev_a"});  // 30 days by default, newest first
  CHECK(REQUIRE_OK(db->coaching_history().get(s, "ev_a"))->outcome == Outcome::appointment_set);
  CHECK(REQUIRE_OK(db->coaching_history().get(s, "ev_old"))->outcome == Outcome::pending);
  CHECK(REQUIRE_OK(db->coaching_history().get(s, "ev_after"))->outcome == Outcome::pending);
  CHECK(REQUIRE_OK(db->coaching_history().get(s, "ev_other"))->outcome == Outcome::pending);

  auto again = REQUIRE_OK(db->outcomes().record(s, outcome_of("lead_1", Outcome::appointment_set, "2026-12-01T09:00:00Z", "wh_1")));
  CHECK_FALSE(again.created);
  CHECK(again.outcome.id == first.outcome.id);

  REQUIRE_OK(db->outcomes().put_settings(s, LearningSettings{90, true}));
  auto settings = REQUIRE_OK(db->outcomes().settings(s));
  CHECK(settings.attribution_days == 90);
  CHECK(settings.keep_edited_text);
  auto won = REQUIRE_OK(db->outcomes().record(s, outcome_of("lead_1", Outcome::closed_won, "2026-12-03T09:00:00Z", "wh_2")));
  CHECK(won.outcome.attributed.size() == 4);  // 90 days reach back to ev_old
  CHECK(REQUIRE_OK(db->coaching_history().get(s, "ev_a"))->outcome == Outcome::closed_won);
  // Another showing after the close is recorded, but the events it credits stay at closed_won.
  auto showing = REQUIRE_OK(db->outcomes().record(s, outcome_of("lead_1", Outcome::appointment_set, "2026-12-03T10:00:00Z", "wh_6")));
  CHECK(showing.created);
  CHECK(REQUIRE_OK(db->coaching_history().get(s, "ev_a"))->outcome == Outcome::closed_won);
  CHECK(REQUIRE_OK(db->coaching_history().get(s, "ev_after"))->outcome == Outcome::closed_won);
  const std::string tomorrow = store::detail::timestamp_at(store::detail::now_unix_micros() + 86400LL * 1000000);
  CHECK(code_of(db->outcomes().record(s, outcome_of("lead_1", Outcome::closed_won, tomorrow, "wh_7"))) == "store.invalid");

  auto listed = REQUIRE_OK(db->outcomes().list(s, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z", 10));
  REQUIRE(listed.size() == 3);
  CHECK(listed[0].outcome == Outcome::appointment_set);  // newest first
  CHECK(listed[1].outcome == Outcome::closed_won);
  CHECK(listed[2].outcome == Outcome::appointment_set);

  CHECK(code_of(db->outcomes().record(s, outcome_of("lead_1", Outcome::pending, "", "wh_3"))) == "store.invalid");
  CHECK(code_of(db->outcomes().record(s, outcome_of("", Outcome::closed_won, "", "wh_4"))) == "store.invalid");
  CHECK(code_of(db->outcomes().record(s, outcome_of("lead_1", Outcome::closed_won, "yesterday", "wh_5"))) == "store.invalid");
  CHECK(code_of(db->outcomes().put_settings(s, LearningSettings{0, false})) == "store.invalid");
  const Scope other = new_location(*db);  // another tenant sees none of it
  CHECK(REQUIRE_OK(db->outcomes().list(other, "2026-11-01T00:00:00Z", "2027-01-01T00:00:00Z", 10)).empty());
  CHECK(REQUIRE_OK(db->outcomes().settings(other)).attribution_days == 30);
}

TEST_CASE_TEMPLATE("store: an experiment keeps its definition and publishes its state", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  Experiment e;
  e.id = "exp_tone";
  e.name = "Tone";
  e.variants = {"control", "empathy_first"};
  e.definition = R"({"id":"exp_tone","guidance_type":"objection_response","variants":[{"id":"control"},{"id":"empathy_first"}]})";
  CHECK(REQUIRE_OK(db->experiments().create(s, e)));
  Experiment again = e;
  again.name = "Tone, again";
  CHECK_FALSE(REQUIRE_OK(db->experiments().create(s, again)));  // its id exists: left alone
  auto got = REQUIRE_OK(db->experiments().get(s, "exp_tone"));
  CHECK(got->name == "Tone");
  REQUIRE(got.has_value());
  CHECK(json::parse(got->definition) == json::parse(e.definition));
  CHECK(got->status == "running");
  CHECK(got->allocation == "[]");
  CHECK(is_canonical_time(got->created_at));

  CHECK(REQUIRE_OK(db->experiments().publish(s, *got, "empathy_first", R"([{"variant":"empathy_first","share":1}])", 400)));
  auto published = REQUIRE_OK(db->experiments().get(s, "exp_tone"));
  CHECK(published->winner == "empathy_first");
  CHECK(published->published_trials == 400);
  CHECK(json::parse(published->allocation)[0]["share"] == 1);
  // A late evaluation of the state read before: refused, the published state stays.
  CHECK_FALSE(REQUIRE_OK(db->experiments().publish(s, *got, "", "[]", 200)));
  CHECK(REQUIRE_OK(db->experiments().get(s, "exp_tone"))->winner == "empathy_first");
  // A stop (or pause) meanwhile is never undone by an evaluation of the running state.
  CHECK(REQUIRE_OK(db->experiments().set_status(s, "exp_tone", "paused")));
  CHECK_FALSE(REQUIRE_OK(db->experiments().get(s, "exp_tone"))->active);
  CHECK_FALSE(REQUIRE_OK(db->experiments().publish(s, *published, "empathy_first", "[]", 500)));
  CHECK(REQUIRE_OK(db->experiments().get(s, "exp_tone"))->status == "paused");
  CHECK(REQUIRE_OK(db->experiments().get(s, "exp_tone"))->winner == "empathy_first");  // the status alone changed
  Experiment missing = *published;
  missing.id = "exp_missing";
  CHECK_FALSE(REQUIRE_OK(db->experiments().publish(s, missing, "", "[]", 0)));
  CHECK_FALSE(REQUIRE_OK(db->experiments().set_status(s, "exp_missing", "running")));
  CHECK(code_of(db->experiments().set_status(s, "exp_tone", "finished")) == "store.invalid");
  CHECK(code_of(db->experiments().publish(s, *published, "", "{}", 0)) == "store.invalid");
  e.definition = "not json";
  CHECK(code_of(db->experiments().put(s, e)) == "store.invalid");
  CHECK_FALSE(REQUIRE_OK(db->experiments().get(s, "exp_missing")).has_value());
}
