// store/experiments.hpp: experiments and their sticky assignments (store.experiments()). Error
// codes and threading: store.hpp.
#pragma once

#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class Experiments {
 public:
  virtual ~Experiments() = default;
  virtual Result<Done> put(const Scope& s, const Experiment& e) = 0;  // create or replace; assignments stay
  virtual Result<std::vector<Experiment>> list(const Scope& s) = 0;
  // The stored arm for (experiment, agent), assigning `variant` first if there is none yet.
  virtual Result<std::string> assign(const Scope& s, const std::string& experiment_id,
                                     const std::string& agent_id, const std::string& variant) = 0;
};

}  // namespace porchlight::store
