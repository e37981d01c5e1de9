// redis_cache.cpp: the two-level cache: a short-lived in-process LRU (L1) in front of Redis (L2).
//
// Reads try L1, then Redis; a Redis failure is a miss (counted in stats().errors), never an
// error. Invalidation drops L1, deletes the Redis key and publishes the key on the invalidation
// channel, where every instance's subscriber drops its own L1 copy. L1 entries live at most
// local_ttl, which bounds staleness if a message is missed; when the subscription drops, L1 is
// cleared, and invalidations that could not reach Redis are retried once it is back.

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <unordered_set>

#include "cache/cache.hpp"
#include "cache/lru_cache.hpp"
#include "cache/redis_client.hpp"

namespace porchlight::cache {

namespace {

constexpr std::size_t kMaxPendingInvalidations = 10'000;

class RedisCache final : public Cache {
 public:
  RedisCache(const RedisUrl& url, RedisCacheOptions options)
      : options_(std::move(options)),
        local_(options_.local_ttl.count() > 0 ? options_.local_entries : 0),
        client_(url, options_.pool_size),
        subscriber_(
            url, {options_.channel},
            [this](std::string_view, std::string_view key) {
              generation(key).fetch_add(1);
              local_.invalidate(key);
            },
            [this] {
              for (auto& g : generations_) g.fetch_add(1);
              local_.clear();
              flush_pending();
            }) {}

  std::string_view backend() const override { return "redis"; }

  std::optional<std::string> get(std::string_view key) override {
    if (auto v = local_.get(key)) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      return v;
    }
    const std::uint64_t before = generation(key).load();
    const std::string k = redis_key(key);
    // The value and its remaining lifetime in one round trip: the local copy must not outlive it.
    auto r = client_.pipeline({{"GET", k}, {"PTTL", k}});
    if (!r.ok() || r.value().size() != 2 ||
        (!r.value()[0].is_nil() && r.value()[0].type != RedisReply::Type::string)) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    flush_pending_if_any();
    RedisReply& value = r.value()[0];
    if (value.is_nil()) {
      misses_.fetch_add(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    const std::int64_t left_ms = r.value()[1].integer;  // -1: no expiry
    const auto local_ttl = left_ms > 0 ? std::min(options_.local_ttl, std::chrono::milliseconds(left_ms))
                                       : options_.local_ttl;
    // Not kept locally if an invalidation for this key arrived while Redis answered.
    if (generation(key).load() == before) local_.set(key, value.str, local_ttl);
    hits_.fetch_add(1, std::memory_order_relaxed);
    return std::move(value.str);
  }

  void set(std::string_view key, std::string_view value, std::chrono::milliseconds ttl) override {
    if (ttl.count() <= 0) return;
    sets_.fetch_add(1, std::memory_order_relaxed);
    local_.set(key, value, std::min(ttl, options_.local_ttl));
    const std::string px = std::to_string(ttl.count());
    auto r = client_.command({"SET", redis_key(key), value, "PX", px});
    if (!r.ok()) errors_.fetch_add(1, std::memory_order_relaxed);
    else flush_pending_if_any();
  }

  bool claim(std::string_view key, std::chrono::milliseconds ttl) override {
    if (ttl.count() <= 0) return false;
    auto r = client_.command({"SET", redis_key(key), "", "NX", "PX", std::to_string(ttl.count())});
    if (!r.ok() || r.value().type == RedisReply::Type::error) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      return local_.claim(key, ttl);  // Redis unreachable: this instance decides alone
    }
    flush_pending_if_any();
    if (r.value().is_nil()) return false;  // another claim holds the key
    sets_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }

  void invalidate(std::string_view key) override {
    invalidations_.fetch_add(1, std::memory_order_relaxed);
    generation(key).fetch_add(1);
    local_.invalidate(key);
    if (!send_invalidations({std::string(key)})) {
      errors_.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(pending_mu_);
      if (pending_.size() < kMaxPendingInvalidations) pending_.emplace(key);
      has_pending_ = true;
    }
  }

  bool healthy() override {
    if (!client_.healthy()) client_.command({"PING"});  // gated by the client's backoff: cheap
    return client_.healthy() && subscriber_.connected();
  }

  CacheStats stats() const override {
    CacheStats s;
    s.hits = hits_.load(std::memory_order_relaxed);
    s.misses = misses_.load(std::memory_order_relaxed);
    s.errors = errors_.load(std::memory_order_relaxed);
    s.sets = sets_.load(std::memory_order_relaxed);
    s.invalidations = invalidations_.load(std::memory_order_relaxed);
    return s;
  }

 private:
  std::string redis_key(std::string_view key) const { return options_.key_prefix + std::string(key); }

  std::atomic<std::uint64_t>& generation(std::string_view key) {
    return generations_[std::hash<std::string_view>{}(key) % generations_.size()];
  }

  // DEL and PUBLISH for each key, in one round trip.
  bool send_invalidations(const std::vector<std::string>& keys) {
    std::vector<std::vector<std::string>> commands;
    for (const auto& k : keys) {
      commands.push_back({"DEL", redis_key(k)});
      commands.push_back({"PUBLISH", options_.channel, k});
    }
    auto r = client_.pipeline(commands);
    if (!r.ok()) return false;
    for (const auto& reply : r.value())
      if (reply.type == RedisReply::Type::error) return false;
    return true;
  }

  void flush_pending_if_any() {
    if (has_pending_.load(std::memory_order_relaxed)) flush_pending();
  }

  void flush_pending() {
    std::vector<std::string> keys;
    {
      std::lock_guard lock(pending_mu_);
      keys.assign(pending_.begin(), pending_.end());
      pending_.clear();
      has_pending_ = false;
    }
    for (std::size_t i = 0; i < keys.size(); i += 100) {
      std::vector<std::string> chunk(keys.begin() + static_cast<long>(i),
                                     keys.begin() + static_cast<long>(std::min(keys.size(), i + 100)));
      if (!send_invalidations(chunk)) {
        std::lock_guard lock(pending_mu_);
        pending_.insert(keys.begin() + static_cast<long>(i), keys.end());
        has_pending_ = true;
        return;
      }
    }
  }

  const RedisCacheOptions options_;
  LruCache local_;
  RedisClient client_;
  std::array<std::atomic<std::uint64_t>, 64> generations_{};
  std::mutex pending_mu_;
  std::unordered_set<std::string> pending_;  // invalidations Redis has not seen yet
  std::atomic<bool> has_pending_{false};
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, errors_{0}, sets_{0}, invalidations_{0};
  RedisSubscriber subscriber_;  // last: its thread uses the members above, and stops first
};

}  // namespace

Result<std::unique_ptr<Cache>> make_redis_cache(const std::string& redis_url, const RedisCacheOptions& options) {
  auto url = parse_redis_url(redis_url);
  if (!url.ok()) return url.errors();
  return std::unique_ptr<Cache>(std::make_unique<RedisCache>(url.value(), options));
}

Result<std::unique_ptr<Cache>> make_redis_cache(const std::string& redis_url, std::size_t local_entries) {
  RedisCacheOptions options;
  options.local_entries = local_entries;
  return make_redis_cache(redis_url, options);
}

}  // namespace porchlight::cache
