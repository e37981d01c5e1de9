// regression.hpp: runs a folder of scenarios and compares each decision with a saved baseline,
// so an edit to the playbooks or routing rules shows which decisions it changed.
//
// A baseline file is a JSON object: scenario name -> {"specialist", "tier", "model",
// "confidence", "input_tokens"}.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "porchlight/error.hpp"
#include "porchlight/policy.hpp"
#include "scenario.hpp"

namespace porchlight::playground {

struct Decision {
  std::string specialist;
  std::string tier;
  std::string model;
  double confidence = 0;
  std::int64_t input_tokens = 0;
};

using Baseline = std::map<std::string, Decision>;

struct Change {
  std::string field;  // specialist, tier, model, confidence, input_tokens
  std::string was;
  std::string now;
  bool decision = false;  // specialist, tier or model: what the agent gets changed
};

enum class RowStatus { same, changed, added, invalid };  // added: not in the baseline

struct RegressionRow {
  std::string file;  // relative to the folder
  std::string name;
  RowStatus status = RowStatus::same;
  Errors errors;                  // status invalid: why the scenario did not load
  Decision now;
  std::optional<Decision> baseline;
  std::vector<Change> changes;
  std::optional<Expectation> expect;
  std::vector<std::string> expect_failures;
};

struct RegressionRun {
  std::string folder;
  std::string policy_version;
  bool has_baseline = false;
  std::vector<RegressionRow> rows;        // sorted by file name
  std::vector<std::string> missing;       // in the baseline, not in the folder
  int changed = 0, added = 0, invalid = 0, expect_failed = 0;
};

// Errors only when the folder cannot be listed; a bad scenario becomes an `invalid` row.
Result<RegressionRun> run_folder(const std::filesystem::path& dir, const Policy& policy,
                                 const Baseline* baseline);
json to_json(const RegressionRun& run);
std::string_view status_name(RowStatus status);

Result<Baseline> load_baseline(const std::filesystem::path& file);
json to_json(const Baseline& baseline);
Baseline baseline_of(const RegressionRun& run);  // the valid rows' decisions

}  // namespace porchlight::playground
