// The Redis client the cache and the rate limiter share: URLs, commands, pipelines, scripts,
// error replies, and failing fast when Redis is not there.

#include <doctest/doctest.h>

#include <atomic>
#include <mutex>

#include "cache/redis_client.hpp"
#include "store/test_env.hpp"

namespace {
using namespace porchlight;
using namespace porchlight::cache;
using namespace porchlight::test;
using namespace std::chrono_literals;

RedisUrl test_url() {
  auto u = parse_redis_url(redis_url());
  REQUIRE(u.ok());
  return u.value();
}
}  // namespace

TEST_CASE("redis client: URLs") {
  auto u = parse_redis_url("redis://:s%40cret@cache.internal:6380/3?connect_timeout_ms=50&command_timeout_ms=75");
  REQUIRE(u.ok());
  CHECK(u.value().host == "cache.internal");
  CHECK(u.value().port == 6380);
  CHECK(u.value().db == 3);
  CHECK(u.value().username.empty());
  CHECK(u.value().password == "s@cret");
  CHECK(u.value().connect_timeout == 50ms);
  CHECK(u.value().command_timeout == 75ms);

  auto acl = parse_redis_url("redis://proxy:pw@[::1]");
  REQUIRE(acl.ok());
  CHECK(acl.value().username == "proxy");
  CHECK(acl.value().password == "pw");
  CHECK(acl.value().host == "::1");
  CHECK(acl.value().port == 6379);
  CHECK(acl.value().db == 0);

  for (const char* bad : {"localhost:6379", "redis://", "redis://h:0", "redis://h:x", "redis://h/db",
                          "redis://h?timeout=1", "redis://h?connect_timeout_ms=0", "redis://:%zz@h",
                          "rediss://h"}) {
    auto r = parse_redis_url(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(r.errors().front().code == "redis.invalid_url");
  }
  auto secret = parse_redis_url("redis://:hunter2@h:notaport");
  REQUIRE_FALSE(secret.ok());
  CHECK(secret.errors().front().message.find("hunter2") == std::string::npos);
}

TEST_CASE("redis client: commands, pipelines and error replies") {
  RedisClient c(test_url(), 2);
  const std::string key = unique("pltest:client:");
  auto set = c.command({"SET", key, "10", "PX", "60000"});
  REQUIRE(set.ok());
  CHECK(set.value().type == RedisReply::Type::status);
  auto incr = c.command({"INCRBY", key, "5"});
  REQUIRE(incr.ok());
  CHECK(incr.value().integer == 15);
  auto missing = c.command({"GET", key + ":missing"});
  REQUIRE(missing.ok());
  CHECK(missing.value().is_nil());

  auto replies = c.pipeline({{"SET", key + ":a", "x"}, {"LPUSH", key + ":a", "y"}, {"GET", key + ":a"},
                             {"DEL", key + ":a"}});
  REQUIRE(replies.ok());
  REQUIRE(replies.value().size() == 4);
  CHECK(replies.value()[1].type == RedisReply::Type::error);  // WRONGTYPE, in its place
  CHECK(replies.value()[2].str == "x");
  CHECK(replies.value()[3].integer == 1);

  auto wrong = c.command({"LPUSH", key, "v"});
  REQUIRE_FALSE(wrong.ok());
  CHECK(wrong.errors().front().code == "redis.error");
  CHECK(wrong.errors().front().message.rfind("WRONGTYPE", 0) == 0);
  CHECK(c.healthy());  // an error reply is not a broken connection
  c.command({"DEL", key});
}

TEST_CASE("redis client: scripts run by SHA, loaded when Redis does not know them") {
  RedisClient c(test_url(), 1);
  // A fixed-window counter, the rate limiter's shape: INCRBY, set the window on first use.
  RedisScript script(
      "local n = redis.call('INCRBY', KEYS[1], ARGV[1]) "
      "if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end "
      "return {n, redis.call('PTTL', KEYS[1])}");
  CHECK(script.sha1.size() == 40);
  REQUIRE(c.command({"SCRIPT", "FLUSH"}).ok());
  const std::string key = unique("pltest:window:");
  auto first = c.eval(script, {key}, {"3", "60000"});  // NOSCRIPT, then EVAL
  REQUIRE(first.ok());
  REQUIRE(first.value().elements.size() == 2);
  CHECK(first.value().elements[0].integer == 3);
  CHECK(first.value().elements[1].integer > 0);
  auto second = c.eval(script, {key}, {"2", "60000"});  // EVALSHA
  REQUIRE(second.ok());
  CHECK(second.value().elements[0].integer == 5);
  auto broken = c.eval(RedisScript("return redis.call('NOPE')"), {}, {});
  CHECK_FALSE(broken.ok());
}

TEST_CASE("redis client: an unreachable Redis fails fast, then faster") {
  auto u = parse_redis_url("redis://127.0.0.1:1/0?connect_timeout_ms=100&command_timeout_ms=100");
  REQUIRE(u.ok());
  RedisClient c(u.value(), 2);
  Result<RedisReply> r = Error{};
  const double first = elapsed_ms([&] { r = c.command({"PING"}); });
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors().front().code == "redis.unavailable");
  CHECK(first < 150);
  CHECK_FALSE(c.healthy());
  const double next = elapsed_ms([&] { r = c.command({"PING"}); });  // within the backoff: no connect
  CHECK(next < 5);
  CHECK(r.errors().front().code == "redis.unavailable");
}

TEST_CASE("redis client: a wrong password is reported without the password") {
  RedisUrl u = test_url();
  u.password = "not-the-password-42";
  RedisClient c(u, 1);
  auto r = c.command({"PING"});
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors().front().code == "redis.unavailable");
  CHECK(r.errors().front().message.find("not-the-password-42") == std::string::npos);
  CHECK(r.errors().front().message.find("credentials") != std::string::npos);
}

TEST_CASE("redis client: the subscriber delivers messages and says when it (re)subscribed") {
  const std::string channel = unique("pltest:chan:");
  std::mutex mu;
  std::vector<std::string> got;
  std::atomic<int> resyncs{0};
  RedisSubscriber sub(test_url(), {channel}, [&](std::string_view ch, std::string_view payload) {
    std::lock_guard lock(mu);
    got.push_back(std::string(ch) + "=" + std::string(payload));
  }, [&] { ++resyncs; });
  REQUIRE(eventually([&] { return sub.connected(); }, 5s));
  CHECK(resyncs.load() == 1);
  RedisClient c(test_url(), 1);
  REQUIRE(c.command({"PUBLISH", channel, "key-1"}).ok());
  REQUIRE(c.command({"PUBLISH", channel, std::string("bin\0ary", 7)}).ok());
  CHECK(eventually([&] { std::lock_guard lock(mu); return got.size() == 2; }, 2s));
  std::lock_guard lock(mu);
  REQUIRE(got.size() == 2);
  CHECK(got[0] == channel + "=key-1");
  CHECK(got[1] == channel + "=" + std::string("bin\0ary", 7));
}
