// Fault: Postgres stopped (scripts/services stop-pg) and started again on the same port. Reads in
// the cache are served; every write fails fast with a retryable store.unavailable and is not
// saved; after the restart the pool reconnects and the store works again.

#include <doctest/doctest.h>

#include "cache/cache.hpp"
#include "store/backends.hpp"
#include "store/store_util.hpp"

namespace {
using namespace porchlight;
using namespace porchlight::store;
using namespace porchlight::test;
using namespace std::chrono_literals;

// Restarts Postgres if a failed check left it stopped, so that later tests have their server.
struct PostgresStopped {
  PostgresStopped() { services("stop-pg"); }
  ~PostgresStopped() {
    if (!restarted) services("start-pg");
  }
  void restart() {
    services("start-pg");
    restarted = true;
  }
  bool restarted = false;
};

std::string app_password() {
  const std::string url = pg_app_url();
  const auto colon = url.find(':', url.find("://") + 3), at = url.find('@');
  return url.substr(colon + 1, at - colon - 1);
}

// The write fails with store.unavailable in well under 2 s, and says nothing secret.
template <class F> void fails_fast(const char* what, F write) {
  Result<int> outcome = Error{};
  const double ms = elapsed_ms([&] {
    auto r = write();
    outcome = r.ok() ? Result<int>(0) : Result<int>(r.errors());
  });
  CHECK_MESSAGE(!outcome.ok(), what << " reported success while Postgres is down");
  if (outcome.ok()) return;
  CHECK_MESSAGE(outcome.errors().front().code == "store.unavailable", what << ": " << outcome.errors().front().message);
  CHECK_MESSAGE(ms < 2000, what << " took " << ms << " ms");
  CHECK(outcome.errors().front().message.find(app_password()) == std::string::npos);
}
}  // namespace

TEST_CASE("faults: Postgres stops; cached reads are served, writes fail fast and unsaved; then it recovers") {
  auto lru = std::shared_ptr<cache::Cache>(cache::make_lru_cache(1000));
  auto db = make_cached_store(open_postgres(), lru);
  auto direct = open_postgres();
  const Scope s{REQUIRE_OK(db->admin().create_location("L")).id};
  AgentProfile p;
  p.id = "agent_1";
  p.location_id = s.location_id;
  p.name = "Before";
  REQUIRE_OK(db->profiles().put(s, p));
  Conversation c;
  c.id = unique("cv_") + "bbbbbbbbbbbbbbbbbbbb";
  c.agent_id = "agent_1";
  REQUIRE_OK(db->transcript().open_conversation(s, c));
  Message m;
  m.conversation_id = c.id;
  m.role = "user";
  m.content = "saved before the outage";
  REQUIRE_OK(db->transcript().append_message(s, m));
  REQUIRE_OK(db->transcript().append_message(s, m));
  // Warm the cache.
  REQUIRE(REQUIRE_OK(db->profiles().get(s, "agent_1")).has_value());
  REQUIRE(REQUIRE_OK(db->transcript().get_conversation(s, c.id)).has_value());
  REQUIRE(REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 50)).size() == 2);
  const std::string month = store::detail::now_rfc3339().substr(0, 7);

  {
    PostgresStopped stopped;
    // Reads present in the cache are served.
    CHECK(REQUIRE_OK(db->profiles().get(s, "agent_1"))->name == "Before");
    CHECK(REQUIRE_OK(db->transcript().get_conversation(s, c.id))->id == c.id);
    CHECK(REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 50)).size() == 2);
    // Reads that are not: a typed, retryable error.
    fails_fast("profiles().get (uncached)", [&] { return db->profiles().get(s, "agent_2"); });

    Message lost = m;
    lost.content = "written during the outage";
    fails_fast("append_message", [&] { return db->transcript().append_message(s, lost); });
    p.name = "During";
    fails_fast("profiles().put", [&] { return db->profiles().put(s, p); });
    UsageRecord u;
    u.kind = "coach";
    u.cost_usd = 9;
    fails_fast("record_usage", [&] { return db->ledger().record_usage(s, u); });
    Budget budget;
    budget.monthly_usd = 5;
    fails_fast("set_budget", [&] { return db->ledger().set_budget(s, budget); });
    fails_fast("update_conversation",
               [&] { return db->transcript().update_conversation(s, c.id, ConversationStage::closed_lost, "x", 1); });
    WebhookRecord w;
    w.provider = "gohighlevel";
    w.dedupe_key = "during";
    w.body = "{}";
    fails_fast("webhook_inbox().insert", [&] { return db->webhook_inbox().insert(s, w); });
    fails_fast("append_message (uncached store)", [&] { return direct->transcript().append_message(s, lost); });
    fails_fast("ping", [&] { return direct->ping(); });
    // The cached reads still stand after the failed writes.
    CHECK(REQUIRE_OK(db->profiles().get(s, "agent_1"))->name == "Before");

    stopped.restart();
  }
  CHECK(eventually([&] { return direct->ping().ok(); }, 20s));
  CHECK(eventually([&] { return db->ping().ok(); }, 5s));

  // Nothing that was reported failed was saved.
  auto messages = REQUIRE_OK(direct->transcript().list_messages(s, c.id, 0, 50));
  CHECK(messages.size() == 2);
  for (const auto& msg : messages) CHECK(msg.content == "saved before the outage");
  CHECK(REQUIRE_OK(direct->profiles().get(s, "agent_1"))->name == "Before");
  CHECK(REQUIRE_OK(direct->ledger().month_spend_usd(s, month)) == 0.0);
  CHECK(REQUIRE_OK(direct->ledger().get_budget(s)).monthly_usd == 0.0);
  CHECK(REQUIRE_OK(direct->transcript().get_conversation(s, c.id))->stage == ConversationStage::new_lead);

  // And the store works again (the pools reconnected).
  Message after = m;
  after.content = "after the outage";
  CHECK(REQUIRE_OK(db->transcript().append_message(s, after)).seq == 3);
  p.name = "After";
  REQUIRE_OK(db->profiles().put(s, p));
  CHECK(REQUIRE_OK(db->profiles().get(s, "agent_1"))->name == "After");
  CHECK(REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 50)).size() == 3);
}
