// limits/rate_limiter.hpp: token buckets per key, agent and location, for requests and tokens.
//
// A take() checks every bucket it names and consumes from all of them or from none, so a request
// refused by its location's limit does not also spend its agent's. With Redis the check runs as
// one Lua script (atomic across proxy instances); without Redis, or while Redis is down, an
// in-process limiter answers (per instance, so limits loosen by the instance count; counted in
// /metrics as porchlight_limiter_fallbacks_total).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace porchlight::cache { class RedisClient; }

namespace porchlight::proxy {

struct BucketRequest {
  std::string key;             // "key:<id>:req", "agent:<loc>:<id>:tok", ...
  std::string name;            // what the caller calls it: "agent_requests"
  std::int64_t per_minute = 0; // capacity, refilled evenly over a minute; 0 = unlimited
  std::int64_t cost = 1;
};

struct LimitDecision {
  bool allowed = true;
  std::string exceeded;                  // the bucket that refused ("location_tokens")
  std::chrono::milliseconds retry_after{0};
  std::int64_t limit = 0;                // of the tightest bucket (for RateLimit headers)
  std::int64_t remaining = 0;
  bool fell_back = false;                // the in-process limiter answered for Redis
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  virtual LimitDecision take(const std::vector<BucketRequest>& buckets) = 0;
  // Corrects a bucket after the fact (actual tokens minus the estimate); may go negative.
  virtual void adjust(const BucketRequest& bucket, std::int64_t delta) = 0;
};

std::unique_ptr<RateLimiter> make_local_limiter();
std::unique_ptr<RateLimiter> make_redis_limiter(std::shared_ptr<cache::RedisClient> redis);

}  // namespace porchlight::proxy
