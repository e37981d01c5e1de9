// prompt_cache.hpp (internal to the fake): prompt-cache entries keyed by a hash of the prompt
// prefix up to a breakpoint, with a TTL that a hit refreshes (5 minutes unless "1h").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace porchlight::fake {

class PromptCache {
 public:
  using clock = std::chrono::steady_clock;

  // Tokens of the cached prefix if `key` is cached and alive at `now`; a hit refreshes the TTL.
  std::optional<std::int64_t> hit(std::uint64_t key, clock::time_point now);
  // Whether `key` is cached and alive at `now`, without refreshing it.
  bool contains(std::uint64_t key, clock::time_point now) const;
  // Caches `key`; an existing entry keeps the longer of the two TTLs.
  void put(std::uint64_t key, std::int64_t tokens, std::chrono::seconds ttl, clock::time_point now);

  std::size_t size() const { return entries_.size(); }
  void clear() { entries_.clear(); }

 private:
  struct Entry {
    clock::time_point expires;
    std::chrono::seconds ttl;
    std::int64_t tokens;
  };
  void prune(clock::time_point now);

  std::unordered_map<std::uint64_t, Entry> entries_;
  std::size_t puts_since_prune_ = 0;
};

}  // namespace porchlight::fake
