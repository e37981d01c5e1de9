// The cache-aside decorator, over SQLite, with each cache (LRU; Redis with its local L1): reads are
// served from the cache, every write that touches a cached record is seen at once, "not found"
// is cached briefly, and tenants' keys never meet. (Store-down behaviour: postgres_faults.cpp.)

#include <thread>

#include "cache/cache.hpp"
#include "store/backends.hpp"

namespace {

using namespace porchlight;
using namespace porchlight::store;
using namespace porchlight::test;
using namespace std::chrono_literals;

struct LruKind {
  static std::shared_ptr<cache::Cache> make() { return cache::make_lru_cache(1000); }
};
struct RedisKind {
  static std::shared_ptr<cache::Cache> make() {
    cache::RedisCacheOptions o;
    o.key_prefix = unique("pltest:") + ":";  // this test's keys only
    return REQUIRE_OK(cache::make_redis_cache(redis_url(), o));
  }
};

// Two handles on one SQLite file: `cached` (through the cache) and `direct` (around it).
struct Fixture {
  std::string url = "sqlite://" + temp_sqlite_path();
  std::shared_ptr<cache::Cache> cache;
  std::unique_ptr<Store> cached, direct;
  Fixture(std::shared_ptr<cache::Cache> c, CachedStoreOptions options = {}) : cache(std::move(c)) {
    REQUIRE_OK(migrate(url));
    cached = make_cached_store(REQUIRE_OK(open_store(url, 2)), cache, options);
    direct = REQUIRE_OK(open_store(url, 2));
  }
  std::uint64_t hits() const { return cache->stats().hits; }
};

AgentProfile profile(const Scope& s, const std::string& id, const std::string& name) {
  AgentProfile p;
  p.id = id;
  p.location_id = s.location_id;
  p.name = name;
  p.role = AgentRole::buyer_agent;
  return p;
}

Message message(const std::string& conversation, const std::string& content) {
  Message m;
  m.conversation_id = conversation;
  m.role = "user";
  m.content = content;
  return m;
}

}  // namespace

TYPE_TO_STRING(LruKind);
TYPE_TO_STRING(RedisKind);

TEST_CASE_TEMPLATE("cached store: a profile is read from the cache, and every write is seen at once", K, LruKind,
                   RedisKind) {
  Fixture f(K::make());
  const Scope s{REQUIRE_OK(f.cached->admin().create_location("L")).id};
  REQUIRE_OK(f.cached->profiles().put(s, profile(s, "agent_1", "First")));
  CHECK(REQUIRE_OK(f.cached->profiles().get(s, "agent_1"))->name == "First");
  const auto hits = f.hits();
  CHECK(REQUIRE_OK(f.cached->profiles().get(s, "agent_1"))->name == "First");
  CHECK(f.hits() == hits + 1);

  REQUIRE_OK(f.cached->profiles().put(s, profile(s, "agent_1", "Second")));
  CHECK(REQUIRE_OK(f.cached->profiles().get(s, "agent_1"))->name == "Second");
  CHECK(REQUIRE_OK(f.cached->profiles().remove(s, "agent_1")));
  CHECK_FALSE(REQUIRE_OK(f.cached->profiles().get(s, "agent_1")).has_value());

  // A write around the cache is not seen until the entry expires: this is what makes the read a hit.
  REQUIRE_OK(f.cached->profiles().put(s, profile(s, "agent_2", "Cached")));
  REQUIRE(REQUIRE_OK(f.cached->profiles().get(s, "agent_2"))->name == "Cached");
  REQUIRE_OK(f.direct->profiles().put(s, profile(s, "agent_2", "Behind its back")));
  CHECK(REQUIRE_OK(f.cached->profiles().get(s, "agent_2"))->name == "Cached");
  CHECK(code_of(f.cached->profiles().get(s, "bad id!")) == "store.invalid");
}

