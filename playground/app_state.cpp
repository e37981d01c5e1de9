// app_state.cpp: re-evaluation, file actions and the --state-out snapshot.

#include "app_state.hpp"

#include "porchlight/cost.hpp"

namespace porchlight::playground {

void refresh(AppState& app) {
  if (!app.dirty) return;
  app.dirty = false;
  // The round trip applies the API's own validation and normalization, so the window never
  // shows a decision for a request the API would reject.
  auto checked = scenario_from_json(to_json(app.scenario), app.scenario.name);
  if (!checked) {
    app.errors = checked.errors();
    return;  // keep the last good evaluation on screen, marked stale by the errors
  }
  app.errors.clear();
  app.evaluated = std::move(checked).value();
  app.evaluation = evaluate(app.evaluated, app.policy);
}

bool open_scenario(AppState& app, const std::string& path) {
  auto loaded = load_scenario(path);
  if (!loaded) {
    app.set_status(describe(loaded.errors()), true);
    return false;
  }
  app.scenario = std::move(loaded).value();
  app.scenario_path = path;
  app.dirty = true;
  app.set_status("opened " + path);
  return true;
}

bool save_scenario_as(AppState& app, const std::string& path) {
  if (path.empty()) { app.set_status("type a file name to save the scenario to", true); return false; }
  if (Errors errors = save_scenario(app.scenario, path); !errors.empty()) {
    app.set_status(describe(errors), true);
    return false;
  }
  app.scenario_path = path;
  app.set_status("saved " + path);
  return true;
}

bool use_policy_folder(AppState& app, const std::string& dir) {
  if (dir.empty()) {
    app.policy = Policy::embedded();
    app.policy_dir.clear();
  } else {
    auto policy = load_policy_folder(dir);
    if (!policy) {
      app.set_status("policy " + dir + " not loaded:\n" + describe(policy.errors()), true);
      return false;
    }
    app.policy = std::move(policy).value();
    app.policy_dir = dir;
  }
  app.dirty = true;
  if (app.regression) run_regression(app);  // the table must follow the policy
  app.set_status("policy " + app.policy.version() + (dir.empty() ? " (embedded)" : " from " + dir));
  return true;
}

bool run_regression(AppState& app) {
  std::optional<Baseline> baseline;
  if (!app.baseline_path.empty()) {
    auto loaded = load_baseline(app.baseline_path);
    if (!loaded) { app.set_status(describe(loaded.errors()), true); return false; }
    baseline = std::move(loaded).value();
  }
  auto run = run_folder(app.scenarios_dir, app.policy, baseline ? &*baseline : nullptr);
  if (!run) { app.set_status(describe(run.errors()), true); return false; }
  app.regression = std::move(run).value();
  const auto& r = *app.regression;
  app.set_status("ran " + std::to_string(r.rows.size()) + " scenarios: " + std::to_string(r.changed) +
                 " changed, " + std::to_string(r.added) + " new, " + std::to_string(r.missing.size()) +
                 " missing, " + std::to_string(r.expect_failed) + " expectations failed");
  return true;
}

bool save_baseline(AppState& app) {
  if (!app.regression) { app.set_status("run a folder first: the baseline is its decisions", true); return false; }
  if (app.baseline_path.empty()) { app.set_status("type a baseline file name", true); return false; }
  if (Errors errors = write_text_file(app.baseline_path, to_json(baseline_of(*app.regression)).dump(2) + "\n");
      !errors.empty()) {
    app.set_status(describe(errors), true);
    return false;
  }
  app.set_status("saved baseline " + app.baseline_path);
  return run_regression(app);  // now everything compares as unchanged
}

json state_json(const AppState& app) {
  json out{{"scenario",
            {{"name", app.scenario.name}, {"file", app.scenario_path}, {"query", app.scenario.request.query}}},
           {"policy", {{"version", app.policy.version()}, {"folder", app.policy_dir}}},
           {"errors", json::array()},
           {"status", app.status},
           {"proxy", {{"url", app.proxy_url}, {"key_set", !app.secret_key.empty()}}}};
  for (const auto& e : app.errors)
    out["errors"].push_back({{"code", e.code}, {"path", e.path}, {"message", e.message}});
  if (app.evaluation) {
    const Evaluation& e = *app.evaluation;
    const RouteDecision& r = e.built.route;
    out["route"] = {{"specialist", name_of(r.specialist)}, {"tier", name_of(r.tier)}, {"model", r.model},
                    {"confidence", r.confidence}, {"reasons", r.reasons}};
    json blocks = json::array();
    for (const auto& b : e.built.blocks)
      blocks.push_back({{"name", b.name}, {"tokens", b.tokens}, {"cache_breakpoint", b.cache_breakpoint}});
    out["blocks"] = blocks;
    out["breakpoints"] = e.breakpoints;
    out["context"] = {{"kept", e.built.context.first_kept < app.evaluated.request.history.size()
                                   ? app.evaluated.request.history.size() - e.built.context.first_kept : 0},
                      {"folded", e.built.context.first_kept},
                      {"total_tokens", e.built.context.total_tokens()}};
    json costs = json::object();
    for (const auto& c : e.cost_by_tier) costs[std::string(name_of(c.tier))] = round_usd(c.cost_usd);
    out["cost_by_tier"] = costs;
  }
  const SendResult send = app.client.snapshot();
  out["send"] = to_json(send);
  if (app.regression) {
    const auto& r = *app.regression;
    out["regression"] = {{"folder", r.folder}, {"rows", r.rows.size()}, {"changed", r.changed},
                         {"new", r.added}, {"missing", r.missing.size()}, {"invalid", r.invalid},
                         {"expect_failed", r.expect_failed}};
  }
  return out;
}

}  // namespace porchlight::playground
