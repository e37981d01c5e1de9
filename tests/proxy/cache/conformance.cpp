// The cache conformance suite: the same behaviour from the in-process LRU and from the Redis cache
// (with its local L1), plus what only one of them does (LRU eviction; Redis pub/sub).

#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cache/cache.hpp"
#include "cache/redis_client.hpp"
#include "store/test_env.hpp"

namespace {

using namespace porchlight;
using namespace porchlight::cache;
using namespace porchlight::test;
using namespace std::chrono_literals;

std::unique_ptr<Cache> redis_cache(RedisCacheOptions o = {}) {
  if (o.key_prefix == RedisCacheOptions{}.key_prefix) o.key_prefix = unique("pltest:") + ":";
  auto r = make_redis_cache(redis_url(), o);
  REQUIRE(r.ok());
  return std::move(r).value();
}

struct LruKind {
  static std::unique_ptr<Cache> make() { return make_lru_cache(1000); }
};
struct RedisKind {
  static std::unique_ptr<Cache> make() { return redis_cache(); }
};

}  // namespace

TYPE_TO_STRING(LruKind);
TYPE_TO_STRING(RedisKind);

TEST_CASE_TEMPLATE("cache: miss, set, hit, overwrite, invalidate", K, LruKind, RedisKind) {
  auto c = K::make();
  CHECK(eventually([&] { return c->healthy(); }, 5s));  // Redis: once subscribed
  CHECK_FALSE(c->get("k1").has_value());
  c->set("k1", "v1", 10s);
  CHECK(c->get("k1") == "v1");
  c->set("k1", "v2", 10s);
  CHECK(c->get("k1") == "v2");
  c->invalidate("k1");
  CHECK_FALSE(c->get("k1").has_value());
  c->invalidate("never-set");  // harmless

  const std::string binary("a\0b\xff\r\n", 6);
  c->set("bin", binary, 10s);
  CHECK(c->get("bin") == binary);
  c->set("empty", "", 10s);
  CHECK(c->get("empty") == "");

  const CacheStats s = c->stats();
  CHECK(s.hits >= 4);
  CHECK(s.misses >= 2);
  CHECK(s.sets == 4);
  CHECK(s.invalidations == 2);
  CHECK(s.errors == 0);
}

TEST_CASE_TEMPLATE("cache: entries expire after their TTL; a TTL of zero stores nothing", K, LruKind, RedisKind) {
  auto c = K::make();
  c->set("short", "v", 150ms);
  c->set("long", "v", 60s);
  c->set("zero", "v", 0ms);
  c->set("negative", "v", -5ms);
  CHECK(c->get("short") == "v");
  CHECK_FALSE(c->get("zero").has_value());
  CHECK_FALSE(c->get("negative").has_value());
  std::this_thread::sleep_for(400ms);
  CHECK_FALSE(c->get("short").has_value());
  CHECK(c->get("long") == "v");
}

TEST_CASE_TEMPLATE("cache: a claim is taken once until it expires, even when many race for it", K, LruKind, RedisKind) {
  auto c = K::make();
  CHECK(c->claim("link-1", 300ms));
  CHECK_FALSE(c->claim("link-1", 300ms));
  CHECK(c->claim("link-2", 300ms));  // another key
  CHECK_FALSE(c->claim("link-3", 0ms));
  std::this_thread::sleep_for(500ms);
  CHECK(c->claim("link-1", 10s));  // expired: free again

  std::atomic<int> won{0};
  std::vector<std::thread> racers;
  for (int t = 0; t < 8; ++t)
    racers.emplace_back([&] { for (int i = 0; i < 20; ++i) if (c->claim("race-" + std::to_string(i), 10s)) ++won; });
  for (auto& t : racers) t.join();
  CHECK(won == 20);  // each key exactly once
}

TEST_CASE("cache: a claim taken through one Redis instance holds for the others") {
  RedisCacheOptions o;
  o.key_prefix = unique("pltest:") + ":";
  auto a = redis_cache(o), b = redis_cache(o);
  CHECK(a->claim("signin", 10s));
  CHECK_FALSE(b->claim("signin", 10s));
}

TEST_CASE_TEMPLATE("cache: concurrent readers and writers see whole values", K, LruKind, RedisKind) {
  auto c = K::make();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string key = "k" + std::to_string(i % 20);
        const std::string value(100, static_cast<char>('a' + t));
        c->set(key, value, 10s);
        auto got = c->get(key);
        if (got && (got->size() != 100 || got->find_first_not_of((*got)[0]) != std::string::npos)) ++wrong;
        if (i % 7 == 0) c->invalidate(key);
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("cache: the LRU evicts the least recently used entry") {
  auto c = make_lru_cache(3);
  c->set("a", "1", 10s);
  c->set("b", "2", 10s);
  c->set("c", "3", 10s);
  CHECK(c->get("a") == "1");  // a is now the most recent
  c->set("d", "4", 10s);       // evicts b
  CHECK_FALSE(c->get("b").has_value());
  CHECK(c->get("a") == "1");
  CHECK(c->get("c") == "3");
  CHECK(c->get("d") == "4");
  auto none = make_lru_cache(0);  // a zero-sized cache holds nothing, and says so by missing
  none->set("a", "1", 10s);
  CHECK_FALSE(none->get("a").has_value());
}

TEST_CASE("cache: Redis is shared by instances, and an invalidation reaches their local copies") {
  RedisCacheOptions o;
  o.key_prefix = unique("pltest:") + ":";
  o.local_ttl = 30s;  // long, so only pub/sub can drop B's local copy in time
  o.channel = unique("pltest:invalidate:");
  auto a = redis_cache(o), b = redis_cache(o);
  REQUIRE(eventually([&] { return a->healthy() && b->healthy(); }, 5s));  // subscribed

  a->set("profile", "v1", 60s);
  CHECK(b->get("profile") == "v1");  // from Redis; now also in B's L1
  a->invalidate("profile");
  CHECK(eventually([&] { return !b->get("profile").has_value(); }, 2s));
  a->set("profile", "v2", 60s);
  CHECK(b->get("profile") == "v2");

  // Another prefix is another namespace.
  RedisCacheOptions other = o;
  other.key_prefix = unique("pltest:") + ":";
  auto c = redis_cache(other);
  CHECK_FALSE(c->get("profile").has_value());
}

TEST_CASE("cache: Redis URLs are checked") {
  CHECK_FALSE(make_redis_cache("http://localhost:6379", 10).ok());
  CHECK(make_redis_cache("rediss://localhost:6379", 10).errors().front().code == "redis.invalid_url");
  CHECK(make_redis_cache("redis://localhost:99999", 10).errors().front().code == "redis.invalid_url");
  // A Redis that is not there at start is not an error: the cache degrades and reconnects.
  auto down = make_redis_cache("redis://127.0.0.1:1/0", 10);
  REQUIRE(down.ok());
  CHECK_FALSE(down.value()->get("k").has_value());
  down.value()->set("k", "v", 10s);
  CHECK(down.value()->get("k") == "v");  // the local level still works
  CHECK(down.value()->stats().errors >= 1);
  CHECK_FALSE(down.value()->healthy());
}
