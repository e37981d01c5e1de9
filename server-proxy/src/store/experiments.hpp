// store/experiments.hpp: experiments and their sticky assignments (store.experiments()). Error
// codes and threading: store.hpp.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class Experiments {
 public:
  virtual ~Experiments() = default;
  virtual Result<Done> put(const Scope& s, const Experiment& e) = 0;  // create or replace; assignments stay
  virtual Result<bool> create(const Scope& s, const Experiment& e) = 0;  // false (nothing written) when its id exists
  virtual Result<std::vector<Experiment>> list(const Scope& s) = 0;
  virtual Result<std::optional<Experiment>> get(const Scope& s, const std::string& id) = 0;
  // Stores what an evaluation of `was` (the experiment as read) decided: its winner, allocation
  // and the results it counted. A compare-and-set: false, and nothing written, when there is no
  // such experiment or its state changed since `was` was read (it was stopped or paused, or
  // another evaluation published first), so a late evaluation never undoes either.
  virtual Result<bool> publish(const Scope& s, const Experiment& was, const std::string& winner,
                               const std::string& allocation, std::int64_t published_trials) = 0;
  // Sets the status alone (running, paused, stopped; the published state stays); false when there
  // is no such experiment.
  virtual Result<bool> set_status(const Scope& s, const std::string& id, const std::string& status) = 0;
  // Its results per variant, from the coaching events its variants shaped (approach_variant of the
  // events recorded with this experiment_id), by variant id; variants with no events are absent.
  virtual Result<std::vector<VariantResults>> results(const Scope& s, const std::string& id) = 0;
  // The stored arm for (experiment, agent), assigning `variant` first if there is none yet.
  virtual Result<std::string> assign(const Scope& s, const std::string& experiment_id,
                                     const std::string& agent_id, const std::string& variant) = 0;
};

}  // namespace porchlight::store
