// prompt_cache.cpp: a map from prefix hash to expiry.
#include "prompt_cache.hpp"

#include <algorithm>

namespace porchlight::fake {

std::optional<std::int64_t> PromptCache::hit(std::uint64_t key, clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  if (it->second.expires <= now) {
    entries_.erase(it);
    return std::nullopt;
  }
  it->second.expires = now + it->second.ttl;
  return it->second.tokens;
}

bool PromptCache::contains(std::uint64_t key, clock::time_point now) const {
  auto it = entries_.find(key);
  return it != entries_.end() && it->second.expires > now;
}

void PromptCache::put(std::uint64_t key, std::int64_t tokens, std::chrono::seconds ttl,
                      clock::time_point now) {
  auto& entry = entries_[key];
  entry.ttl = std::max(entry.ttl, ttl);
  entry.expires = std::max(entry.expires, now + ttl);
  entry.tokens = tokens;
  if (++puts_since_prune_ >= 1024) prune(now);
}

void PromptCache::prune(clock::time_point now) {
  puts_since_prune_ = 0;
  std::erase_if(entries_, [now](const auto& kv) { return kv.second.expires <= now; });
}

}  // namespace porchlight::fake
