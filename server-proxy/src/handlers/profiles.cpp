// handlers/profiles.cpp: agent profiles and sessions.
//
// Secret keys (the CRM's backend, admins) manage every profile of their location. A browser
// (publishable key + agent token) sees and edits only its own agent's profile.

#include <algorithm>

#include "auth/visibility.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "porchlight/context.hpp"

namespace porchlight::proxy {

namespace {

bool may_touch(const Principal& p, const std::string& agent_id) { return !p.browser() || p.agent_id == agent_id; }

awaitable<void> put_profile(App& app, Exchange& ex, const Principal& p, const std::string* path_id) {
  auto body = co_await read_json_body(app, ex);
  if (!body) co_return;
  json& j = *body;
  if (path_id) {
    if (j.contains("id") && j["id"] != *path_id) {
      co_await app.fail(ex, ApiError::from_code("profile.invalid_id", "profile.id: must match the URL (" + *path_id + ")"));
      co_return;
    }
    j["id"] = *path_id;
  }
  if (j.contains("location_id") && j["location_id"] != p.scope.location_id) {
    co_await app.fail(ex, ApiError::from_code("auth.cross_location", "profile.location_id: this key belongs to another location"));
    co_return;
  }
  j["location_id"] = p.scope.location_id;
  auto profile = profile_from_json(j);
  if (!profile) {
    co_await app.fail(ex, profile.errors());
    co_return;
  }
  if (!may_touch(p, profile->id)) {
    co_await app.fail(ex, ApiError::from_code("auth.not_your_profile", "a browser may only edit its own agent's profile"));
    co_return;
  }
  AgentProfile wanted = profile.value();
  // Serving another location puts this profile in that location's roster and prompts: that
  // location must accept this one's pools first (its settings' shared_pool_from).
  std::vector<std::string> elsewhere;
  for (const auto& served : wanted.served_locations)
    if (served != p.scope.location_id) elsewhere.push_back(served);
  if (!elsewhere.empty()) {
    auto query_consent = [&app, scope = p.scope, elsewhere] { return app.store().profiles().accepting(scope, elsewhere); };
    auto accepting = co_await app.blocking(query_consent);
    if (!accepting) { co_await app.fail(ex, accepting.errors()); co_return; }
    for (const auto& served : elsewhere)
      if (std::find(accepting.value().begin(), accepting.value().end(), served) == accepting.value().end()) {
        co_await app.fail(ex, ApiError::from_code("auth.cross_location",
                                                  "profile.served_locations: location " + served + " has not accepted this "
                                                  "location's shared-pool agents (its settings' shared_pool_from)"));
        co_return;
      }
  }
  if (!path_id || p.browser()) {
    auto query_1 = [&app, scope = p.scope, id = wanted.id] { return app.store().profiles().get(scope, id); };
    auto existing = co_await app.blocking(query_1);
    if (!existing) { co_await app.fail(ex, existing.errors()); co_return; }
    if (!path_id && existing.value()) {  // POST creates: an existing id is a conflict
      co_await app.fail(ex, ApiError::from_code("store.conflict", "a profile with id " + wanted.id + " exists; PUT to replace it"));
      co_return;
    }
    // What the agent may see and whom it serves are the location's to grant (a secret key, the
    // dashboard), never the agent's own token's: a browser keeps what is stored (or the defaults).
    if (p.browser()) {
      const AgentProfile granted = existing.value() ? *existing.value() : AgentProfile{};
      // Absent: kept. Present: only as granted (a client may send back the whole profile it read).
      if ((j.contains("access") && wanted.access != granted.access) || (j.contains("team_id") && wanted.team_id != granted.team_id) ||
          (j.contains("shared_pool") && wanted.shared_pool != granted.shared_pool) ||
          (j.contains("served_locations") && wanted.served_locations != granted.served_locations)) {
        co_await app.fail(ex, ApiError::from_code("auth.not_your_profile",
                                                  "a browser may not change its access, team_id, shared_pool or served_locations; "
                                                  "the location sets them with a secret key or the dashboard"));
        co_return;
      }
      wanted.access = granted.access;
      wanted.team_id = granted.team_id;
      wanted.shared_pool = granted.shared_pool;
      wanted.served_locations = granted.served_locations;
    }
  }
  auto query_2 = [&app, scope = p.scope, prof = std::move(wanted)] { return app.store().profiles().put(scope, prof); };
  auto saved = co_await app.blocking(query_2);
  if (!saved) { co_await app.fail(ex, saved.errors()); co_return; }
  co_await app.send_json(ex, path_id ? 200 : 201, porchlight::to_json(saved.value()));
}

}  // namespace

awaitable<void> list_profiles(App& app, Exchange& ex, const Principal& p) {
  auto query_3 = [&app, scope = p.scope] { return app.store().profiles().list(scope); };
  auto list = co_await app.blocking(query_3);
  if (!list) { co_await app.fail(ex, list.errors()); co_return; }
  json out = json::array();
  for (const auto& prof : list.value())
    if (may_touch(p, prof.id)) out.push_back(porchlight::to_json(prof));
  co_await app.send_json(ex, 200, JSON_OBJ({{"data", out}}));
}

awaitable<void> create_profile(App& app, Exchange& ex, const Principal& p) {
  co_await put_profile(app, ex, p, nullptr);
}

awaitable<void> get_profile(App& app, Exchange& ex, const Principal& p) {
  const std::string id = ex.params[0];
  std::optional<AgentProfile> found;
  if (may_touch(p, id)) {
    auto query_4 = [&app, scope = p.scope, id] { return app.store().profiles().get(scope, id); };
    auto got = co_await app.blocking(query_4);
    if (!got) { co_await app.fail(ex, got.errors()); co_return; }
    found = got.value();
  }
  if (!found) { co_await app.fail(ex, ApiError::from_code("not_found", "no profile " + id + " in this location")); co_return; }
  co_await app.send_json(ex, 200, porchlight::to_json(*found));
}

awaitable<void> replace_profile(App& app, Exchange& ex, const Principal& p) {
  const std::string id = ex.params[0];
  co_await put_profile(app, ex, p, &id);
}

awaitable<void> delete_profile(App& app, Exchange& ex, const Principal& p) {
  const std::string id = ex.params[0];
  auto query_5 = [&app, scope = p.scope, id] { return app.store().profiles().remove(scope, id); };
  auto deleted = co_await app.blocking(query_5);
  if (!deleted) { co_await app.fail(ex, deleted.errors()); co_return; }
  if (!deleted.value()) { co_await app.fail(ex, ApiError::from_code("not_found", "no profile " + id + " in this location")); co_return; }
  co_await app.send_json(ex, 200, JSON_OBJ({{"id", id}, {"deleted", true}}));
}

// Sessions: one per agent and surface visit; the conversation id ties surfaces together.
awaitable<void> create_session(App& app, Exchange& ex, const Principal& p) {
  auto body = co_await read_json_body(app, ex);
  if (!body) co_return;
  json& j = *body;
  if (!j.contains("id")) j["id"] = new_id("ses_");
  j["location_id"] = p.scope.location_id;
  if (p.browser()) j["agent_id"] = p.agent_id;
  auto lead_id = lead_for(p, j.contains("lead_id") && j["lead_id"].is_string() ? j["lead_id"].get<std::string>() : "");
  if (!lead_id) { co_await app.fail(ex, lead_id.errors()); co_return; }
  if (!lead_id->empty()) j["lead_id"] = lead_id.value();
  if (!j.contains("conversation_id") && j.contains("lead_id") && j["lead_id"].is_string())
    j["conversation_id"] = conversation_id(p.scope.location_id, j["lead_id"].get<std::string>());
  const std::string now = now_rfc3339();
  if (!j.contains("started_at")) j["started_at"] = now;
  j["last_active_at"] = now;
  auto session = session_from_json(j);
  if (!session) { co_await app.fail(ex, session.errors()); co_return; }
  if (!may_touch(p, session->agent_id)) {
    co_await app.fail(ex, ApiError::from_code("auth.not_your_profile", "a browser may only open its own agent's sessions"));
    co_return;
  }
  auto query_10 = [&app, scope = p.scope, s = session.value()] { return app.store().profiles().put_session(scope, s); };
  auto saved = co_await app.blocking(query_10);
  if (!saved) { co_await app.fail(ex, saved.errors()); co_return; }
  co_await app.send_json(ex, 201, porchlight::to_json(saved.value()));
}

awaitable<void> get_session(App& app, Exchange& ex, const Principal& p) {
  const std::string id = ex.params[0];
  auto query_11 = [&app, scope = p.scope, id] { return app.store().profiles().get_session(scope, id); };
  auto got = co_await app.blocking(query_11);
  if (!got) { co_await app.fail(ex, got.errors()); co_return; }
  if (!got.value() || !may_see(p, *got.value())) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no session " + id + " in this location"));
    co_return;
  }
  co_await app.send_json(ex, 200, porchlight::to_json(*got.value()));
}

}  // namespace porchlight::proxy
