// cache/lru_cache.hpp (internal): the in-process LRU with per-entry TTLs. make_lru_cache() gives
// it as a Cache; the Redis cache holds one directly as its local first level (it needs clear()).
#pragma once

#include <atomic>
#include <chrono>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cache/cache.hpp"

namespace porchlight::cache {

class LruCache final : public Cache {
 public:
  explicit LruCache(std::size_t max_entries) : max_entries_(max_entries) {}

  std::string_view backend() const override { return "lru"; }
  std::optional<std::string> get(std::string_view key) override;
  void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override;
  void invalidate(std::string_view key) override;  // local only: there is nobody to tell
  bool claim(std::string_view key, std::chrono::milliseconds ttl) override;
  bool healthy() override { return true; }
  CacheStats stats() const override;

  void clear();  // drops every entry (the Redis cache does this when it may have missed invalidations)
  std::size_t size() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::string key;
    std::string value;
    Clock::time_point expires;
  };

  const std::size_t max_entries_;
  mutable std::mutex mu_;
  std::list<Entry> order_;  // most recently used first; nodes never move, so keys below stay valid
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views of Entry::key
  void put_locked(std::string_view key, std::string_view value, Clock::time_point expires);  // mu_ held

  std::atomic<std::uint64_t> hits_{0}, misses_{0}, sets_{0}, invalidations_{0};
};

}  // namespace porchlight::cache
