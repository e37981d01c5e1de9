// store/live_cards.hpp: guidance cards waiting for an agent's live socket (store.live_cards()).
// Error codes and threading: store.hpp.
#pragma once

#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class LiveCards {
 public:
  virtual ~LiveCards() = default;
  // Stores the card; false (and nothing written) when a card with its id is there already.
  virtual Result<bool> put(const Scope& s, const LiveCard& card) = 0;
  virtual Result<std::optional<LiveCard>> get(const Scope& s, const std::string& id) = 0;
  // The agent's cards not yet delivered and not expired at `now`, oldest first (at most 100).
  virtual Result<std::vector<LiveCard>> waiting(const Scope& s, const std::string& agent_id, const std::string& now) = 0;
  // Marks the agent's cards delivered (the agent's client acknowledged them); ids of other agents'
  // cards change nothing.
  virtual Result<Done> mark_delivered(const Scope& s, const std::string& agent_id, const std::vector<std::string>& ids) = 0;
};

}  // namespace porchlight::store
