// limits/admission.hpp: whether a call to Claude may go ahead, and paying for it afterwards.
//
// A call is admitted by the monthly budgets (the location's, then the agent's and the API key's
// when they have one), then by the request and token buckets of the key, the agent and the
// location (the estimate taken from the token buckets). Admission
// hands back a Ticket: settle(record) when the call was answered (the ledger, the month's spend,
// the token buckets moved from the estimate to the real usage, the metrics); a ticket that was
// never settled (no answer, the playbooks answered, the client left before the call) gives its
// estimate back to the token buckets when it goes out of scope. A refused call takes nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "api_error.hpp"
#include "auth/authenticator.hpp"
#include "config.hpp"
#include "ledger/usage_ledger.hpp"
#include "limits/budgets.hpp"
#include "limits/rate_limiter.hpp"
#include "metrics.hpp"
#include "porchlight/policy.hpp"

namespace porchlight::proxy {

class Admission;

// Whose buckets a call counts against.
struct Payer {
  std::string key_id;
  std::string location_id;
  std::string agent_id;  // may be empty: then no agent buckets
  static Payer of(const Principal& p) { return {p.key.id, p.scope.location_id, p.agent_id}; }
};

class Ticket {
 public:
  Ticket(Ticket&& other) noexcept;
  Ticket& operator=(Ticket&&) = delete;
  Ticket(const Ticket&) = delete;
  ~Ticket();

  explicit operator bool() const { return !refused_; }
  const ApiError& refusal() const { return *refused_; }  // only when refused
  std::int64_t limit() const { return limit_; }          // the tightest bucket (0: none)
  std::int64_t remaining() const { return remaining_; }

  // The call was answered: records `record` (its location, key, time and, when 0, its cost are
  // filled in) and settles the token buckets to its real usage. Once; later calls do nothing.
  void settle(store::UsageRecord record);

 private:
  friend class Admission;
  explicit Ticket(Admission& admission) : admission_(&admission) {}

  Admission* admission_;
  Payer payer_;
  std::optional<ApiError> refused_;
  std::int64_t limit_ = 0, remaining_ = 0;
  std::int64_t estimated_tokens_ = 0;
  store::RateLimits limits_;  // the location's limits as applied: settled against the same
  bool open_ = false;         // admitted and not yet settled or released
};

class Admission {
 public:
  // `on_crossing` hears of every budget a settled call carried past 80% or 100% (alerts).
  using CrossingHandler = std::function<void(const std::string& location_id, const BudgetCrossing&)>;
  Admission(Budgets& budgets, RateLimiter& limiter, UsageLedger& ledger, Metrics& metrics, const Config& config,
            const Policy& policy, CrossingHandler on_crossing = {});

  // tokens: a request that spends tokens; free: it costs nothing (token counting): no budget
  // check; part: a part of a request admitted already (a plan's step): its tokens and the budgets
  // count, not one more request (an agent's question is one request, however it is answered).
  enum class Cost { tokens, free, part };
  awaitable<Ticket> admit(const Payer& payer, std::int64_t estimated_tokens, Cost cost = Cost::tokens);
  // The decision itself, from the location's figures (admit() reads them from Budgets).
  Ticket decide(const Payer& payer, const LocationBudget& location, std::int64_t estimated_tokens, Cost cost);
  // admit() for an HTTP request: also sets the rate-limit answer headers on `ex`.
  awaitable<Ticket> admit(Exchange& ex, const Payer& payer, std::int64_t estimated_tokens, Cost cost = Cost::tokens);

  // The cost in USD of `usage` on `model` by the policy's prices; a model they do not price costs
  // what the table's highest rates make of it (never less than any known model would).
  double price(const Usage& usage, const std::string& model) const;
  // True when `model` is admitted at all: priced, or the deployment prices unpriced models at the
  // highest rates (config.price_unpriced_at_highest).
  bool priced(const std::string& model) const;
  // Of the prompt tokens of every call settled since start, the share read from the prompt cache
  // (cache reads over input, cache writes and cache reads together): 0 before any call.
  double cache_read_share() const;

 private:
  friend class Ticket;
  void settle(Ticket& ticket, store::UsageRecord record);
  // Moves the token buckets the ticket took from by (actual - estimated).
  void settle_tokens(const Ticket& ticket, std::int64_t actual_tokens);
  void count_usage(const std::string& location_id, const std::string& model, const Usage& usage, double cost_usd);

  Budgets& budgets_;
  RateLimiter& limiter_;
  UsageLedger& ledger_;
  Metrics& metrics_;
  const Config& config_;
  const Policy& policy_;
  CrossingHandler on_crossing_;
  std::atomic<std::int64_t> prompt_tokens_{0}, cache_read_tokens_{0};
};

}  // namespace porchlight::proxy
