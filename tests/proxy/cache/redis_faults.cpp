// Fault: Redis stopped mid-run (scripts/services stop-redis) and started again on the same port.
// Lookups must fall back to the store with no error surfaced, cost milliseconds, and the cache
// must recover by itself once Redis is back.

#include <doctest/doctest.h>

#include <thread>

#include "cache/cache.hpp"
#include "cache/redis_client.hpp"
#include "store/backends.hpp"

namespace {
using namespace porchlight;
using namespace porchlight::store;
using namespace porchlight::test;
using namespace std::chrono_literals;

// Restarts Redis if a failed check left it stopped, so that later tests have their server.
struct RedisStopped {
  RedisStopped() { services("stop-redis"); }
  ~RedisStopped() {
    if (!restarted) services("start-redis");
  }
  void restart() {
    services("start-redis");
    restarted = true;
  }
  bool restarted = false;
};

AgentProfile profile(const Scope& s, const std::string& name) {
  AgentProfile p;
  p.id = "agent_1";
  p.location_id = s.location_id;
  p.name = name;
  p.role = AgentRole::buyer_agent;
  return p;
}
}  // namespace

TEST_CASE("faults: Redis stops mid-run; lookups fall back to the store, then the cache recovers") {
  cache::RedisCacheOptions o;
  o.key_prefix = unique("pltest:") + ":";
  o.local_ttl = 100ms;  // short, so that the local level does not hide Redis being gone
  std::shared_ptr<cache::Cache> redis = REQUIRE_OK(cache::make_redis_cache(redis_url(), o));
  REQUIRE(eventually([&] { return redis->healthy(); }, 5s));
  auto db = make_cached_store(open_sqlite(), redis);
  const Scope s{REQUIRE_OK(db->admin().create_location("L")).id};
  REQUIRE_OK(db->profiles().put(s, profile(s, "First")));
  REQUIRE(REQUIRE_OK(db->profiles().get(s, "agent_1"))->name == "First");

  cache::RedisClient raw(REQUIRE_OK(cache::parse_redis_url(redis_url())), 1);
  const std::string redis_key = o.key_prefix + "pl1|p|" + s.location_id + "|agent_1";
  REQUIRE(REQUIRE_OK(raw.command({"GET", redis_key})).str.find("First") != std::string::npos);

  {
    RedisStopped stopped;
    double slowest = 0;
    for (int i = 0; i < 20; ++i) {
      Result<std::optional<AgentProfile>> r = Error{};
      slowest = std::max(slowest, elapsed_ms([&] { r = db->profiles().get(s, "agent_1"); }));
      REQUIRE_MESSAGE(r.ok(), errors_of(r));  // no error surfaced
      REQUIRE(r.value().has_value());
      CHECK(r.value()->name == "First");
      std::this_thread::sleep_for(25ms);
    }
    // A dead Redis does not hold a lookup for its connect timeout (seconds): it fails fast. The
    // bound is generous because a loaded CI machine can stall any call; speed is bench/store's.
    CHECK(slowest < 1000);
    REQUIRE_OK(db->profiles().put(s, profile(s, "Second")));  // the store is fine: writes work
    CHECK(REQUIRE_OK(db->profiles().get(s, "agent_1"))->name == "Second");
    CHECK_FALSE(redis->healthy());
    CHECK(redis->stats().errors > 0);
    CHECK(code_of(raw.command({"PING"})) == "redis.unavailable");
    // A one-time claim still holds on this instance while Redis is away.
    CHECK(redis->claim("signin-while-down", 10s));
    CHECK_FALSE(redis->claim("signin-while-down", 10s));

    stopped.restart();
  }
  CHECK(eventually([&] { return redis->healthy(); }, 10s));
  CHECK(REQUIRE_OK(db->profiles().get(s, "agent_1"))->name == "Second");
  // The cache is filled in Redis again (the restarted Redis starts empty).
  CHECK(eventually([&] {
    auto v = raw.command({"GET", redis_key});
    return v.ok() && v.value().str.find("Second") != std::string::npos;
  }, 5s));
  const auto errors_before = redis->stats().errors;
  for (int i = 0; i < 5; ++i) CHECK(REQUIRE_OK(db->profiles().get(s, "agent_1"))->name == "Second");
  CHECK(redis->stats().errors == errors_before);
}

TEST_CASE("faults: an invalidation missed while Redis was down leaves no stale local copy after it returns") {
  cache::RedisCacheOptions o;
  o.key_prefix = unique("pltest:") + ":";
  o.local_ttl = 30s;  // long: only the reconnect (or the retried invalidation) may drop the copy
  std::shared_ptr<cache::Cache> a = REQUIRE_OK(cache::make_redis_cache(redis_url(), o));
  std::shared_ptr<cache::Cache> b = REQUIRE_OK(cache::make_redis_cache(redis_url(), o));
  REQUIRE(eventually([&] { return a->healthy() && b->healthy(); }, 5s));
  a->set("k", "v1", 60s);
  REQUIRE(b->get("k") == std::optional<std::string>("v1"));  // b holds a local copy now
  {
    RedisStopped stopped;
    a->invalidate("k");  // reaches neither Redis nor b (b drops its copy when it sees the channel go)
    stopped.restart();
  }
  REQUIRE(eventually([&] { return a->healthy() && b->healthy(); }, 10s));
  CHECK(eventually([&] { return b->get("k") != std::optional<std::string>("v1"); }, 5s));
}
