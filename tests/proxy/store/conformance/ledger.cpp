// The store conformance suite (fixtures.hpp): usage, budgets and rate limits (ledger.hpp).

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: usage adds up per UTC month, and a retried request counts once", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto usage = [&](const std::string& request, double cost, const std::string& at) {
    UsageRecord u;
    u.key_id = "key_1";
    u.agent_id = "agent_1";
    u.request_id = request;
    u.kind = "coach";
    u.model = "claude-haiku-4-5";
    u.usage.input_tokens = 100;
    u.usage.output_tokens = 10;
    u.cost_usd = cost;
    u.at = at;
    return u;
  };
  REQUIRE_OK(db->ledger().record_usage(s, usage("req_1", 0.25, "2026-11-01T00:00:00Z")));
  REQUIRE_OK(db->ledger().record_usage(s, usage("req_2", 0.125, "2026-11-15T12:00:00Z")));
  REQUIRE_OK(db->ledger().record_usage(s, usage("req_2", 0.125, "2026-11-15T12:00:00Z")));  // a retry
  // 23:30 on Nov 30 at UTC-2 is December in UTC.
  REQUIRE_OK(db->ledger().record_usage(s, usage("req_3", 1.0, "2026-11-30T23:30:00-02:00")));
  REQUIRE_OK(db->ledger().record_usage(s, usage("", 0.5, "2026-10-31T23:59:59.999999Z")));
  REQUIRE_OK(db->ledger().record_usage(s, usage("", 0.5, "2026-10-31T23:59:59.999999Z")));  // no id: both count

  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-11")) == doctest::Approx(0.375));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-12")) == doctest::Approx(1.0));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-10")) == doctest::Approx(1.0));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2025-01")) == 0.0);
  CHECK(code_of(db->ledger().month_spend_usd(s, "2026-13")) == "store.invalid");
  CHECK(code_of(db->ledger().month_spend_usd(s, "November")) == "store.invalid");
  UsageRecord bad = usage("req_9", -1, "");
  CHECK(code_of(db->ledger().record_usage(s, bad)) == "store.invalid");
  bad = usage("req_9", 1, "");
  bad.kind = "";
  CHECK(code_of(db->ledger().record_usage(s, bad)) == "store.invalid");

  // A batch is one transaction: written whole (a retry inside it ignored), or not at all.
  REQUIRE_OK(db->ledger().record_usage_batch(s, {usage("req_4", 0.5, "2026-09-01T00:00:00Z"), usage("req_5", 0.25, "2026-09-02T00:00:00Z"),
                                        usage("req_4", 0.5, "2026-09-01T00:00:00Z")}));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-09")) == doctest::Approx(0.75));
  CHECK(code_of(db->ledger().record_usage_batch(s, {usage("req_6", 2.0, "2026-08-01T00:00:00Z"), bad})) == "store.invalid");
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-08")) == 0.0);
}

TEST_CASE_TEMPLATE("store: budgets and rate limits default to none and are replaced", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  CHECK(REQUIRE_OK(db->ledger().get_budget(s)).monthly_usd == 0.0);
  RateLimits none = REQUIRE_OK(db->ledger().get_rate_limits(s));
  CHECK(none.key_requests == 0);
  CHECK(none.location_tokens == 0);

  auto budget = [](double monthly) {
    Budget b;
    b.monthly_usd = monthly;
    return b;
  };
  REQUIRE_OK(db->ledger().set_budget(s, budget(250.5)));
  REQUIRE_OK(db->ledger().set_budget(s, budget(300.25)));
  CHECK(REQUIRE_OK(db->ledger().get_budget(s)).monthly_usd == 300.25);
  RateLimits l{60, 100000, 30, 50000, 600, 1000000};
  REQUIRE_OK(db->ledger().set_rate_limits(s, l));
  RateLimits got = REQUIRE_OK(db->ledger().get_rate_limits(s));
  CHECK(got.key_requests == 60);
  CHECK(got.key_tokens == 100000);
  CHECK(got.agent_requests == 30);
  CHECK(got.agent_tokens == 50000);
  CHECK(got.location_requests == 600);
  CHECK(got.location_tokens == 1000000);

  CHECK(code_of(db->ledger().set_budget(s, budget(-1))) == "store.invalid");
  CHECK(code_of(db->ledger().set_rate_limits(s, RateLimits{-1, 0, 0, 0, 0, 0})) == "store.invalid");
  CHECK(REQUIRE_OK(db->ledger().get_budget(s)).monthly_usd == 300.25);
}

