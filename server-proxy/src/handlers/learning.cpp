// handlers/learning.cpp: the learning loop's endpoints (docs/learning.md):
//
//   GET  /v1/experiments              the location's experiments, as published
//   POST /v1/experiments              create one from its definition (data)
//   GET  /v1/experiments/{id}         one experiment with its results: the sequential test's
//                                     decision, intervals, traffic split and agents' actions
//   POST /v1/experiments/{id}/pause   everyone gets the control until resumed
//   POST /v1/experiments/{id}/resume
//   POST /v1/experiments/{id}/stop    for good; a declared winner keeps serving
//   POST /v1/outcomes                 a lead's outcome from a CRM's backend
//
// The statistics are the core's (porchlight/learn.hpp); what is stored and published is
// learn/experiments.hpp's.

#include "handlers/access.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "handlers/learning.hpp"
#include "learn/outcomes.hpp"

namespace porchlight::proxy {

namespace {

using json_input::FieldReader;
using json_input::Need;

json experiment_json(const store::Experiment& row) {
  json definition = json::parse(row.definition, nullptr, false);
  auto published = learning::published(row);
  json out = published ? learn::to_json(published->experiment) : json::object();
  if (definition.is_object() && definition.contains("variants")) out["variants"] = definition["variants"];  // with tier and approach
  out["name"] = row.name;
  out["created_at"] = row.created_at;
  out["updated_at"] = row.updated_at;
  return out;
}

// The experiment named in the path, or an answered error.
awaitable<std::optional<store::Experiment>> path_experiment(App& app, Exchange& ex, const Principal& p) {
  const std::string id = ex.params.empty() ? "" : ex.params[0];
  if (!is_valid_id(id)) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no experiment here: ids are 1-64 of A-Z a-z 0-9 _ . : -"));
    co_return std::nullopt;
  }
  auto get = [&app, scope = p.scope, id] { return app.store().experiments().get(scope, id); };
  auto row = co_await app.blocking(get);
  if (!row) { co_await app.fail(ex, row.errors()); co_return std::nullopt; }
  if (!row.value()) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no experiment " + id + " in this location"));
    co_return std::nullopt;
  }
  co_return *row.value();
}

// Sets the experiment's status (paused, running, stopped), keeping its winner and split.
awaitable<void> set_status(App& app, Exchange& ex, const Principal& p, const std::string& status) {
  auto row = co_await path_experiment(app, ex, p);
  if (!row) co_return;
  if (row->status == "stopped" && status != "stopped") {
    co_await app.fail(ex, ApiError::from_code("experiment.not_running", "experiment " + row->id + " is stopped; make a new one"));
    co_return;
  }
  auto save = [&app, scope = p.scope, id = row->id, status] { return app.store().experiments().set_status(scope, id, status); };
  auto saved = co_await app.blocking(save);
  if (!saved) { co_await app.fail(ex, saved.errors()); co_return; }
  row->status = status;
  app.metrics().count("porchlight_experiment_status_total", {{"status", status}});
  co_await app.send_json(ex, 200, experiment_json(*row));
}

}  // namespace

awaitable<void> reevaluate_experiment_of(App& app, const store::Scope& scope, const std::string& event_id) {
  auto context = [&app, scope, event_id] { return app.store().coaching_history().context(scope, event_id); };
  auto ctx = co_await app.blocking(context);
  if (!ctx || !ctx.value() || ctx.value()->experiment_id.empty()) co_return;
  auto refresh = [&app, scope, id = ctx.value()->experiment_id] { return learning::refresh(app.store(), scope, id); };
  auto refreshed = co_await app.blocking(refresh);
  if (!refreshed) {
    app.metrics().count("porchlight_experiment_evaluation_failures_total", {{"code", refreshed.errors().front().code}});
    co_return;
  }
  if (refreshed->published)
    app.metrics().count("porchlight_experiment_publishes_total", {{"decision", refreshed->evaluation.decision}});
}

awaitable<Result<learning::PublishedPolicy>> location_policy(App& app, const store::Scope& scope) {
  auto list = [&app, scope] { return app.store().experiments().list(scope); };
  auto rows = co_await app.blocking(list);
  if (!rows) co_return rows.errors();
  co_return learning::publish(rows.value(), app.policy().version());
}

// The location's experiments, their variants' prompts and results are for team leads and admins.
awaitable<bool> may_read_experiments(App& app, Exchange& ex, const Principal& p) {
  const bool sees = co_await may_see_location(app, p);
  if (sees) co_return true;
  co_await app.fail(ex, ApiError::from_code("auth.team_lead_only", "experiments are read by team leads and location admins"));
  co_return false;
}

awaitable<void> list_experiments(App& app, Exchange& ex, const Principal& p) {
  const bool allowed = co_await may_read_experiments(app, ex, p);
  if (!allowed) co_return;
  auto list = [&app, scope = p.scope] { return app.store().experiments().list(scope); };
  auto rows = co_await app.blocking(list);
  if (!rows) { co_await app.fail(ex, rows.errors()); co_return; }
  json out = json::array();
  for (const auto& row : rows.value())
    if (row.definition != "{}") out.push_back(experiment_json(row));  // rows made before experiments were data are not experiments
  const auto published = learning::publish(rows.value(), app.policy().version());
  co_await app.send_json(ex, 200, JSON_OBJ({{"experiments", out}, {"policy_version", published.version}}));
}

