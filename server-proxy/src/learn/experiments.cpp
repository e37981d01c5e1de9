// learn/experiments.cpp: experiments as data, a turn's variant, what /v1/policy publishes, and
// re-evaluation from recorded results (learn/experiments.hpp).

#include "learn/experiments.hpp"

#include <algorithm>
#include <cstdio>

#include "porchlight/json_input.hpp"

namespace porchlight::proxy::learning {

namespace {

using json_input::FieldReader;
using json_input::Need;

json allocation_json(const std::vector<learn::Share>& shares) {
  json out = json::array();
  for (const auto& s : shares) out.push_back({{"variant", s.variant}, {"share", s.share}});
  return out;
}

// The variants that get no traffic under an allocation (stopped by the kill switch, or retired).
std::vector<std::string> starved(const json& allocation) {
  std::vector<std::string> out;
  if (!allocation.is_array()) return out;
  for (const auto& s : allocation)
    if (s.is_object() && s.value("share", 1.0) <= 0) out.push_back(s.value("variant", ""));
  return out;
}

// Stopped without a winner, or a row from before experiments were data: not published, and no
// turn is marked with it (an experiment after it on the same guidance type may run).
bool retired(const store::Experiment& row) {
  return (row.status == "stopped" && row.winner.empty()) || row.definition == "{}";
}

// The experiments in force, in the order a turn looks for one that applies (the proxy here, the
// widget over what /v1/policy publishes in the same order): running and paused ones first, then
// those stopped with their winner adopted, each group by id. So a new experiment on a guidance
// type runs even where an older one's winner was adopted.
std::vector<const store::Experiment*> in_force(const std::vector<store::Experiment>& rows) {
  std::vector<const store::Experiment*> out;
  for (const auto& row : rows)
    if (!retired(row) && row.status != "stopped") out.push_back(&row);
  for (const auto& row : rows)
    if (!retired(row) && row.status == "stopped") out.push_back(&row);
  return out;
}

}  // namespace

Result<Definition> read_definition(const json& j) {
  if (!j.is_object()) return Errors{{"experiment.invalid_type", "experiment: expected an object", "experiment"}};
  Definition d;
  json core = j;
  Errors errors;
  {
    FieldReader r(core, "experiment", "experiment", errors);
    if (auto name = r.string("name", Need::optional, 200, true)) d.name = *name;
    core.erase("name");
  }
  if (core.contains("variants") && core["variants"].is_array()) {
    for (std::size_t i = 0; i < core["variants"].size(); ++i) {
      json& v = core["variants"][i];
      if (!v.is_object()) continue;
      const std::string path = "experiment.variants[" + std::to_string(i) + "]";
      Treatment t;
      FieldReader r(v, "experiment", path, errors);
      t.tier = r.enumeration<ModelTier>("tier", Need::optional);
      if (auto a = r.string("approach", Need::optional, 2000, true)) t.approach = *a;
      v.erase("tier");
      v.erase("approach");
      if (v.contains("id") && v["id"].is_string() && (t.tier || !t.approach.empty()))
        d.treatments[v["id"].get<std::string>()] = t;
    }
  }
  auto e = learn::experiment_from_json(core);
  if (!e) errors.insert(errors.end(), e.errors().begin(), e.errors().end());
  if (!errors.empty()) return errors;
  d.experiment = std::move(e).value();
  if (d.name.empty()) d.name = d.experiment.id;
  return d;
}

Result<Definition> published(const store::Experiment& row) {
  json j = json::parse(row.definition, nullptr, false);
  if (!j.is_object()) return Errors{{"store.internal", "experiment " + row.id + ": its stored definition is not JSON", ""}};
  j["status"] = row.status;
  j["winner"] = row.winner;
  if (row.winner.empty()) j.erase("winner");
  j["allocation"] = json::parse(row.allocation, nullptr, false);
  if (!j["allocation"].is_array()) j["allocation"] = json::array();
  return read_definition(j);
}

std::optional<Assignment> assign_turn(const std::vector<store::Experiment>& rows, GuidanceType type, AgentRole role,
                                      const std::string& agent_id) {
  for (const store::Experiment* r : in_force(rows)) {
    const store::Experiment& row = *r;
    auto d = published(row);
    if (!d || !learn::applies(d->experiment, type, role)) continue;
    Assignment a;
    a.experiment_id = row.id;
    a.variant = learn::assign(d->experiment, agent_id);
    a.trial = d->experiment.status == learn::ExperimentStatus::running;
    if (auto t = d->treatments.find(a.variant); t != d->treatments.end()) a.treatment = t->second;
    return a;
  }
  return std::nullopt;
}

PublishedPolicy publish(const std::vector<store::Experiment>& rows, const std::string& policy_version) {
  PublishedPolicy p;
  for (const store::Experiment* row : in_force(rows))
    if (auto d = published(*row)) p.experiments.push_back(learn::to_json(d->experiment));
  if (p.experiments.empty()) {
    p.version = policy_version;
    return p;
  }
  char hash[17];
  std::snprintf(hash, sizeof hash, "%016llx",
                static_cast<unsigned long long>(learn::stable_hash(p.experiments.dump())));
  p.version = policy_version + "+x" + std::string(hash, 12);
  return p;
}

std::vector<learn::ArmCounts> counts_of(const std::vector<store::VariantResults>& results) {
  std::vector<learn::ArmCounts> out;
  for (const auto& r : results) out.push_back({r.variant, r.trials, r.successes});
  return out;
}

Result<Refreshed> refresh(store::Store& store, const store::Scope& scope, const std::string& experiment_id) {
  auto row = store.experiments().get(scope, experiment_id);
  if (!row) return row.errors();
  if (!row.value()) return Errors{{"not_found", "no experiment " + experiment_id + " in this location", "experiment_id"}};
  auto d = published(*row.value());
  if (!d) return d.errors();
  auto results = store.experiments().results(scope, experiment_id);
  if (!results) return results.errors();
  Refreshed out;
  // Events of variants the experiment no longer has (it was replaced) are not its results.
  std::erase_if(results.value(), [&](const store::VariantResults& r) {
    return std::none_of(d->experiment.variants.begin(), d->experiment.variants.end(),
                        [&](const learn::Variant& v) { return v.id == r.variant; });
  });
  out.results = results.value();
  auto ev = learn::evaluate(d->experiment, counts_of(out.results));
  if (!ev) return ev.errors();
  out.evaluation = std::move(ev).value();
  const store::Experiment& stored = *row.value();
  if (stored.status != "running") return out;  // paused and stopped experiments keep their state
  const json allocation = allocation_json(learn::shares_of(out.evaluation));
  const bool decided = out.evaluation.winner != stored.winner;
  const bool stopped_arm = starved(allocation) != starved(json::parse(stored.allocation, nullptr, false));
  const bool moved = out.evaluation.decision != "warming_up" &&
                     out.evaluation.total_trials - stored.published_trials >= kRepublishEvery;
  if (!decided && !stopped_arm && !moved) return out;
  // Only over the state read: a stop, a pause or another evaluation meanwhile wins.
  auto saved = store.experiments().publish(scope, stored, out.evaluation.winner, allocation.dump(), out.evaluation.total_trials);
  if (!saved) return saved.errors();
  out.published = saved.value();
  return out;
}

}  // namespace porchlight::proxy::learning
