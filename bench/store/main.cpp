// bench/store: how fast the things every request does are.
//
//   porchlight_store_bench [--quick]
//
// Prints `BENCH name=value unit` lines:
//   lru_get_p50/p99                      the in-process LRU alone (target p99 <= 10 us)
//   profile_lookup_lru_p50/p99           profiles().get through the cache-aside store, LRU cache
//   profile_lookup_redis_p50/p99         the same, Redis cache with its local level off: every
//                                        lookup is a Redis round trip (target p99 <= 1 ms)
//   profile_lookup_redis_l1_p50/p99      the same with the local level on (the default)
//   profile_lookup_sqlite_p50/p99        uncached, SQLite
//   profile_lookup_postgres_p50/p99      uncached, Postgres (as porchlight_app, RLS on)
//   transcript_append_<store>_1t / _4t   appends per second, 1 and 4 threads (durable on return)
// Postgres and Redis come from PORCHLIGHT_TEST_PG_OWNER_URL, PORCHLIGHT_TEST_DATABASE_URL and
// PORCHLIGHT_TEST_REDIS_URL (scripts/services start); without them those lines are skipped.

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cache/cache.hpp"
#include "store/cached_store.hpp"
#include "store/migrate.hpp"
#include "store/store.hpp"

namespace {

using namespace porchlight;
using namespace porchlight::store;
using Clock = std::chrono::steady_clock;

bool quick = false;

[[noreturn]] void die(const std::string& what, const Errors& errors) {
  std::fprintf(stderr, "bench: %s: %s\n", what.c_str(), errors.empty() ? "?" : errors.front().message.c_str());
  std::exit(1);
}

template <class T> T must(Result<T> r, const std::string& what) {
  if (!r.ok()) die(what, r.errors());
  return std::move(r).value();
}

const char* env(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

void report(const std::string& name, double value, const char* unit) {
  std::printf("BENCH %s=%.3f %s\n", name.c_str(), value, unit);
  std::fflush(stdout);
}

// Times `op` n times (after a warm-up) and reports p50 and p99 in microseconds.
void latency(const std::string& name, int n, const std::function<void(int)>& op) {
  for (int i = 0; i < std::min(n / 10, 1000); ++i) op(i);
  std::vector<double> us(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    op(i);
    us[static_cast<std::size_t>(i)] = std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }
  std::sort(us.begin(), us.end());
  report(name + "_p50", us[us.size() / 2], "us");
  report(name + "_p99", us[us.size() * 99 / 100], "us");
}

constexpr int kProfiles = 100;

Scope seed(Store& db) {
  Scope s{must(db.admin().create_location("Bench Realty"), "create_location").id};
  for (int i = 0; i < kProfiles; ++i) {
    AgentProfile p;
    p.id = "agent_" + std::to_string(i);
    p.location_id = s.location_id;
    p.name = "Agent Number " + std::to_string(i);
    p.role = AgentRole::listing_agent;
    p.experience = ExperienceLevel::experienced;
    p.specializations = {Specialization::luxury, Specialization::relocation, Specialization::investors};
    p.preferences.tone = Tone::direct;
    must(db.profiles().put(s, p), "profiles().put");
  }
  return s;
}

void lookups(const std::string& name, Store& db, const Scope& s, int n) {
  latency(name, n, [&](int i) {
    auto r = db.profiles().get(s, "agent_" + std::to_string(i % kProfiles));
    if (!r.ok() || !r.value()) die(name, r.ok() ? Errors{} : r.errors());
  });
}

// Appends per second, `threads` writers each to its own conversation, for `n` appends in total.
void appends(const std::string& name, Store& db, const Scope& s, int threads, int n) {
  std::vector<std::string> conversations;
  for (int t = 0; t < threads; ++t) {
    Conversation c;
    c.id = "cv_bench_" + std::to_string(t) + "_" + std::to_string(::getpid()) + "_" +
           std::to_string(Clock::now().time_since_epoch().count() % 1000000);
    c.agent_id = "agent_0";
    conversations.push_back(must(db.transcript().open_conversation(s, c), "open_conversation").id);
  }
  std::atomic<int> failures{0};
  const auto t0 = Clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      Message m;
      m.conversation_id = conversations[static_cast<std::size_t>(t)];
      m.role = "assistant";
      m.content = std::string(400, 'x');  // a typical answer chunk
      m.status = MessageStatus::complete;
      for (int i = 0; i < n / threads; ++i)
        if (!db.transcript().append_message(s, m).ok()) ++failures;
    });
  for (auto& w : workers) w.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  if (failures) std::fprintf(stderr, "bench: %s: %d appends failed\n", name.c_str(), failures.load());
  report(name, (n / threads * threads) / seconds, "msg/s");
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--quick") quick = true;
    else {
      std::fprintf(stderr, "usage: porchlight_store_bench [--quick]\n");
      return 2;
    }
  }
  const int fast_n = quick ? 20'000 : 200'000, remote_n = quick ? 2'000 : 20'000, append_n = quick ? 200 : 2'000;

  // ---- the LRU alone ----
  {
    auto lru = cache::make_lru_cache(10'000);
    const std::string value(300, 'p');
    for (int i = 0; i < kProfiles; ++i) lru->set("key" + std::to_string(i), value, std::chrono::minutes(10));
    std::vector<std::string> keys;
    for (int i = 0; i < kProfiles; ++i) keys.push_back("key" + std::to_string(i));
    latency("lru_get", fast_n, [&](int i) {
      if (!lru->get(keys[static_cast<std::size_t>(i % kProfiles)])) die("lru_get", {});
    });
  }

  // ---- SQLite ----
  char dir_template[] = "/tmp/porchlight-bench-XXXXXX";
  if (!mkdtemp(dir_template)) die("mkdtemp", {});
  const std::string sqlite_url = std::string("sqlite://") + dir_template + "/bench.db";
  must(migrate(sqlite_url), "migrate sqlite");
  {
    auto db = must(open_store(sqlite_url, 4), "open sqlite");
    const Scope s = seed(*db);
    lookups("profile_lookup_sqlite", *db, s, remote_n);
    appends("transcript_append_sqlite_1t", *db, s, 1, append_n);
    appends("transcript_append_sqlite_4t", *db, s, 4, append_n);

    auto cached = make_cached_store(must(open_store(sqlite_url, 4), "open sqlite"),
                                    std::shared_ptr<cache::Cache>(cache::make_lru_cache(10'000)));
    lookups("profile_lookup_lru", *cached, s, fast_n);

    if (const char* redis = env("PORCHLIGHT_TEST_REDIS_URL")) {
      cache::RedisCacheOptions only_redis;
      only_redis.local_ttl = std::chrono::milliseconds(0);  // every lookup goes to Redis
      only_redis.key_prefix = "porchlight:bench:" + std::to_string(::getpid()) + ":";
      auto via_redis = make_cached_store(must(open_store(sqlite_url, 4), "open sqlite"),
                                         std::shared_ptr<cache::Cache>(must(cache::make_redis_cache(redis, only_redis), "redis")));
      lookups("profile_lookup_redis", *via_redis, s, remote_n);
      cache::RedisCacheOptions two_level;
      two_level.key_prefix = only_redis.key_prefix;
      auto via_l1 = make_cached_store(must(open_store(sqlite_url, 4), "open sqlite"),
                                      std::shared_ptr<cache::Cache>(must(cache::make_redis_cache(redis, two_level), "redis")));
      lookups("profile_lookup_redis_l1", *via_l1, s, fast_n);
    } else {
      std::fprintf(stderr, "bench: PORCHLIGHT_TEST_REDIS_URL not set: Redis lines skipped\n");
    }
  }
  std::filesystem::remove_all(dir_template);

  // ---- Postgres ----
  const char* owner = env("PORCHLIGHT_TEST_PG_OWNER_URL");
  const char* app = env("PORCHLIGHT_TEST_DATABASE_URL");
  if (owner && app) {
    must(migrate(owner), "migrate postgres");
    auto db = must(open_store(app, 8), "open postgres");
    const Scope s = seed(*db);
    lookups("profile_lookup_postgres", *db, s, remote_n / 4);
    appends("transcript_append_postgres_1t", *db, s, 1, append_n);
    appends("transcript_append_postgres_4t", *db, s, 4, append_n);
  } else {
    std::fprintf(stderr, "bench: PORCHLIGHT_TEST_PG_OWNER_URL / PORCHLIGHT_TEST_DATABASE_URL not set: Postgres lines skipped\n");
  }
  return 0;
}
