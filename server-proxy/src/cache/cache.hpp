// cache/cache.hpp: one cache interface, two implementations (in-process LRU; Redis through
// hiredis), one conformance suite (tests/proxy/cache).
//
// A cache never fails a request: errors count as misses and are reported through stats(), and the
// caller goes to the store. Invalidation is immediate locally; with Redis it is also published so
// that other proxy instances drop their local copies.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "porchlight/error.hpp"

namespace porchlight::cache {

struct CacheStats {
  std::uint64_t hits = 0, misses = 0, errors = 0, sets = 0, invalidations = 0;
};

class Cache {
 public:
  virtual ~Cache() = default;
  virtual std::string_view backend() const = 0;  // "lru" or "redis"
  virtual std::optional<std::string> get(std::string_view key) = 0;
  virtual void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) = 0;
  // Removes the key here and (Redis) tells every other instance to drop it.
  virtual void invalidate(std::string_view key) = 0;
  // Sets the key only if it is absent, for ttl: true when this call took it (a one-time claim,
  // such as a used sign-in link). Across instances with Redis; while Redis is unreachable, this
  // instance decides alone.
  virtual bool claim(std::string_view key, std::chrono::milliseconds ttl) = 0;
  virtual bool healthy() = 0;
  virtual CacheStats stats() const = 0;
};

std::unique_ptr<Cache> make_lru_cache(std::size_t max_entries);

struct RedisCacheOptions {
  std::size_t local_entries = 10'000;
  // The local copy's lifetime: it bounds staleness even if an invalidation message is missed.
  std::chrono::milliseconds local_ttl{2'000};
  std::size_t pool_size = 4;
  std::string key_prefix = "porchlight:cache:";
  std::string channel = "porchlight:invalidate";
};

// A two-level cache: an in-process LRU in front of Redis. Redis errors degrade to the LRU alone
// and the cache reconnects by itself; invalidations arrive from other instances by pub/sub.
// Fails only on a malformed URL (redis.invalid_url); a Redis that is down at start is fine.
Result<std::unique_ptr<Cache>> make_redis_cache(const std::string& redis_url, std::size_t local_entries);
Result<std::unique_ptr<Cache>> make_redis_cache(const std::string& redis_url, const RedisCacheOptions& options);

}  // namespace porchlight::cache
