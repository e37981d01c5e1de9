// store/profiles.hpp: agent profiles and their sessions (store.profiles()). Error codes and
// threading: store.hpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

// A shared-pool agent is visible from every location it serves; only its home location writes it.
class Profiles {
 public:
  virtual ~Profiles() = default;
  virtual Result<AgentProfile> put(const Scope& s, const AgentProfile& p) = 0;  // create or replace
  virtual Result<std::optional<AgentProfile>> get(const Scope& s, const std::string& id) = 0;
  virtual Result<std::vector<AgentProfile>> list(const Scope& s) = 0;
  virtual Result<bool> remove(const Scope& s, const std::string& id) = 0;  // false: no such profile of its own

  // ---- shared pools: a served location's consent ----
  // A shared-pool profile is visible in a location it serves only while that location accepts
  // the profile's home. `accepted_pools`: the homes location `s` accepts, sorted;
  // `accept_pools` replaces them (store.invalid for an unknown location or `s` itself);
  // `accepting`: which of `locations` accept `s` as a pool's home.
  virtual Result<std::vector<std::string>> accepted_pools(const Scope& s) = 0;
  virtual Result<std::vector<std::string>> accept_pools(const Scope& s, const std::vector<std::string>& homes) = 0;
  virtual Result<std::vector<std::string>> accepting(const Scope& s, const std::vector<std::string>& locations) = 0;

  // ---- sessions ----
  // Create or replace; a replaced session keeps its started_at.
  virtual Result<AgentSession> put_session(const Scope& s, const AgentSession& session) = 0;
  virtual Result<std::optional<AgentSession>> get_session(const Scope& s, const std::string& id) = 0;
};

}  // namespace porchlight::store