awaitable<void> create_experiment(App& app, Exchange& ex, const Principal& p) {
  auto body = co_await read_json_body(app, ex, 64 * 1024);
  if (!body) co_return;
  json definition = *body;
  // A new experiment starts warming up: its state is the test's to set, never the caller's.
  for (const char* key : {"status", "winner", "allocation"}) definition.erase(key);
  auto d = learning::read_definition(definition);
  if (!d) { co_await app.fail(ex, d.errors()); co_return; }
  store::Experiment row;
  row.id = d->experiment.id;
  row.location_id = p.scope.location_id;
  row.name = d->name;
  for (const auto& v : d->experiment.variants) row.variants.push_back(v.id);
  row.definition = definition.dump();
  auto create = [&app, scope = p.scope, row] { return app.store().experiments().create(scope, row); };
  auto stored = co_await app.blocking(create);
  if (!stored) { co_await app.fail(ex, stored.errors()); co_return; }
  if (!stored.value()) {  // (two creates at once: one of them gets this)
    co_await app.fail(ex, ApiError::from_code("experiment.exists", "experiment " + row.id + " exists in this location; stop it and create one with a new id"));
    co_return;
  }
  auto get = [&app, scope = p.scope, id = row.id] { return app.store().experiments().get(scope, id); };
  auto created = co_await app.blocking(get);
  if (!created || !created.value()) { co_await app.fail(ex, ApiError::from_code("store.unavailable", "the experiment was stored but could not be read back; list the experiments")); co_return; }
  app.metrics().count("porchlight_experiments_created_total", {});
  co_await app.send_json(ex, 201, experiment_json(*created.value()));
}

awaitable<void> get_experiment(App& app, Exchange& ex, const Principal& p) {
  const bool allowed = co_await may_read_experiments(app, ex, p);
  if (!allowed) co_return;
  auto row = co_await path_experiment(app, ex, p);
  if (!row) co_return;
  auto refresh = [&app, scope = p.scope, id = row->id] { return learning::refresh(app.store(), scope, id); };
  auto refreshed = co_await app.blocking(refresh);
  if (!refreshed) { co_await app.fail(ex, refreshed.errors()); co_return; }
  if (refreshed->published) {  // the state just moved: show it
    auto again = co_await path_experiment(app, ex, p);
    if (!again) co_return;
    row = again;
  }
  json results = learn::to_json(refreshed->evaluation);
  json actions = json::array();
  for (const auto& r : refreshed->results)
    actions.push_back({{"variant", r.variant}, {"shown", r.shown}, {"rated", r.trials}, {"helpful", r.successes},
                       {"copied", r.copied}, {"sent", r.sent}, {"with_outcome", r.with_outcome}});
  results["actions"] = actions;
  json out = experiment_json(*row);
  out["results"] = results;
  co_await app.send_json(ex, 200, out);
}

awaitable<void> pause_experiment(App& app, Exchange& ex, const Principal& p) { co_await set_status(app, ex, p, "paused"); }
awaitable<void> resume_experiment(App& app, Exchange& ex, const Principal& p) { co_await set_status(app, ex, p, "running"); }
awaitable<void> stop_experiment(App& app, Exchange& ex, const Principal& p) { co_await set_status(app, ex, p, "stopped"); }

awaitable<void> record_outcome(App& app, Exchange& ex, const Principal& p) {
  auto body = co_await read_json_body(app, ex, 16 * 1024);
  if (!body) co_return;
  Errors errors;
  FieldReader r(*body, "outcome", "", errors);
  r.reject_unknown({"lead_id", "agent_id", "outcome", "occurred_at", "source", "external_id"});
  learning::OutcomeReport report;
  if (auto v = r.id("lead_id", Need::required)) report.lead_id = *v;
  if (auto v = r.id("agent_id", Need::optional)) report.agent_id = *v;
  if (auto v = r.enumeration<Outcome>("outcome", Need::required)) report.outcome = *v;
  if (auto v = r.string("occurred_at", Need::optional, 64)) {
    const auto at = store::detail::canonical_timestamp(*v);
    const std::int64_t skew = 5 * 60 * 1'000'000;  // a sender's clock a little ahead (as the store allows)
    if (!at) r.add("invalid_occurred_at", "occurred_at", "expected an RFC 3339 time such as 2026-12-01T15:04:05Z");
    else if (*at > store::detail::timestamp_at(store::detail::now_unix_micros() + skew))
      r.add("invalid_occurred_at", "occurred_at", "is in the future: an outcome is reported once it happened");
    else report.occurred_at = *v;
  }
  if (auto v = r.id("source", Need::optional)) report.source = *v;
  if (auto v = r.string("external_id", Need::optional, 200, true)) report.external_id = *v;
  if (errors.empty() && (report.outcome == Outcome::pending || report.outcome == Outcome::no_response ||
                         report.outcome == Outcome::lead_advanced))
    r.add("invalid_outcome", "outcome", "a lead's outcome is one of appointment_set, agreement_signed, offer_written, "
                                        "under_contract, closed_won, closed_lost");
  if (!errors.empty()) { co_await app.fail(ex, errors); co_return; }
  auto record = [&app, scope = p.scope, report] { return learning::record_outcome(app.store(), scope, report); };
  auto recorded = co_await app.blocking(record);
  if (!recorded) { co_await app.fail(ex, recorded.errors()); co_return; }
  const store::LeadOutcome& o = recorded->outcome;
  if (recorded->created) app.metrics().count("porchlight_outcomes_total", {{"outcome", std::string(name_of(o.outcome))}});
  co_await app.send_json(ex, recorded->created ? 201 : 200,
                         JSON_OBJ({{"id", o.id}, {"lead_id", o.lead_id}, {"agent_id", o.agent_id}, {"outcome", name_of(o.outcome)},
                                   {"occurred_at", o.occurred_at}, {"source", o.source}, {"external_id", o.external_id},
                                   {"attributed", o.attributed}, {"recorded_at", o.recorded_at}, {"created", recorded->created}}));
}

}  // namespace porchlight::proxy
