// The store conformance suite (fixtures.hpp): coaching events, feedback and outcomes (coaching_history.hpp).

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: coaching events record, and take feedback and outcomes", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  CoachingEvent e = make_event(s, "ev_1", "2026-11-20T10:00:00Z");
  REQUIRE_OK(db->coaching_history().record(s, e));
  auto got = REQUIRE_OK(db->coaching_history().get(s, "ev_1"));
  REQUIRE(got.has_value());
  e.created_at = "2026-11-20T10:00:00.000000Z";
  CHECK(to_json(*got) == to_json(e));

  CHECK(REQUIRE_OK(db->coaching_history().set_feedback(s, "ev_1", Feedback::helpful, "Great script")));
  CHECK(REQUIRE_OK(db->coaching_history().set_outcome(s, "ev_1", Outcome::appointment_set)));
  got = REQUIRE_OK(db->coaching_history().get(s, "ev_1"));
  CHECK(got->feedback == Feedback::helpful);
  CHECK(got->feedback_comment == "Great script");
  CHECK(got->outcome == Outcome::appointment_set);

  CHECK_FALSE(REQUIRE_OK(db->coaching_history().set_feedback(s, "ev_missing", Feedback::helpful, "")));
  CHECK_FALSE(REQUIRE_OK(db->coaching_history().set_outcome(s, "ev_missing", Outcome::closed_won)));
  CHECK_FALSE(REQUIRE_OK(db->coaching_history().get(s, "ev_missing")).has_value());
  CHECK(code_of(db->coaching_history().record(s, e)) == "store.conflict");
  CoachingEvent bad = make_event(s, "", "");
  CHECK(code_of(db->coaching_history().record(s, bad)) == "store.invalid");
  bad = make_event(s, "ev_2", "");
  bad.usage.output_tokens = -5;
  CHECK(code_of(db->coaching_history().record(s, bad)) == "store.invalid");
  bad = make_event(s, "ev_3", "");  // an empty created_at is now
  REQUIRE_OK(db->coaching_history().record(s, bad));
  CHECK(is_canonical_time(REQUIRE_OK(db->coaching_history().get(s, "ev_3"))->created_at));
}

TEST_CASE_TEMPLATE("store: an agent's coaching history reads newest first, a page at a time", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  for (int i = 1; i <= 5; ++i) {
    CoachingEvent e = make_event(s, "ev_" + std::to_string(i), "");
    e.agent_id = i == 3 ? "agent_other" : "agent_1";
    REQUIRE_OK(db->coaching_history().record(s, e));
  }
  auto page = REQUIRE_OK(db->coaching_history().list_by_agent(s, "agent_1", "", 2));
  REQUIRE(page.size() == 2);
  CHECK(page[0].id == "ev_5");
  CHECK(page[1].id == "ev_4");
  page = REQUIRE_OK(db->coaching_history().list_by_agent(s, "agent_1", page.back().id, 2));
  REQUIRE(page.size() == 2);
  CHECK(page[0].id == "ev_2");  // ev_3 is another agent's
  CHECK(page[1].id == "ev_1");
  CHECK(REQUIRE_OK(db->coaching_history().list_by_agent(s, "agent_1", "ev_1", 2)).empty());
  CHECK(code_of(db->coaching_history().list_by_agent(s, "agent_1", "", 0)) == "store.invalid");
  CHECK(code_of(db->coaching_history().list_by_agent(s, "bad id!", "", 5)) == "store.invalid");
}
