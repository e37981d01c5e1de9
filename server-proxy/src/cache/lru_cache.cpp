// lru_cache.cpp: the in-process LRU cache: a list in recency order and a hash index over it, one
// mutex. Expired entries are dropped when met (a lookup) or when the least recent is evicted.

#include "cache/lru_cache.hpp"

namespace porchlight::cache {

std::optional<std::string> LruCache::get(std::string_view key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  auto node = it->second;
  if (node->expires <= Clock::now()) {
    index_.erase(it);
    order_.erase(node);
    misses_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  order_.splice(order_.begin(), order_, node);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return node->value;
}

void LruCache::set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) {
  if (max_entries_ == 0 || ttl.count() <= 0) return;
  const auto expires = Clock::now() + ttl;
  sets_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  put_locked(key, value, expires);
}

void LruCache::put_locked(std::string_view key, std::string_view value, Clock::time_point expires) {
  if (auto it = index_.find(key); it != index_.end()) {
    auto node = it->second;
    node->value.assign(value);
    node->expires = expires;
    order_.splice(order_.begin(), order_, node);
    return;
  }
  while (order_.size() >= max_entries_) {
    index_.erase(order_.back().key);
    order_.pop_back();
  }
  order_.push_front(Entry{std::string(key), std::string(value), expires});
  index_.emplace(order_.front().key, order_.begin());
}

bool LruCache::claim(std::string_view key, std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return false;
  if (max_entries_ == 0) return true;  // a cache that keeps nothing remembers no claim
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end() && it->second->expires > Clock::now()) return false;
  put_locked(key, "", Clock::now() + ttl);
  sets_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void LruCache::invalidate(std::string_view key) {
  invalidations_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    auto node = it->second;
    index_.erase(it);
    order_.erase(node);
  }
}

void LruCache::clear() {
  std::lock_guard lock(mu_);
  index_.clear();
  order_.clear();
}

std::size_t LruCache::size() const {
  std::lock_guard lock(mu_);
  return order_.size();
}

CacheStats LruCache::stats() const {
  CacheStats s;
  s.hits = hits_.load(std::memory_order_relaxed);
  s.misses = misses_.load(std::memory_order_relaxed);
  s.sets = sets_.load(std::memory_order_relaxed);
  s.invalidations = invalidations_.load(std::memory_order_relaxed);
  return s;
}

std::unique_ptr<Cache> make_lru_cache(std::size_t max_entries) { return std::make_unique<LruCache>(max_entries); }

}  // namespace porchlight::cache
