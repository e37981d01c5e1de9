// limits/admission.cpp: admitting calls to Claude and settling them (see the header).

#include "limits/admission.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <vector>

#include "porchlight/cost.hpp"
#include "store/store_util.hpp"

namespace porchlight::proxy {

namespace {

// The buckets a call takes from; `requests` is what it counts as requests (0 for a part of a
// request admitted already: a plan's step).
std::vector<BucketRequest> buckets_for(const Payer& p, const Config& c, const store::RateLimits& r, std::int64_t tokens,
                                       std::int64_t requests = 1) {
  auto pick = [](std::int64_t location_value, std::int64_t fallback) { return location_value > 0 ? location_value : fallback; };
  const std::string& loc = p.location_id;
  // Request buckets first, in the order they always had: ties in the limiter's answer (the tightest
  // bucket, the one named when several refuse) are settled by order.
  std::vector<BucketRequest> b;
  if (requests > 0) {
    b.push_back({"key:" + p.key_id + ":req", "key_requests", pick(r.key_requests, c.key_requests_per_minute), requests});
    b.push_back({"loc:" + loc + ":req", "location_requests", pick(r.location_requests, c.location_requests_per_minute), requests});
  }
  b.push_back({"loc:" + loc + ":tok", "location_tokens", pick(r.location_tokens, c.location_tokens_per_minute), tokens});
  if (!p.agent_id.empty()) {
    if (requests > 0)
      b.push_back({"agent:" + loc + ":" + p.agent_id + ":req", "agent_requests", pick(r.agent_requests, c.agent_requests_per_minute), requests});
    b.push_back({"agent:" + loc + ":" + p.agent_id + ":tok", "agent_tokens", pick(r.agent_tokens, c.agent_tokens_per_minute), tokens});
  }
  if (r.key_tokens > 0) b.push_back({"key:" + p.key_id + ":tok", "key_tokens", r.key_tokens, tokens});
  return b;
}

std::int64_t seconds_to_month_end() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  tm.tm_mon += 1;
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return static_cast<std::int64_t>(timegm(&tm) - now);
}

}  // namespace

// ---- Ticket ------------------------------------------------------------------------------------

Ticket::Ticket(Ticket&& other) noexcept
    : admission_(other.admission_),
      payer_(std::move(other.payer_)),
      refused_(std::move(other.refused_)),
      limit_(other.limit_),
      remaining_(other.remaining_),
      estimated_tokens_(other.estimated_tokens_),
      limits_(other.limits_),
      open_(other.open_) {
  other.open_ = false;
}

Ticket::~Ticket() {
  if (open_) admission_->settle_tokens(*this, 0);  // no answer to pay for: the estimate goes back
}

void Ticket::settle(store::UsageRecord record) {
  if (!open_) return;
  open_ = false;
  admission_->settle(*this, std::move(record));
}

// ---- Admission ---------------------------------------------------------------------------------

Admission::Admission(Budgets& budgets, RateLimiter& limiter, UsageLedger& ledger, Metrics& metrics, const Config& config,
                     const Policy& policy, CrossingHandler on_crossing)
    : budgets_(budgets),
      limiter_(limiter),
      ledger_(ledger),
      metrics_(metrics),
      config_(config),
      policy_(policy),
      on_crossing_(std::move(on_crossing)) {}

namespace {
// "<whose> has spent its monthly budget ($N)...", for a budget.* refusal.
std::string spent_message(const std::string& whose, double monthly) {
  char amount[32];
  std::snprintf(amount, sizeof amount, monthly >= 1 ? "%.2f" : "%.4g", monthly);
  return whose + " has spent its monthly budget ($" + amount + "); it resets at the start of next month (UTC)";
}

// A budget refusal can be retried when the month turns.
ApiError until_month_end(ApiError e) {
  e.retry_after = std::chrono::seconds(seconds_to_month_end());
  return e;
}
}  // namespace

awaitable<Ticket> Admission::admit(const Payer& payer, std::int64_t estimated_tokens, Cost cost) {
  const store::Scope scope{payer.location_id};
  const LocationBudget state = co_await budgets_.get(scope);
  co_return decide(payer, state, estimated_tokens, cost);
}

