// regression.cpp: the regression view's data: a folder run, baseline files, and the comparison.

#include "regression.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

#include "evaluate.hpp"
#include "porchlight/json_input.hpp"

namespace porchlight::playground {

namespace {

constexpr std::size_t kMaxScenarios = 2000;

std::string format_confidence(double c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", c);
  return buf;
}

Decision decision_of(const Evaluation& e) {
  const RouteDecision& r = e.built.route;
  return {std::string(porchlight::name_of(r.specialist)), std::string(porchlight::name_of(r.tier)),
          r.model, r.confidence, r.estimated_input_tokens};
}

std::vector<Change> compare(const Decision& was, const Decision& now) {
  std::vector<Change> out;
  if (was.specialist != now.specialist) out.push_back({"specialist", was.specialist, now.specialist, true});
  if (was.tier != now.tier) out.push_back({"tier", was.tier, now.tier, true});
  if (was.model != now.model) out.push_back({"model", was.model, now.model, true});
  // Confidence has two decimals; compare at that precision so float noise is not a change.
  if (std::lround(was.confidence * 100) != std::lround(now.confidence * 100))
    out.push_back({"confidence", format_confidence(was.confidence), format_confidence(now.confidence), false});
  if (was.input_tokens != now.input_tokens)
    out.push_back({"input_tokens", std::to_string(was.input_tokens), std::to_string(now.input_tokens), false});
  return out;
}

json to_json(const Decision& d) {
  return {{"specialist", d.specialist}, {"tier", d.tier}, {"model", d.model},
          {"confidence", d.confidence}, {"input_tokens", d.input_tokens}};
}

json errors_json(const Errors& errors) {
  json out = json::array();
  for (const auto& e : errors) out.push_back({{"code", e.code}, {"message", e.message}, {"path", e.path}});
  return out;
}

}  // namespace

std::string_view status_name(RowStatus s) {
  switch (s) {
    case RowStatus::same: return "same";
    case RowStatus::changed: return "changed";
    case RowStatus::added: return "new";
    case RowStatus::invalid: return "invalid";
  }
  return "invalid";
}

Result<RegressionRun> run_folder(const std::filesystem::path& dir, const Policy& policy,
                                 const Baseline* baseline) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return Error{"scenarios.cannot_read", dir.string() + " is not a folder of scenario files", dir.string()};
  std::vector<fs::path> files;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file() && it->path().extension() == ".json") files.push_back(it->path());
  if (ec) return Error{"scenarios.cannot_read", "cannot list " + dir.string() + ": " + ec.message(), dir.string()};
  if (files.size() > kMaxScenarios)
    return Error{"scenarios.too_many",
                 dir.string() + " holds " + std::to_string(files.size()) +
                     " scenario files; the limit is " + std::to_string(kMaxScenarios),
                 dir.string()};
  std::sort(files.begin(), files.end());

  RegressionRun run;
  run.folder = dir.string();
  run.policy_version = policy.version();
  run.has_baseline = baseline != nullptr;
  std::set<std::string> seen;
  for (const auto& file : files) {
    RegressionRow row;
    row.file = file.filename().string();
    auto scenario = load_scenario(file);
    if (!scenario) {
      row.name = file.stem().string();
      row.status = RowStatus::invalid;
      row.errors = scenario.errors();
      ++run.invalid;
      run.rows.push_back(std::move(row));
      continue;
    }
    row.name = scenario->name;
    if (!seen.insert(row.name).second) {
      row.status = RowStatus::invalid;
      row.errors.push_back({"scenarios.duplicate_name",
                            "another file in the folder already uses the name " + json_input::in_quotes(row.name) +
                                "; baselines are keyed by name, so names must be unique", row.file});
      ++run.invalid;
      run.rows.push_back(std::move(row));
      continue;
    }
    const Evaluation e = evaluate(scenario.value(), policy);
    row.now = decision_of(e);
    row.expect = scenario->expect;
    row.expect_failures = e.expect_failures;
    if (!e.expect_met) ++run.expect_failed;
    if (baseline) {
      if (auto it = baseline->find(row.name); it != baseline->end()) {
        row.baseline = it->second;
        row.changes = compare(it->second, row.now);
      }
    }
    row.status = !row.baseline ? RowStatus::added
                 : row.changes.empty() ? RowStatus::same : RowStatus::changed;
    if (row.status == RowStatus::changed) ++run.changed;
    if (row.status == RowStatus::added) ++run.added;
    run.rows.push_back(std::move(row));
  }
  if (baseline)
    for (const auto& [name, d] : *baseline)
      if (!seen.count(name)) run.missing.push_back(name);
  return run;
}