TEST_CASE_TEMPLATE("store: spend per agent and per key adds up per month beside the location's", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto usage = [&](const std::string& request, const std::string& agent, const std::string& key, double cost) {
    UsageRecord u;
    u.agent_id = agent;
    u.key_id = key;
    u.request_id = request;
    u.kind = "messages";
    u.model = "claude-haiku-4-5";
    u.cost_usd = cost;
    u.at = "2026-12-03T10:00:00Z";
    return u;
  };
  REQUIRE_OK(db->ledger().record_usage_batch(s, {usage("r1", "agent_1", "key_1", 0.25), usage("r2", "agent_1", "key_2", 0.5),
                                                 usage("r3", "agent_2", "key_1", 1.0), usage("r4", "", "key_1", 2.0)}));
  REQUIRE_OK(db->ledger().record_usage(s, usage("r1", "agent_1", "key_1", 0.25)));  // a retry adds nothing
  const ScopedSpend by = REQUIRE_OK(db->ledger().month_spend_by(s, "2026-12"));
  CHECK(by.agents.at("agent_1") == doctest::Approx(0.75));
  CHECK(by.agents.at("agent_2") == doctest::Approx(1.0));
  CHECK(by.agents.size() == 2);  // no row for usage without an agent
  CHECK(by.keys.at("key_1") == doctest::Approx(3.25));
  CHECK(by.keys.at("key_2") == doctest::Approx(0.5));
  CHECK(REQUIRE_OK(db->ledger().month_spend_by(s, "2026-11")).agents.empty());
  CHECK(code_of(db->ledger().month_spend_by(s, "December")) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: agents' and keys' own budgets, the default per agent and the alert URL", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  Budget b;
  b.monthly_usd = 100;
  b.agent_monthly_usd = 10;
  b.alert_webhook_url = "https://hooks.example.test/T0/B0/secret";
  REQUIRE_OK(db->ledger().set_budget(s, b));
  REQUIRE_OK(db->ledger().set_scoped_budget(s, "agent", "agent_1", 25));
  REQUIRE_OK(db->ledger().set_scoped_budget(s, "agent", "agent_1", 30));  // replaced
  REQUIRE_OK(db->ledger().set_scoped_budget(s, "key", "key_1", 5));
  REQUIRE_OK(db->ledger().set_scoped_budget(s, "agent", "agent_2", 7));
  REQUIRE_OK(db->ledger().set_scoped_budget(s, "agent", "agent_2", 0));  // removed
  const Budget got = REQUIRE_OK(db->ledger().get_budget(s));
  CHECK(got.monthly_usd == 100);
  CHECK(got.agent_monthly_usd == 10);
  CHECK(got.alert_webhook_url == b.alert_webhook_url);
  CHECK(got.agents == std::map<std::string, double>{{"agent_1", 30}});
  CHECK(got.keys == std::map<std::string, double>{{"key_1", 5}});
  CHECK(code_of(db->ledger().set_scoped_budget(s, "team", "t1", 5)) == "store.invalid");
  CHECK(code_of(db->ledger().set_scoped_budget(s, "agent", "agent_1", -1)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: a budget alert is claimed once per month, scope and threshold", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  CHECK(REQUIRE_OK(db->ledger().claim_budget_alert(s, "2026-12", "agent", "agent_1", 80)));
  CHECK_FALSE(REQUIRE_OK(db->ledger().claim_budget_alert(s, "2026-12", "agent", "agent_1", 80)));  // sent already
  CHECK(REQUIRE_OK(db->ledger().claim_budget_alert(s, "2026-12", "agent", "agent_1", 100)));
  CHECK(REQUIRE_OK(db->ledger().claim_budget_alert(s, "2027-01", "agent", "agent_1", 80)));
  CHECK(REQUIRE_OK(db->ledger().claim_budget_alert(s, "2026-12", "location", s.location_id, 80)));
  CHECK(code_of(db->ledger().claim_budget_alert(s, "2026-12", "agent", "agent_1", 50)) == "store.invalid");
}
