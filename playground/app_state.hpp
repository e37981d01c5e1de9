// app_state.hpp: everything the window shows and edits, shared by the panels. The panels change
// `scenario` and set `dirty`; refresh() re-runs the core, so decisions follow every keystroke.
#pragma once

#include <optional>
#include <string>

#include "evaluate.hpp"
#include "porchlight/policy.hpp"
#include "proxy_client.hpp"
#include "regression.hpp"
#include "scenario.hpp"

namespace porchlight::playground {

struct AppState {
  // The scenario being edited, and what the core decides for it.
  Scenario scenario = example_scenario();
  bool dirty = true;
  Errors errors;                     // why the scenario is not one the API would accept
  std::optional<Evaluation> evaluation;
  Scenario evaluated;                // the normalized scenario `evaluation` was made from

  // Files. The status line says what the last file action did.
  std::string scenario_path;
  std::string status;
  bool status_is_error = false;

  // Policy: the embedded one, or an edited copy of core/data.
  Policy policy = Policy::embedded();
  std::string policy_dir;            // empty: embedded
  std::string policy_dir_input;

  // Send to a running proxy. The key lives only here, in memory.
  std::string proxy_url = "http://127.0.0.1:8080";
  std::string secret_key;
  ProxyClient client;

  // Regression view.
  std::string scenarios_dir;
  std::string baseline_path;
  std::optional<RegressionRun> regression;

  // Set for one frame to put the keyboard in the query box (--type-query, for the smoke test).
  bool focus_query = false;

  // Scratch for the lead-fact editor.
  std::string new_fact_key, new_fact_value;

  void set_status(std::string text, bool error = false) {
    status = std::move(text);
    status_is_error = error;
  }
};

// Validates the scenario as the API would (a JSON round trip) and re-evaluates it when dirty.
void refresh(AppState& app);

// File actions, shared by the panels and the command line. Each sets the status line and
// returns false on failure (the state is then unchanged).
bool open_scenario(AppState& app, const std::string& path);
bool save_scenario_as(AppState& app, const std::string& path);
bool use_policy_folder(AppState& app, const std::string& dir);  // "": back to the embedded policy
bool run_regression(AppState& app);  // scenarios_dir, against baseline_path when set
bool save_baseline(AppState& app);   // the last run's decisions -> baseline_path

// What is loaded and decided, for --state-out (never the secret key: only whether one is set).
json state_json(const AppState& app);

}  // namespace porchlight::playground
