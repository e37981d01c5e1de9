// dump.cpp: --dump, the playground without a window (for scripts, tests and CI).

#include "dump.hpp"

#include <chrono>
#include <iostream>

#include "evaluate.hpp"
#include "porchlight/cost.hpp"
#include "proxy_client.hpp"
#include "regression.hpp"
#include "scenario.hpp"

namespace porchlight::playground {

namespace {

constexpr const char* kName = "porchlight-playground: ";

void print(const json& j) {
  std::cout << j.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
}

int bad_input(const std::string& what, const Errors& errors) {
  std::cerr << kName << what << " is not valid:\n" << describe(errors);
  return 2;
}

int dump_scenario(const Policy& policy, const DumpOptions& o) {
  auto scenario = load_scenario(o.scenario_file);
  if (!scenario) return bad_input(o.scenario_file, scenario.errors());
  const Evaluation e = evaluate(scenario.value(), policy);
  json out = to_json(e, scenario.value());
  int status = e.expect_met ? 0 : 1;
  if (!o.send_url.empty()) {
    ProxyClient client;
    client.start(o.send_url, o.secret_key, e.body);
    const SendResult r = client.wait(std::chrono::seconds(120));
    json send = to_json(r);
    if (!r.model.empty()) {
      auto cost = cost_of(r.usage, r.model, policy);
      send["cost"] = cost ? to_json(cost.value()) : json(nullptr);
    }
    out["send"] = send;
    if (r.state != SendResult::State::done) status = 1;
  }
  print(out);
  return status;
}

int dump_folder(const Policy& policy, const DumpOptions& o) {
  std::optional<Baseline> baseline;
  if (!o.baseline_file.empty()) {
    auto loaded = load_baseline(o.baseline_file);
    if (!loaded) return bad_input(o.baseline_file, loaded.errors());
    baseline = std::move(loaded).value();
  }
  auto run = run_folder(o.scenarios_dir, policy, baseline ? &*baseline : nullptr);
  if (!run) return bad_input(o.scenarios_dir, run.errors());
  print(to_json(run.value()));
  // A broken scenario file is bad input, reported after the table so the table still shows
  // which file it was.
  for (const auto& row : run->rows)
    if (row.status == RowStatus::invalid) return bad_input(o.scenarios_dir + "/" + row.file, row.errors);
  if (!o.save_baseline_file.empty()) {
    if (Errors errors = write_text_file(o.save_baseline_file, to_json(baseline_of(run.value())).dump(2) + "\n");
        !errors.empty()) {
      std::cerr << kName << describe(errors);
      return 2;
    }
  }
  if (run->expect_failed > 0) return 1;
  if (o.fail_on_change && (run->changed > 0 || !run->missing.empty())) return 1;
  return 0;
}

}  // namespace

int run_dump(const Policy& policy, const DumpOptions& options) {
  return options.scenario_file.empty() ? dump_folder(policy, options) : dump_scenario(policy, options);
}

}  // namespace porchlight::playground