TEST_CASE_TEMPLATE("cached store: 'no such profile' is cached briefly", K, LruKind, RedisKind) {
  CachedStoreOptions o;
  o.not_found_ttl = 300ms;
  Fixture f(K::make(), o);
  const Scope s{REQUIRE_OK(f.cached->admin().create_location("L")).id};
  CHECK_FALSE(REQUIRE_OK(f.cached->profiles().get(s, "late")).has_value());
  REQUIRE_OK(f.direct->profiles().put(s, profile(s, "late", "Created elsewhere")));
  CHECK_FALSE(REQUIRE_OK(f.cached->profiles().get(s, "late")).has_value());  // the cached miss
  CHECK(eventually([&] { return REQUIRE_OK(f.cached->profiles().get(s, "late")).has_value(); }, 3s));
  // Created through the cached store, it is seen at once.
  CHECK_FALSE(REQUIRE_OK(f.cached->profiles().get(s, "now")).has_value());
  REQUIRE_OK(f.cached->profiles().put(s, profile(s, "now", "Created here")));
  CHECK(REQUIRE_OK(f.cached->profiles().get(s, "now")).has_value());
}

TEST_CASE_TEMPLATE("cached store: a shared-pool profile is invalidated in every location it is seen from", K,
                   LruKind, RedisKind) {
  Fixture f(K::make());
  const Scope home{REQUIRE_OK(f.cached->admin().create_location("Home")).id};
  const Scope served{REQUIRE_OK(f.cached->admin().create_location("Served")).id};
  AgentProfile p = profile(home, "isa", "Pool");
  p.shared_pool = true;
  p.served_locations = {served.location_id};
  REQUIRE_OK(f.cached->profiles().put(home, p));
  CHECK_FALSE(REQUIRE_OK(f.cached->profiles().get(served, "isa")).has_value());  // not accepted yet ("null" cached)
  REQUIRE_OK(f.cached->profiles().accept_pools(served, {home.location_id}));
  CHECK(REQUIRE_OK(f.cached->profiles().get(served, "isa"))->name == "Pool");
  CHECK(REQUIRE_OK(f.cached->profiles().get(served, "isa"))->name == "Pool");  // cached in `served`

  p.name = "Renamed";
  REQUIRE_OK(f.cached->profiles().put(home, p));
  CHECK(REQUIRE_OK(f.cached->profiles().get(served, "isa"))->name == "Renamed");
  // The consent taken back: gone from the served location's cache at once.
  REQUIRE_OK(f.cached->profiles().accept_pools(served, {}));
  CHECK_FALSE(REQUIRE_OK(f.cached->profiles().get(served, "isa")).has_value());
  REQUIRE_OK(f.cached->profiles().accept_pools(served, {home.location_id}));
  CHECK(REQUIRE_OK(f.cached->profiles().get(served, "isa"))->name == "Renamed");
  p.shared_pool = false;
  p.served_locations.clear();
  REQUIRE_OK(f.cached->profiles().put(home, p));
  CHECK_FALSE(REQUIRE_OK(f.cached->profiles().get(served, "isa")).has_value());
}

