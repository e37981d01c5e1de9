// handlers/usage.cpp: reading what was spent and how coaching went, over a range of days:
// GET /v1/usage (agents see their own, team leads their team's; secret keys the location's) and GET /v1/analytics (the
// dashboard: effectiveness, usage per agent, latency percentiles).

#include <algorithm>
#include <map>
#include <tuple>

#include "handlers/access.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "porchlight/cost.hpp"
#include "porchlight/qualify.hpp"

namespace porchlight::proxy {

namespace {

// Usage rows over the range, counting answered requests whose usage is still queued.
awaitable<Result<std::vector<store::UsageRow>>> usage_rows(App& app, const store::Scope& scope, const DayRange& range) {
  auto query = [&app, scope, range] {
    app.ledger().flush();
    return app.store().analytics().usage_by_agent(scope, range.from, range.to);
  };
  co_return co_await app.blocking(query);
}

// The month's budgets as the caller may see them: the location's; an agent's own (a browser: its
// agent's only); and, for a secret key or the dashboard, the agents and keys at 80% or more of
// theirs (what the dashboard's banner shows).
json budget_json(const LocationBudget& b, const Principal& p) {
  auto entry = [](double monthly, double spent, json who = json::object()) {
    who.update(json{{"monthly_usd", monthly}, {"spent_usd", round_usd(spent)}, {"used", monthly > 0 ? round_usd(spent / monthly) : 0.0}});
    return who;
  };
  json out{{"monthly_usd", b.monthly},
           {"spent_this_month_usd", round_usd(b.spent)},
           {"used", b.monthly > 0 ? round_usd(b.spent / b.monthly) : 0.0}};
  if (p.browser()) {
    if (const double own = b.agent_budget(p.agent_id); own > 0)
      out["agent"] = entry(own, LocationBudget::amount_of(b.spent_by.agents, p.agent_id));
    return out;
  }
  json near = json::array();
  for (const auto& [id, spent] : b.spent_by.agents)
    if (const double own = b.agent_budget(id); own > 0 && spent >= 0.8 * own)
      near.push_back(entry(own, spent, {{"kind", "agent"}, {"id", id}}));
  for (const auto& [id, spent] : b.spent_by.keys)
    if (const double own = b.key_budget(id); own > 0 && spent >= 0.8 * own)
      near.push_back(entry(own, spent, {{"kind", "key"}, {"id", id}}));
  out["near_or_over"] = near;
  return out;
}

}  // namespace

// Usage for a period: per agent, model and day, with totals and the month's budget.
awaitable<void> usage(App& app, Exchange& ex, const Principal& p) {
  const auto range = co_await read_day_range(app, ex);
  if (!range) co_return;
  const std::string& from = range->from;
  const std::string& to = range->to;
  auto rows = co_await usage_rows(app, p.scope, *range);
  if (!rows) { co_await app.fail(ex, rows.errors()); co_return; }
  json data = json::array();
  double total = 0;
  std::int64_t requests = 0;
  VisibleAgents visible(app, p);  // a browser: its agent's rows, its team's as a team lead
  for (const auto& r : rows.value()) {
    if (!co_await visible.contains(r.agent_id)) continue;
    data.push_back({{"day", r.day}, {"agent_id", r.agent_id}, {"model", r.model}, {"requests", r.requests},
                    {"input_tokens", r.input_tokens}, {"output_tokens", r.output_tokens},
                    {"cache_read_tokens", r.cache_read_tokens}, {"cache_write_tokens", r.cache_write_tokens},
                    {"cost_usd", round_usd(r.cost_usd)}});
    total += r.cost_usd;
    requests += r.requests;
  }
  const LocationBudget budget = co_await app.budgets().get(p.scope);
  co_await app.send_json(ex, 200, JSON_OBJ({{"from", from}, {"to", to}, {"data", data},
                                   {"totals", {{"requests", requests}, {"cost_usd", round_usd(total)}}},
                                   {"budget", budget_json(budget, p)}}));
}

// Analytics: coaching effectiveness by guidance type and variant per day, usage per agent, latency
// percentiles. The dashboard and secret keys see the location's; a browser the agents it may see
// (its own; its team's as a team lead; everyone's as a location admin), summed over them.
awaitable<void> analytics(App& app, Exchange& ex, const Principal& p) {
  const auto range = co_await read_day_range(app, ex);
  if (!range) co_return;
  const std::string& from = range->from;
  const std::string& to = range->to;
  auto query_19 = [&app, scope = p.scope, from, to] { return app.store().analytics().effectiveness(scope, from, to); };
  auto eff = co_await app.blocking(query_19);
  auto use = co_await usage_rows(app, p.scope, *range);
  auto query_21 = [&app, scope = p.scope, from, to] { return app.store().analytics().latencies(scope, from, to); };
  auto lat = co_await app.blocking(query_21);
  if (!eff || !use || !lat) {
    const Errors errors = !eff ? eff.errors() : !use ? use.errors() : lat.errors();
    co_await app.fail(ex, errors);
    co_return;
  }
  VisibleAgents visible(app, p);
  // The store's rows are per agent; the answer sums the visible ones per day, type and variant.
  std::map<std::tuple<std::string, std::string, std::string>, store::EffectivenessRow> summed;
  for (const auto& r : eff.value()) {
    if (!co_await visible.contains(r.agent_id)) continue;
    auto& sum = summed[{r.day, r.guidance_type, r.approach_variant}];
    sum.events += r.events;
    sum.helpful += r.helpful;
    sum.not_helpful += r.not_helpful;
  }
  json effectiveness = json::array();
  for (const auto& [key, r] : summed)
    effectiveness.push_back({{"day", std::get<0>(key)}, {"guidance_type", std::get<1>(key)}, {"approach_variant", std::get<2>(key)},
                             {"events", r.events}, {"helpful", r.helpful}, {"not_helpful", r.not_helpful}});
  json usage = json::array();
  for (const auto& r : use.value()) {
    if (!co_await visible.contains(r.agent_id)) continue;
    usage.push_back({{"day", r.day}, {"agent_id", r.agent_id}, {"model", r.model}, {"requests", r.requests},
                     {"input_tokens", r.input_tokens}, {"output_tokens", r.output_tokens},
                     {"cache_read_tokens", r.cache_read_tokens}, {"cost_usd", round_usd(r.cost_usd)}});
  }
  std::vector<std::int64_t> l;  // fastest first, as the store returns them
  for (const auto& r : lat.value())
    if (co_await visible.contains(r.agent_id)) l.push_back(r.latency_ms);
  auto pct = [&](double q) -> std::int64_t { return l.empty() ? 0 : l[std::min(l.size() - 1, static_cast<std::size_t>(q * static_cast<double>(l.size())))]; };
  co_await app.send_json(ex, 200, JSON_OBJ({{"from", from}, {"to", to}, {"effectiveness", effectiveness}, {"usage", usage},
                                   {"latency_ms", {{"count", l.size()}, {"p50", pct(0.5)}, {"p90", pct(0.9)}, {"p99", pct(0.99)}}}}));
}

}  // namespace porchlight::proxy
