// limits/admission_test.cpp: admitting calls to Claude (server-proxy/src/limits/): the budget
// first, then the buckets; a ticket gives its estimate back unless settled; settling records the
// usage, priced, and adds to the month's spend.
#include <doctest/doctest.h>

#include <mutex>

#include "limits/admission.hpp"
#include "porchlight/cost.hpp"
#include "store/ledger.hpp"
#include "support.hpp"

using namespace porchlight;
using namespace porchlight::proxy;
using porchlight::test::run;

namespace {

// A store ledger with a budget, that keeps the usage it is given.
class BudgetLedger final : public store::Ledger {
 public:
  Result<store::Done> record_usage_batch(const store::Scope&, const std::vector<store::UsageRecord>& batch) override {
    std::lock_guard lock(mutex);
    written.insert(written.end(), batch.begin(), batch.end());
    return store::Done{};
  }
  Result<double> month_spend_usd(const store::Scope&, const std::string&) override { return spent; }
  Result<store::Budget> get_budget(const store::Scope&) override {
    store::Budget b;
    b.monthly_usd = monthly;
    b.agent_monthly_usd = agent_default;
    b.agents = agents;
    b.keys = keys;
    return b;
  }
  Result<store::Done> set_budget(const store::Scope&, const store::Budget&) override { return store::Done{}; }
  Result<store::ScopedSpend> month_spend_by(const store::Scope&, const std::string&) override { return spent_by; }
  Result<store::Done> set_scoped_budget(const store::Scope&, const std::string&, const std::string&, double) override {
    return store::Done{};
  }
  Result<bool> claim_budget_alert(const store::Scope&, const std::string&, const std::string&, const std::string&, int) override {
    return true;
  }
  Result<store::RateLimits> get_rate_limits(const store::Scope&) override { return limits; }
  Result<store::Done> set_rate_limits(const store::Scope&, const store::RateLimits&) override { return store::Done{}; }

  std::mutex mutex;
  double spent = 0, monthly = 0, agent_default = 0;
  std::map<std::string, double> agents, keys;
  store::ScopedSpend spent_by;
  store::RateLimits limits;
  std::vector<store::UsageRecord> written;
};

// Admission with every part it needs, in-process.
struct Setup {
  BudgetLedger store;
  net::io_context io;
  WorkerPool pool{2};
  Metrics metrics;
  Config config;
  std::unique_ptr<RateLimiter> limiter = make_local_limiter();
  std::unique_ptr<UsageLedger> ledger;
  std::unique_ptr<Budgets> budgets;
  std::unique_ptr<Admission> admission;
  std::vector<BudgetCrossing> crossings;

  Setup() {
    ledger = std::make_unique<UsageLedger>(store, io, pool, metrics, true);
    budgets = std::make_unique<Budgets>(store, pool, io, 0.0);
    admission = std::make_unique<Admission>(*budgets, *limiter, *ledger, metrics, config, Policy::embedded(),
                                            [this](const std::string&, const BudgetCrossing& c) { crossings.push_back(c); });
  }
  ~Setup() {
    pool.join();
    admission.reset();
    budgets.reset();
    ledger.reset();
  }
};

const Payer kPayer{"key_1", "loc_1", "agent_1"};

}  // namespace

TEST_CASE("admission: a spent budget refuses with budget.exhausted until the month's end, taking nothing") {
  Setup s;
  LocationBudget spent;
  spent.monthly = 10;
  spent.spent = 10.01;
  const Ticket refused = s.admission->decide(kPayer, spent, 100, Admission::Cost::tokens);
  REQUIRE_FALSE(refused);
  CHECK(refused.refusal().code == "budget.exhausted");
  CHECK(refused.refusal().status == 429);
  REQUIRE(refused.refusal().retry_after);
  CHECK(refused.refusal().retry_after->count() > 0);
  CHECK(refused.refusal().retry_after->count() <= 31 * 86400);
  // Token counting costs nothing: the budget does not apply to it.
  CHECK(s.admission->decide(kPayer, spent, 1, Admission::Cost::free));
}

TEST_CASE("admission: the tightest bucket refuses with its name and when to retry") {
  Setup s;
  s.config.agent_requests_per_minute = 2;
  const LocationBudget open;
  const Ticket first = s.admission->decide(kPayer, open, 10, Admission::Cost::tokens);
  const Ticket second = s.admission->decide(kPayer, open, 10, Admission::Cost::tokens);
  CHECK(first);
  CHECK(second);
  CHECK(first.limit() > 0);
  const Ticket third = s.admission->decide(kPayer, open, 10, Admission::Cost::tokens);
  REQUIRE_FALSE(third);
  CHECK(third.refusal().code == "limits.agent_requests");
  REQUIRE(third.refusal().retry_after);
  CHECK(third.refusal().retry_after->count() >= 1);
  // Another agent of the same location is not held up by this one's bucket.
  const Payer other{"key_1", "loc_1", "agent_2"};
  CHECK(s.admission->decide(other, open, 10, Admission::Cost::tokens));
}

TEST_CASE("admission: an unsettled ticket gives its estimated tokens back when it goes out of scope") {
  Setup s;
  s.config.agent_tokens_per_minute = 1000;
  const LocationBudget open;
  {
    const Ticket held = s.admission->decide(kPayer, open, 700, Admission::Cost::tokens);
    REQUIRE(held);
    const Ticket squeezed = s.admission->decide(kPayer, open, 700, Admission::Cost::tokens);
    CHECK_FALSE(squeezed);  // 700 are held
    CHECK(squeezed.refusal().code == "limits.agent_tokens");
  }
  CHECK(s.admission->decide(kPayer, open, 700, Admission::Cost::tokens));  // released: room again
}