Ticket Admission::decide(const Payer& payer, const LocationBudget& state, std::int64_t estimated_tokens, Cost cost) {
  Ticket t(*this);
  t.payer_ = payer;
  t.limits_ = state.limits;
  t.estimated_tokens_ = std::max<std::int64_t>(estimated_tokens, 1);
  if (cost != Cost::free) {
    const double agent_budget = payer.agent_id.empty() ? 0 : state.agent_budget(payer.agent_id);
    const double key_budget = state.key_budget(payer.key_id);
    if (state.monthly > 0 && state.spent >= state.monthly)
      t.refused_ = until_month_end(ApiError::from_code("budget.exhausted", spent_message("this location", state.monthly)));
    else if (agent_budget > 0 && LocationBudget::amount_of(state.spent_by.agents, payer.agent_id) >= agent_budget)
      t.refused_ = until_month_end(
          ApiError::from_code("budget.agent_exhausted", spent_message("agent " + payer.agent_id, agent_budget)));
    else if (key_budget > 0 && LocationBudget::amount_of(state.spent_by.keys, payer.key_id) >= key_budget)
      t.refused_ = until_month_end(ApiError::from_code("budget.key_exhausted", spent_message("this API key", key_budget)));
    if (t.refused_) return t;
  }
  const auto buckets = buckets_for(payer, config_, t.limits_, t.estimated_tokens_, cost == Cost::part ? 0 : 1);
  // More than a bucket holds: waiting would never admit it, so it is not a 429 to retry.
  for (const auto& b : buckets)
    if (b.per_minute > 0 && b.cost > b.per_minute) {
      t.refused_ = ApiError::from_code("request.over_token_limit",
                                       "this request needs about " + std::to_string(b.cost) + " tokens (its prompt and max_tokens), more than " +
                                           b.name + " allows in a minute (" + std::to_string(b.per_minute) +
                                           "), so it could never be admitted; lower max_tokens, or ask the operator to raise the limit");
      return t;
    }
  const LimitDecision d = limiter_.take(buckets);
  if (d.fell_back) metrics_.count("porchlight_limiter_fallbacks_total", {});
  t.limit_ = d.limit;
  t.remaining_ = d.remaining;
  if (!d.allowed) {
    const auto secs = std::max<std::int64_t>(1, (d.retry_after.count() + 999) / 1000);
    t.refused_ = ApiError::from_code("limits." + d.exceeded, "rate limit reached (" + d.exceeded + ": " +
                                                                 std::to_string(d.limit) + " per minute); retry in " +
                                                                 std::to_string(secs) + " s");
    t.refused_->retry_after = std::chrono::seconds(secs);
    return t;
  }
  t.open_ = true;
  return t;
}

awaitable<Ticket> Admission::admit(Exchange& ex, const Payer& payer, std::int64_t estimated_tokens, Cost cost) {
  Ticket t = co_await admit(payer, estimated_tokens, cost);
  if (t.limit() > 0) {
    ex.response_headers.emplace_back("ratelimit-limit", std::to_string(t.limit()));
    ex.response_headers.emplace_back("ratelimit-remaining", std::to_string(t.remaining()));
  }
  if (!t && t.refusal().code.starts_with("limits.") && t.refusal().retry_after)
    ex.response_headers.emplace_back("ratelimit-reset", std::to_string(t.refusal().retry_after->count()));
  co_return t;
}

double Admission::price(const Usage& usage, const std::string& model) const {
  if (auto priced = cost_of(usage, model, policy_)) return priced->total_usd;
  metrics_.count("porchlight_unpriced_usage_total", {{"model", model}});
  return cost_at_highest_rates(usage, policy_).total_usd;
}

bool Admission::priced(const std::string& model) const {
  return config_.price_unpriced_at_highest || cost_of(Usage{}, model, policy_).ok();
}

void Admission::settle(Ticket& ticket, store::UsageRecord record) {
  const Payer& p = ticket.payer_;
  record.location_id = p.location_id;
  record.key_id = p.key_id;
  if (record.cost_usd == 0) record.cost_usd = price(record.usage, record.model);
  if (record.at.empty()) record.at = store::detail::now_rfc3339();
  const Usage& u = record.usage;
  const std::int64_t actual = u.input_tokens + u.output_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens;
  for (const auto& crossing : budgets_.add_spend(p.location_id, p.agent_id, p.key_id, record.cost_usd))
    if (on_crossing_) on_crossing_(p.location_id, crossing);
  count_usage(p.location_id, record.model, u, record.cost_usd);
  settle_tokens(ticket, actual);
  ledger_.record(std::move(record));
}

void Admission::settle_tokens(const Ticket& ticket, std::int64_t actual_tokens) {
  for (const auto& b : buckets_for(ticket.payer_, config_, ticket.limits_, 0))
    if (std::string_view(b.name).ends_with("_tokens")) limiter_.adjust(b, actual_tokens - ticket.estimated_tokens_);
}

// Tokens by kind (input, output, cache_read, cache_write) and cost, per location and model.
void Admission::count_usage(const std::string& location_id, const std::string& model, const Usage& usage, double cost_usd) {
  const std::pair<const char*, std::int64_t> kinds[] = {{"input", usage.input_tokens},
                                                        {"output", usage.output_tokens},
                                                        {"cache_read", usage.cache_read_input_tokens},
                                                        {"cache_write", usage.cache_creation_input_tokens}};
  for (const auto& [kind, tokens] : kinds)
    metrics_.count("porchlight_tokens_total", {{"location", location_id}, {"model", model}, {"kind", kind}}, static_cast<double>(tokens));
  metrics_.count("porchlight_cost_usd_total", {{"location", location_id}, {"model", model}}, cost_usd);
  prompt_tokens_ += usage.input_tokens + usage.cache_read_input_tokens + usage.cache_creation_input_tokens;
  cache_read_tokens_ += usage.cache_read_input_tokens;
}

double Admission::cache_read_share() const {
  const auto prompt = prompt_tokens_.load();
  return prompt > 0 ? static_cast<double>(cache_read_tokens_.load()) / static_cast<double>(prompt) : 0;
}

}  // namespace porchlight::proxy
