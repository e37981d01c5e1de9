// learn/experiments.hpp: the proxy's half of the learning loop (docs/learning.md). Experiments
// are stored as data: the core's experiment JSON, each variant with what it changes in a
// coaching request. This file reads that data, picks the variant of a turn with the core's
// deterministic assignment, publishes the state the browser follows, and re-evaluates an
// experiment from its recorded results with the core's sequential test. No I/O here except
// `refresh`, which takes the store and runs on the worker pool.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "porchlight/learn.hpp"
#include "store/store.hpp"

namespace porchlight::proxy::learning {

// What a variant changes in the request. A playbook version is an approach too: its text.
struct Treatment {
  std::optional<ModelTier> tier;  // answer on this tier (unless the caller forced one)
  std::string approach;           // an instruction added to the system prompt ("acknowledge, then reframe")
};

struct Definition {
  learn::Experiment experiment;                // as the core reads it
  std::string name;
  std::map<std::string, Treatment> treatments;  // by variant id; absent: the request is unchanged
};

// Reads an experiment's definition: the core's fields, plus optional "name" and, per variant,
// "tier" and "approach". Errors are the core's experiment.* codes.
Result<Definition> read_definition(const json& j);

// The experiment as published: its definition with the status, winner and allocation stored last.
Result<Definition> published(const store::Experiment& row);

// The variant of one coaching turn: the first experiment in force, in published order, that
// applies to the turn's guidance type and the agent's role; nullopt when none does. A paused one
// gives the control, a stopped one its adopted winner.
struct Assignment {
  std::string experiment_id;
  std::string variant;
  Treatment treatment;
  // The turn is one of the experiment's results: it is running. A paused one's control turns and a
  // stopped one's adopted winner are served but not counted (they would bias the arms).
  bool trial = true;
};
std::optional<Assignment> assign_turn(const std::vector<store::Experiment>& rows, GuidanceType type, AgentRole role,
                                      const std::string& agent_id);

// What /v1/policy publishes for a location: each experiment as the core reads it (running and
// paused ones by id, then those stopped with a winner: the order a turn looks for one that
// applies; not those stopped without a winner),
// and a version that changes whenever any of them does: "<policy version>+x<hash>" (the policy's
// own when the location has none).
struct PublishedPolicy {
  json experiments = json::array();
  std::string version;
};
PublishedPolicy publish(const std::vector<store::Experiment>& rows, const std::string& policy_version);

// The core's counts from the store's results: rated results and those rated helpful.
std::vector<learn::ArmCounts> counts_of(const std::vector<store::VariantResults>& results);

// Evaluates the experiment from its recorded results and stores the new state when it changed:
// a winner, a variant stopped, or kRepublishEvery more rated results since the split last moved
// (so the policy version does not change with every rating). Returns the evaluation, with
// `published` saying whether the stored state changed.
inline constexpr std::int64_t kRepublishEvery = 100;
struct Refreshed {
  learn::Evaluation evaluation;
  std::vector<store::VariantResults> results;
  bool published = false;
};
Result<Refreshed> refresh(store::Store& store, const store::Scope& scope, const std::string& experiment_id);

}  // namespace porchlight::proxy::learning
