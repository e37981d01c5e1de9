// ghl/sign_in.cpp: keys and profiles for sign-in from GoHighLevel (ghl/sign_in.hpp).

#include "ghl/sign_in.hpp"

#include <algorithm>

#include "auth/credentials.hpp"
#include "auth/scopes.hpp"

namespace porchlight::proxy::ghl {

Result<SignInKeys> prepare_sign_in(store::Store& store, const Config& config, store::GhlLink link,
                                   const std::string& agent_id, const std::string& user_name, const std::string& ghl_role) {
  const store::Scope scope{link.location_id};
  std::optional<store::GhlLink> new_link;
  auto location = store.admin().find_location(link.location_id);
  if (!location) return location.errors();
  if (!location.value()) return Error{"ghl.unknown_location", "the linked location does not exist", "location_id"};

  if (link.publishable_key.empty()) {
    const NewApiKey made = generate_api_key(store::KeyKind::publishable);
    auto scopes = scopes_for_new_key(store::KeyKind::publishable, {});
    if (!scopes) return scopes.errors();
    store::ApiKey k;
    k.location_id = link.location_id;
    k.kind = store::KeyKind::publishable;
    k.prefix = made.prefix;
    k.key_hash = made.hash;
    k.scopes = scopes.value();
    k.allowed_origins = config.ghl_origins;
    auto created = store.admin().create_api_key(k);
    if (!created) return created.errors();
    link.publishable_key = made.key;
    new_link = link;
  }

  auto profile = store.profiles().get(scope, agent_id);
  if (!profile) return profile.errors();
  if (!profile.value()) {
    AgentProfile p;
    p.id = agent_id;
    p.location_id = link.location_id;
    p.name = user_name.empty() ? "GoHighLevel user " + agent_id : user_name.substr(0, 100);
    // A location's GoHighLevel admin administers it here too; everyone else starts as an agent.
    p.access = ghl_role == "admin" ? AccessRole::location_admin : AccessRole::agent;
    auto put = store.profiles().put(scope, p);
    if (!put) return put.errors();
  }
  return SignInKeys{link.publishable_key, location.value()->agent_token_secret, new_link};
}

bool origin_allowed(const Config& config, std::string_view origin) {
  return !origin.empty() && std::find(config.ghl_origins.begin(), config.ghl_origins.end(), origin) != config.ghl_origins.end();
}

}  // namespace porchlight::proxy::ghl