json to_json(const RegressionRun& run) {
  json rows = json::array();
  for (const auto& row : run.rows) {
    json r{{"file", row.file}, {"name", row.name}, {"status", status_name(row.status)}};
    if (row.status == RowStatus::invalid) {
      r["errors"] = errors_json(row.errors);
      rows.push_back(r);
      continue;
    }
    r["now"] = to_json(row.now);
    r["baseline"] = row.baseline ? to_json(*row.baseline) : json(nullptr);
    json changes = json::array();
    for (const auto& c : row.changes)
      changes.push_back({{"field", c.field}, {"was", c.was}, {"now", c.now}, {"decision", c.decision}});
    r["changes"] = changes;
    if (row.expect) {
      json e{{"met", row.expect_failures.empty()}, {"failures", row.expect_failures}};
      if (row.expect->specialist) e["specialist"] = porchlight::name_of(*row.expect->specialist);
      if (row.expect->tier) e["tier"] = porchlight::name_of(*row.expect->tier);
      r["expect"] = e;
    } else {
      r["expect"] = nullptr;
    }
    rows.push_back(r);
  }
  return json{{"folder", run.folder},
              {"policy_version", run.policy_version},
              {"has_baseline", run.has_baseline},
              {"rows", rows},
              {"missing", run.missing},
              {"summary",
               {{"scenarios", run.rows.size()},
                {"changed", run.changed},
                {"new", run.added},
                {"missing", run.missing.size()},
                {"invalid", run.invalid},
                {"expect_failed", run.expect_failed}}}};
}

Result<Baseline> load_baseline(const std::filesystem::path& file) {
  auto text = read_text_file(file, 16u << 20);
  if (!text) return text.errors();
  json_input::ParseLimits limits;
  limits.max_bytes = 16u << 20;
  auto parsed = json_input::parse_untrusted(text.value(), limits);
  if (!parsed) {
    Errors errors = parsed.errors();
    for (auto& e : errors) e.message = file.string() + ": " + e.message;
    return errors;
  }
  const json& j = parsed.value();
  if (!j.is_object())
    return Error{"baseline.not_object",
                 file.string() + ": a baseline is a JSON object of scenario name -> decision, got " +
                     std::string(json_input::type_name(j)),
                 ""};
  Errors errors;
  Baseline out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    json_input::FieldReader r(it.value(), "baseline", it.key(), errors);
    if (!r.valid()) continue;
    r.reject_unknown({"specialist", "tier", "model", "confidence", "input_tokens"});
    Decision d;
    if (auto v = r.string("specialist", json_input::Need::required, 64)) d.specialist = *v;
    if (auto v = r.string("tier", json_input::Need::required, 16)) d.tier = *v;
    if (auto v = r.string("model", json_input::Need::optional, 100)) d.model = *v;
    if (auto v = r.number("confidence", json_input::Need::optional, 0, 1)) d.confidence = *v;
    if (auto v = r.integer("input_tokens", json_input::Need::optional, 0, 100'000'000)) d.input_tokens = *v;
    out[it.key()] = d;
  }
  if (!errors.empty()) return errors;
  return out;
}

json to_json(const Baseline& baseline) {
  json out = json::object();
  for (const auto& [name, d] : baseline) out[name] = to_json(d);
  return out;
}

Baseline baseline_of(const RegressionRun& run) {
  Baseline out;
  for (const auto& row : run.rows)
    if (row.status != RowStatus::invalid) out[row.name] = row.now;
  return out;
}

}  // namespace porchlight::playground
