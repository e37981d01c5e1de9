// The store conformance suite (fixtures.hpp): the dashboard's figures (analytics.hpp).

#include <vector>

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: analytics group by UTC day over an inclusive range", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto ev = [&](const std::string& id, const std::string& at, const std::string& variant, Feedback f,
                const std::string& agent = "") {
    CoachingEvent e = make_event(s, id, at);
    if (!agent.empty()) e.agent_id = agent;
    e.approach_variant = variant;
    e.feedback = f;
    REQUIRE_OK(db->coaching_history().record(s, e));
  };
  ev("e1", "2026-11-20T01:00:00Z", "control", Feedback::helpful);
  ev("e2", "2026-11-20T23:59:59Z", "control", Feedback::not_helpful);
  ev("e3", "2026-11-20T12:00:00Z", "empathetic", Feedback::helpful);
  ev("e4", "2026-11-21T00:30:00+01:00", "control", Feedback::none);  // still Nov 20 in UTC
  ev("e5", "2026-11-22T00:00:00Z", "control", Feedback::helpful);
  ev("e6", "2026-11-23T00:00:00Z", "control", Feedback::helpful);  // outside
  ev("e7", "2026-11-22T09:00:00Z", "control", Feedback::not_helpful, "agent_other");  // a row of its own

  auto rows = REQUIRE_OK(db->analytics().effectiveness(s, "2026-11-20", "2026-11-22"));
  REQUIRE(rows.size() == 4);
  CHECK(rows[0].day == "2026-11-20");
  CHECK(rows[0].agent_id == make_event(s, "x", "2026-11-20T00:00:00Z").agent_id);
  CHECK(rows[0].guidance_type == "objection_response");
  CHECK(rows[0].approach_variant == "control");
  CHECK(rows[0].events == 3);
  CHECK(rows[0].helpful == 1);
  CHECK(rows[0].not_helpful == 1);
  CHECK(rows[1].approach_variant == "empathetic");
  CHECK(rows[1].events == 1);
  CHECK(rows[2].day == "2026-11-22");
  CHECK(rows[3].day == "2026-11-22");
  CHECK(rows[2].agent_id < rows[3].agent_id);  // per agent, in agent order within a group
  CHECK(rows[2].helpful + rows[3].helpful == 1);
  CHECK(rows[2].not_helpful + rows[3].not_helpful == 1);

  auto u = [&](const std::string& agent, const std::string& at, double cost) {
    UsageRecord r;
    r.agent_id = agent;
    r.kind = "messages";
    r.model = "claude-sonnet-4-5";
    r.usage.input_tokens = 1000;
    r.usage.output_tokens = 100;
    r.usage.cache_read_input_tokens = 500;
    r.usage.cache_creation_input_tokens = 200;
    r.cost_usd = cost;
    r.at = at;
    REQUIRE_OK(db->ledger().record_usage(s, r));
  };
  u("agent_1", "2026-11-20T08:00:00Z", 0.5);
  u("agent_1", "2026-11-20T09:00:00Z", 0.25);
  u("agent_2", "2026-11-21T09:00:00Z", 1.0);
  auto usage = REQUIRE_OK(db->analytics().usage_by_agent(s, "2026-11-20", "2026-11-21"));
  REQUIRE(usage.size() == 2);
  CHECK(usage[0].day == "2026-11-20");
  CHECK(usage[0].agent_id == "agent_1");
  CHECK(usage[0].model == "claude-sonnet-4-5");
  CHECK(usage[0].requests == 2);
  CHECK(usage[0].input_tokens == 2000);
  CHECK(usage[0].output_tokens == 200);
  CHECK(usage[0].cache_read_tokens == 1000);
  CHECK(usage[0].cache_write_tokens == 400);
  CHECK(usage[0].cost_usd == doctest::Approx(0.75));
  CHECK(usage[1].agent_id == "agent_2");

  // Latencies come from completed assistant answers, today (the store stamps messages).
  const Conversation c = REQUIRE_OK(db->transcript().open_conversation(s, make_conversation(s)));
  for (std::int64_t ms : {300, 100, 200}) {
    Message m = make_message(c.id, "assistant", "answer");
    m.agent_id = ms == 200 ? "agent_b" : "agent_a";
    Message a = REQUIRE_OK(db->transcript().append_message(s, m));
    a.status = MessageStatus::complete;
    a.latency_ms = ms;
    REQUIRE_OK(db->transcript().update_message(s, a));
  }
  REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "assistant", "still streaming")));
  const std::string today = store::detail::now_rfc3339().substr(0, 10);
  const auto latencies = REQUIRE_OK(db->analytics().latencies(s, today, today));
  REQUIRE(latencies.size() == 3);
  CHECK(latencies[0].latency_ms == 100);
  CHECK(latencies[1].latency_ms == 200);
  CHECK(latencies[2].latency_ms == 300);
  CHECK(latencies[0].agent_id == "agent_a");
  CHECK(latencies[1].agent_id == "agent_b");
  CHECK(REQUIRE_OK(db->analytics().latencies(s, "2026-01-01", "2026-01-02")).empty());

  CHECK(code_of(db->analytics().effectiveness(s, "2026-11-22", "2026-11-20")) == "store.invalid");
  CHECK(code_of(db->analytics().usage_by_agent(s, "2026-02-30", "2026-03-01")) == "store.invalid");
  CHECK(code_of(db->analytics().latencies(s, "today", "2026-03-01")) == "store.invalid");
}
