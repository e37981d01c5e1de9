// handlers/access.hpp: what a caller may see, including what its profile grants. Beyond
// auth/visibility.hpp's rules (credentials alone), an agent whose profile has access team_lead
// sees its team's agents' conversations and coaching history, and one with access location_admin
// the whole location's. A browser only: a secret key sees everything already.
#pragma once

#include <map>
#include <string>

#include "app.hpp"

namespace porchlight::proxy {

awaitable<bool> may_see(App& app, const Principal& caller, const store::Conversation& conversation);
// Whether `caller` may read `agent_id`'s coaching history: its own, its team's as a team lead,
// the location's as a location admin.
awaitable<bool> may_see_agent(App& app, const Principal& caller, const std::string& agent_id);

// Whether `caller` may read what spans the location (its experiments and their results): a
// secret key, or a browser whose agent is a team lead or a location admin.
awaitable<bool> may_see_location(App& app, const Principal& caller);

// may_see_agent over the many rows of one answer (usage, analytics): each agent is looked up once.
class VisibleAgents {
 public:
  VisibleAgents(App& app, const Principal& caller) : app_(app), caller_(caller) {}
  awaitable<bool> contains(const std::string& agent_id);

 private:
  App& app_;
  const Principal& caller_;
  std::map<std::string, bool> seen_;
};

}  // namespace porchlight::proxy
