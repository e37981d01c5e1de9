// limits/rate_limiter.cpp: the in-process and Redis token buckets.

#include "limits/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_map>

#include "cache/redis_client.hpp"

namespace porchlight::proxy {

namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Milliseconds until `missing` tokens refill at per_minute per minute.
std::chrono::milliseconds refill_time(double missing, std::int64_t per_minute) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(missing * 60000.0 / static_cast<double>(per_minute))));
}

class LocalLimiter final : public RateLimiter {
 public:
  LimitDecision take(const std::vector<BucketRequest>& buckets) override {
    std::lock_guard lock(mutex_);
    const std::int64_t now = now_ms();
    LimitDecision d;
    d.remaining = INT64_MAX;
    for (const auto& b : buckets) {
      if (b.per_minute <= 0) continue;
      State& s = refill(b, now);
      if (s.tokens < static_cast<double>(b.cost)) {
        d.allowed = false;
        d.exceeded = b.name;
        d.retry_after = std::max(d.retry_after, refill_time(static_cast<double>(b.cost) - s.tokens, b.per_minute));
        d.limit = b.per_minute;
        d.remaining = 0;
      }
    }
    if (!d.allowed) return d;
    for (const auto& b : buckets) {
      if (b.per_minute <= 0) continue;
      State& s = states_[b.key];
      s.tokens -= static_cast<double>(b.cost);
      const auto remaining = static_cast<std::int64_t>(std::max(0.0, s.tokens));
      if (remaining < d.remaining) { d.remaining = remaining; d.limit = b.per_minute; }
    }
    if (d.remaining == INT64_MAX) d.remaining = 0;
    if (states_.size() > 100000) prune(now);
    return d;
  }

  void adjust(const BucketRequest& b, std::int64_t delta) override {
    if (b.per_minute <= 0 || delta == 0) return;
    std::lock_guard lock(mutex_);
    State& s = refill(b, now_ms());
    s.tokens = std::min(static_cast<double>(b.per_minute), s.tokens - static_cast<double>(delta));
  }

 private:
  struct State {
    double tokens = 0;
    std::int64_t at_ms = 0;
  };

  State& refill(const BucketRequest& b, std::int64_t now) {
    auto [it, fresh] = states_.try_emplace(b.key);
    State& s = it->second;
    if (fresh) { s.tokens = static_cast<double>(b.per_minute); s.at_ms = now; }
    const double gained = static_cast<double>(now - s.at_ms) * static_cast<double>(b.per_minute) / 60000.0;
    s.tokens = std::min(static_cast<double>(b.per_minute), s.tokens + gained);
    s.at_ms = now;
    return s;
  }

  // Buckets idle for two minutes are full again: forget them.
  void prune(std::int64_t now) {
    for (auto it = states_.begin(); it != states_.end();)
      it = now - it->second.at_ms > 120000 ? states_.erase(it) : std::next(it);
  }

  std::mutex mutex_;
  std::unordered_map<std::string, State> states_;
};

// KEYS: bucket keys. ARGV: the caller's now_ms (unused: Redis's own clock keeps instances
// consistent), then (per_minute, cost) per key. Returns
// {allowed (0/1), index of the refusing bucket (1-based, 0 if none), retry_after_ms, remaining, limit}.
constexpr const char* kTakeScript = R"lua(
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local n = #KEYS
local tokens = {}
local refuse, retry = 0, 0
for i = 1, n do
  local cap = tonumber(ARGV[2 * i])
  local cost = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', KEYS[i], 't', 'at')
  local t = tonumber(state[1]) or cap
  local at = tonumber(state[2]) or now
  t = math.min(cap, t + (now - at) * cap / 60000)
  tokens[i] = t
  if t < cost then
    refuse = i
    local wait = math.ceil((cost - t) * 60000 / cap)
    if wait > retry then retry = wait end
  end
end
if refuse > 0 then
  return {0, refuse, retry, 0, tonumber(ARGV[2 * refuse])}
end
local remaining, limit = -1, 0
for i = 1, n do
  local cap = tonumber(ARGV[2 * i])
  local t = tokens[i] - tonumber(ARGV[2 * i + 1])
  redis.call('HSET', KEYS[i], 't', tostring(t), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[i], 120000)
  if remaining < 0 or t < remaining then remaining = math.max(0, math.floor(t)); limit = cap end
end
return {1, 0, 0, remaining, limit}
)lua";

// KEYS[1]: bucket. ARGV: now_ms, per_minute, delta.
constexpr const char* kAdjustScript = R"lua(
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local cap = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local t = tonumber(state[1]) or cap
local at = tonumber(state[2]) or now
t = math.min(cap, t + (now - at) * cap / 60000 - tonumber(ARGV[3]))
redis.call('HSET', KEYS[1], 't', tostring(t), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], 120000)
return 1
)lua";

class RedisLimiter final : public RateLimiter {
 public:
  explicit RedisLimiter(std::shared_ptr<cache::RedisClient> redis)
      : redis_(std::move(redis)), take_(kTakeScript), adjust_(kAdjustScript) {}

  LimitDecision take(const std::vector<BucketRequest>& buckets) override {
    std::vector<std::string> keys, args{std::to_string(now_ms())};
    std::vector<const BucketRequest*> used;
    for (const auto& b : buckets) {
      if (b.per_minute <= 0) continue;
      keys.push_back("porchlight:rl:" + b.key);
      args.push_back(std::to_string(b.per_minute));
      args.push_back(std::to_string(b.cost));
      used.push_back(&b);
    }
    if (keys.empty()) return {};
    auto reply = redis_->eval(take_, keys, args);
    if (!reply || reply->type != cache::RedisReply::Type::array || reply->elements.size() != 5) {
      LimitDecision d = local_.take(buckets);
      d.fell_back = true;
      return d;
    }
    const auto& e = reply->elements;
    LimitDecision d;
    d.allowed = e[0].integer == 1;
    if (!d.allowed && e[1].integer >= 1 && static_cast<std::size_t>(e[1].integer) <= used.size())
      d.exceeded = used[static_cast<std::size_t>(e[1].integer - 1)]->name;
    d.retry_after = std::chrono::milliseconds(e[2].integer);
    d.remaining = e[3].integer;
    d.limit = e[4].integer;
    return d;
  }

  void adjust(const BucketRequest& b, std::int64_t delta) override {
    if (b.per_minute <= 0 || delta == 0) return;
    auto reply = redis_->eval(adjust_, {"porchlight:rl:" + b.key},
                              {std::to_string(now_ms()), std::to_string(b.per_minute), std::to_string(delta)});
    if (!reply) local_.adjust(b, delta);
  }

 private:
  std::shared_ptr<cache::RedisClient> redis_;
  cache::RedisScript take_, adjust_;
  LocalLimiter local_;
};

}  // namespace

std::unique_ptr<RateLimiter> make_local_limiter() { return std::make_unique<LocalLimiter>(); }
std::unique_ptr<RateLimiter> make_redis_limiter(std::shared_ptr<cache::RedisClient> redis) {
  return std::make_unique<RedisLimiter>(std::move(redis));
}

}  // namespace porchlight::proxy
