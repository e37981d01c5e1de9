// store/ledger.hpp: usage, budgets and rate limits (store.ledger()). Error codes and threading:
// store.hpp.
#pragma once

#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class Ledger {
 public:
  virtual ~Ledger() = default;
  // Idempotent per (location, request_id) when request_id is set: a retry is not counted twice.
  // A batch is one transaction: all of it is written, or (an invalid record) none of it.
  virtual Result<Done> record_usage_batch(const Scope& s, const std::vector<UsageRecord>& batch) = 0;
  Result<Done> record_usage(const Scope& s, const UsageRecord& u) { return record_usage_batch(s, {u}); }
  virtual Result<double> month_spend_usd(const Scope& s, const std::string& month /* "2026-11" */) = 0;
  virtual Result<Budget> get_budget(const Scope& s) = 0;
  virtual Result<Done> set_budget(const Scope& s, const Budget& b) = 0;
  virtual Result<RateLimits> get_rate_limits(const Scope& s) = 0;
  virtual Result<Done> set_rate_limits(const Scope& s, const RateLimits& r) = 0;
};

}  // namespace porchlight::store