TEST_CASE("admission: a model the table does not price costs the table's highest rates, never $0") {
  Setup s;
  Usage u;
  u.input_tokens = 10'000;
  u.output_tokens = 2000;
  CHECK_FALSE(s.admission->priced("claude-opus-9-9"));
  CHECK(s.admission->priced(Policy::embedded().model_for(ModelTier::fast)));
  const double unknown = s.admission->price(u, "claude-opus-9-9");
  CHECK(unknown == doctest::Approx(cost_at_highest_rates(u).total_usd));
  CHECK(unknown >= s.admission->price(u, "claude-fable-5-1"));
  s.config.price_unpriced_at_highest = true;
  CHECK(s.admission->priced("claude-opus-9-9"));
}

TEST_CASE("admission: settling records the usage, priced and stamped, and adds it to the month's spend") {
  Setup s;
  s.store.monthly = 0.001;  // a tiny budget the first answer uses up
  Ticket ticket = run(s.io, s.admission->admit(kPayer, 500));
  REQUIRE(ticket);
  store::UsageRecord u;
  u.agent_id = "agent_1";
  u.request_id = "req_1";
  u.kind = "messages";
  u.model = Policy::embedded().model_for(ModelTier::deep);
  u.usage.input_tokens = 2000;
  u.usage.output_tokens = 1000;
  ticket.settle(u);
  ticket.settle(u);  // once only
  s.ledger->flush();
  {
    std::lock_guard lock(s.store.mutex);
    REQUIRE(s.store.written.size() == 1);
    const auto& r = s.store.written.front();
    CHECK(r.location_id == "loc_1");
    CHECK(r.key_id == "key_1");
    CHECK(r.cost_usd > 0);
    CHECK(r.cost_usd == doctest::Approx(s.admission->price(u.usage, u.model)));
    CHECK_FALSE(r.at.empty());
  }
  // The spend reached this instance's figures at once: the next call finds the budget spent.
  const Ticket next = run(s.io, s.admission->admit(kPayer, 500));
  REQUIRE_FALSE(next);
  CHECK(next.refusal().code == "budget.exhausted");
}

TEST_CASE("admission: an agent's and a key's own budgets refuse beside the location's; others are not held up") {
  Setup s;
  LocationBudget state;
  state.monthly = 100;
  state.spent = 10;
  state.budgets.agent_monthly_usd = 5;     // every agent's, unless it has its own
  state.budgets.agents["agent_1"] = 20;    // agent_1's own
  state.budgets.keys["key_1"] = 50;
  state.spent_by.agents["agent_1"] = 20;
  state.spent_by.agents["agent_2"] = 4.99;
  state.spent_by.keys["key_1"] = 10;
  const Ticket agent_spent = s.admission->decide(kPayer, state, 10, Admission::Cost::tokens);
  REQUIRE_FALSE(agent_spent);
  CHECK(agent_spent.refusal().code == "budget.agent_exhausted");
  CHECK(agent_spent.refusal().message.find("agent_1") != std::string::npos);
  CHECK(agent_spent.refusal().retry_after.has_value());
  const Payer agent_2{"key_1", "loc_1", "agent_2"};
  CHECK(s.admission->decide(agent_2, state, 10, Admission::Cost::tokens));  // under the default of 5
  state.spent_by.keys["key_1"] = 50;
  const Ticket key_spent = s.admission->decide(agent_2, state, 10, Admission::Cost::tokens);
  REQUIRE_FALSE(key_spent);
  CHECK(key_spent.refusal().code == "budget.key_exhausted");
  const Payer other_key{"key_2", "loc_1", "agent_2"};
  CHECK(s.admission->decide(other_key, state, 10, Admission::Cost::tokens));
}

TEST_CASE("admission: settling reports each budget it carries past 80% and 100%, once") {
  Setup s;
  s.store.monthly = 1.0;
  s.store.agents["agent_1"] = 0.5;
  s.store.spent_by.agents["agent_1"] = 0.35;
  Ticket first = run(s.io, s.admission->admit(kPayer, 100));  // loads the figures
  REQUIRE(first);
  store::UsageRecord u;
  u.agent_id = "agent_1";
  u.model = Policy::embedded().model_for(ModelTier::fast);
  u.cost_usd = 0.1;  // the agent: 0.35 -> 0.45 (past 80% of 0.5); the location: 0 -> 0.1
  first.settle(u);
  REQUIRE(s.crossings.size() == 1);
  CHECK(s.crossings[0].kind == "agent");
  CHECK(s.crossings[0].id == "agent_1");
  CHECK(s.crossings[0].threshold == 80);
  CHECK(s.crossings[0].budget == doctest::Approx(0.5));
  Ticket second = run(s.io, s.admission->admit(kPayer, 100));
  REQUIRE(second);
  u.cost_usd = 0.75;  // the agent past 100%; the location past 80%
  second.settle(u);
  REQUIRE(s.crossings.size() == 3);
  CHECK(s.crossings[1].kind == "location");
  CHECK(s.crossings[1].threshold == 80);
  CHECK(s.crossings[2].kind == "agent");
  CHECK(s.crossings[2].threshold == 100);
  const Ticket refused = run(s.io, s.admission->admit(kPayer, 100));
  REQUIRE_FALSE(refused);
  CHECK(refused.refusal().code == "budget.agent_exhausted");
}