TEST_CASE_TEMPLATE("cached store: session context is cached and every transcript write drops it", K, LruKind,
                   RedisKind) {
  Fixture f(K::make());
  const Scope s{REQUIRE_OK(f.cached->admin().create_location("L")).id};
  Conversation c;
  c.id = unique("cv_") + "aaaaaaaaaaaaaaaaaaaa";
  c.agent_id = "agent_1";
  REQUIRE_OK(f.cached->transcript().open_conversation(s, c));
  for (const char* text : {"one", "two", "three"}) REQUIRE_OK(f.cached->transcript().append_message(s, message(c.id, text)));

  CHECK(REQUIRE_OK(f.cached->transcript().list_messages(s, c.id, 0, 50)).size() == 3);
  auto hits = f.hits();
  auto tail = REQUIRE_OK(f.cached->transcript().list_messages(s, c.id, 0, 50));
  CHECK(f.hits() == hits + 1);
  REQUIRE(tail.size() == 3);
  CHECK(tail[2].content == "three");
  hits = f.hits();
  auto part = REQUIRE_OK(f.cached->transcript().list_messages(s, c.id, 1, 1));  // inside the cached window
  CHECK(f.hits() == hits + 1);
  REQUIRE(part.size() == 1);
  CHECK(part[0].seq == 2);

  Message fourth = REQUIRE_OK(f.cached->transcript().append_message(s, message(c.id, "four")));
  CHECK(REQUIRE_OK(f.cached->transcript().list_messages(s, c.id, 0, 50)).size() == 4);
  fourth.content = "four, edited";
  fourth.conversation_id.clear();  // the decorator finds the conversation itself
  REQUIRE_OK(f.cached->transcript().update_message(s, fourth));
  CHECK(REQUIRE_OK(f.cached->transcript().list_messages(s, c.id, 0, 50)).back().content == "four, edited");

  CHECK(REQUIRE_OK(f.cached->transcript().get_conversation(s, c.id))->summary.empty());
  hits = f.hits();
  CHECK(REQUIRE_OK(f.cached->transcript().get_conversation(s, c.id)).has_value());
  CHECK(f.hits() == hits + 1);
  REQUIRE_OK(f.cached->transcript().update_conversation(s, c.id, ConversationStage::nurturing, "Summary", 2));
  auto got = REQUIRE_OK(f.cached->transcript().get_conversation(s, c.id));
  CHECK(got->summary == "Summary");
  CHECK(got->stage == ConversationStage::nurturing);

  // A limit past the cached tail size goes to the store, and still answers correctly.
  CHECK(REQUIRE_OK(f.cached->transcript().list_messages(s, c.id, 0, 5000)).size() == 4);
}

TEST_CASE_TEMPLATE("cached store: tenants' cache entries never meet", K, LruKind, RedisKind) {
  Fixture f(K::make());
  const Scope a{REQUIRE_OK(f.cached->admin().create_location("A")).id};
  const Scope b{REQUIRE_OK(f.cached->admin().create_location("B")).id};
  REQUIRE_OK(f.cached->profiles().put(a, profile(a, "same_id", "A's agent")));
  CHECK(REQUIRE_OK(f.cached->profiles().get(a, "same_id"))->name == "A's agent");
  CHECK_FALSE(REQUIRE_OK(f.cached->profiles().get(b, "same_id")).has_value());
  CHECK(REQUIRE_OK(f.cached->profiles().get(a, "same_id")).has_value());  // B's miss did not touch A
  REQUIRE_OK(f.cached->profiles().put(b, profile(b, "same_id", "B's agent")));
  CHECK(REQUIRE_OK(f.cached->profiles().get(b, "same_id"))->name == "B's agent");
  CHECK(REQUIRE_OK(f.cached->profiles().get(a, "same_id"))->name == "A's agent");
}

TEST_CASE("cached store: a corrupt cache entry is a miss, not an error") {
  auto lru = std::shared_ptr<cache::Cache>(cache::make_lru_cache(100));
  Fixture f(lru);
  const Scope s{REQUIRE_OK(f.cached->admin().create_location("L")).id};
  REQUIRE_OK(f.cached->profiles().put(s, profile(s, "agent_1", "Real")));
  lru->set("pl1|p|" + s.location_id + "|agent_1", "{\"not\": \"a profile\"", std::chrono::minutes(1));
  CHECK(REQUIRE_OK(f.cached->profiles().get(s, "agent_1"))->name == "Real");
  lru->set("pl1|m|" + s.location_id + "|cv_x", "[1,2", std::chrono::minutes(1));
  CHECK(REQUIRE_OK(f.cached->transcript().list_messages(s, "cv_x", 0, 10)).empty());
}
