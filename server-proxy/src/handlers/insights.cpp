// handlers/insights.cpp: GET /v1/insights, what a team lead acts on over a range of days (at most
// kMaxInsightDays): the store's aggregates for the agents the caller may see (its own; its team's
// as a team lead; the location's as a location admin, a secret key or the dashboard), assembled
// and turned into recommendations by learn/insights.cpp.

#include "handlers/access.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "learn/insights.hpp"

namespace porchlight::proxy {

namespace {

// A quarter: enough for a trend, small enough to read every lead's checklist at once.
constexpr std::int64_t kMaxInsightDays = 92;

// Keeps the rows whose agent the caller may see.
template <class Row>
awaitable<void> keep_visible(VisibleAgents& visible, std::vector<Row>& rows) {
  std::vector<Row> kept;
  for (auto& r : rows)
    if (co_await visible.contains(r.agent_id)) kept.push_back(std::move(r));
  rows = std::move(kept);
}

}  // namespace

awaitable<void> get_insights(App& app, Exchange& ex, const Principal& p) {
  const auto range = co_await read_day_range(app, ex, kMaxInsightDays);
  if (!range) co_return;
  auto read = [&app, scope = p.scope, from = range->from, to = range->to]() -> Result<insights::Inputs> {
    app.ledger().flush();  // answered requests whose usage is still queued count too
    store::Analytics& a = app.store().analytics();
    insights::Inputs in;
    in.from = from;
    in.to = to;
    auto guidance = a.guidance_use(scope, from, to);
    auto edits = a.edit_distances(scope, from, to);
    auto objections = a.objections(scope, from, to, insights::objection_topics());
    auto responses = a.first_responses(scope, from, to);
    auto leads = a.open_leads(scope, to);
    auto outcomes = a.outcomes_by_agent(scope, from, to);
    auto usage = a.usage_by_agent(scope, from, to);
    auto profiles = app.store().profiles().list(scope);
    if (!guidance) return guidance.errors();
    if (!edits) return edits.errors();
    if (!objections) return objections.errors();
    if (!responses) return responses.errors();
    if (!leads) return leads.errors();
    if (!outcomes) return outcomes.errors();
    if (!usage) return usage.errors();
    if (!profiles) return profiles.errors();
    in.guidance = std::move(guidance).value();
    in.edits = std::move(edits).value();
    in.objections = std::move(objections).value();
    in.responses = std::move(responses).value();
    in.leads = std::move(leads).value();
    in.outcomes = std::move(outcomes).value();
    in.usage = std::move(usage).value();
    for (auto& profile : profiles.value()) in.agents[profile.id] = profile;
    return in;
  };
  auto read_result = co_await app.blocking(read);
  if (!read_result) { co_await app.fail(ex, read_result.errors()); co_return; }
  insights::Inputs in = std::move(read_result).value();
  VisibleAgents visible(app, p);
  co_await keep_visible(visible, in.guidance);
  co_await keep_visible(visible, in.edits);
  co_await keep_visible(visible, in.objections);
  co_await keep_visible(visible, in.responses);
  co_await keep_visible(visible, in.leads);
  co_await keep_visible(visible, in.outcomes);
  co_await keep_visible(visible, in.usage);
  co_await app.send_json(ex, 200, insights::compute(in, app.policy()));
}

}  // namespace porchlight::proxy
