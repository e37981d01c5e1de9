// handlers/access.cpp: what a caller's profile adds to what its credentials let it see.

#include "handlers/access.hpp"

#include <optional>

#include "auth/visibility.hpp"

namespace porchlight::proxy {

namespace {
awaitable<std::optional<AgentProfile>> profile_of(App& app, const store::Scope& scope, const std::string& id) {
  auto query = [&app, scope, id] { return app.store().profiles().get(scope, id); };
  auto found = co_await app.blocking(query);
  if (!found || !found.value()) co_return std::nullopt;
  co_return *found.value();
}
}  // namespace

awaitable<bool> may_see_agent(App& app, const Principal& p, const std::string& agent_id) {
  if (!p.browser() || agent_id == p.agent_id) co_return true;
  const auto viewer = co_await profile_of(app, p.scope, p.agent_id);
  if (!viewer || viewer->access == AccessRole::agent) co_return false;
  if (viewer->access == AccessRole::location_admin) co_return true;
  const auto agent = co_await profile_of(app, p.scope, agent_id);  // a team lead: its team's
  co_return agent && !viewer->team_id.empty() && agent->team_id == viewer->team_id;
}

awaitable<bool> may_see_location(App& app, const Principal& p) {
  if (!p.browser()) co_return true;
  const auto viewer = co_await profile_of(app, p.scope, p.agent_id);
  co_return viewer && viewer->access != AccessRole::agent;
}

awaitable<bool> VisibleAgents::contains(const std::string& agent_id) {
  if (!caller_.browser()) co_return true;
  auto seen = seen_.find(agent_id);
  if (seen == seen_.end()) seen = seen_.emplace(agent_id, co_await may_see_agent(app_, caller_, agent_id)).first;
  co_return seen->second;
}

awaitable<bool> may_see(App& app, const Principal& p, const store::Conversation& c) {
  if (may_see(p, c)) co_return true;
  // A token bound to one lead stays bound to it, whatever its agent's access.
  if (!p.claims.lead_id.empty()) co_return false;
  co_return co_await may_see_agent(app, p, c.agent_id);
}

}  // namespace porchlight::proxy
