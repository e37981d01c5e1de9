// handlers/access.hpp: what a caller may see, including what its profile grants. Beyond
// auth/visibility.hpp's rules (credentials alone), an agent whose profile has access team_lead
// sees its team's agents' conversations and coaching history, and one with access location_admin
// the whole location's. A browser only: a secret key sees everything already.
#pragma once

#include <string>

#include "app.hpp"

namespace porchlight::proxy {

awaitable<bool> may_see(App& app, const Principal& caller, const store::Conversation& conversation);
// Whether `caller` may read `agent_id`'s coaching history: its own, its team's as a team lead,
// the location's as a location admin.
awaitable<bool> may_see_agent(App& app, const Principal& caller, const std::string& agent_id);

}  // namespace porchlight::proxy
