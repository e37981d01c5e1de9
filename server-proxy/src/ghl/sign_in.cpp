// ghl/sign_in.cpp: keys and profiles for sign-in from GoHighLevel (ghl/sign_in.hpp).

#include "ghl/sign_in.hpp"

#include <algorithm>
#include <utility>

#include "auth/credentials.hpp"
#include "auth/scopes.hpp"

namespace porchlight::proxy::ghl {

Result<bool> revoke_link_key(store::Store& store, const std::string& publishable_key) {
  auto key = store.admin().find_api_key_by_hash(hash_api_key(publishable_key));
  if (!key) return key.errors();
  if (!key.value() || key.value()->revoked_at) return false;
  return store.admin().revoke_api_key(key.value()->id);
}

Result<SignInKeys> prepare_sign_in(store::Store& store, const Config& config, store::GhlLink link,
                                   const std::string& agent_id, const std::string& user_name, const std::string& ghl_role) {
  const store::Scope scope{link.location_id};
  std::optional<store::GhlLink> new_link;
  auto location = store.admin().find_location(link.location_id);
  if (!location) return location.errors();
  if (!location.value()) return Error{"ghl.unknown_location", "the linked location does not exist", "location_id"};

  // The key the widget uses must take the origins configured now (a white-label domain added
  // since it was made): a key made with other origins is replaced, and the old one revoked.
  std::string stale_key;
  if (!link.publishable_key.empty()) {
    auto current = store.admin().find_api_key_by_hash(hash_api_key(link.publishable_key));
    if (!current) return current.errors();
    auto sorted = [](std::vector<std::string> v) {
      std::sort(v.begin(), v.end());
      return v;
    };
    if (!current.value() || current.value()->revoked_at || sorted(current.value()->allowed_origins) != sorted(config.ghl_origins)) {
      stale_key = std::exchange(link.publishable_key, {});
    }
  }
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
  if (!stale_key.empty())
    if (auto revoked = revoke_link_key(store, stale_key); !revoked) return revoked.errors();

  auto profile = store.profiles().get(scope, agent_id);
  if (!profile) return profile.errors();
  // A location's GoHighLevel admin administers it here too, at every sign-in (a profile a webhook
  // made first, an admin demoted since); a team lead's access is Porchlight's own and is kept.
  const std::string placeholder = "GoHighLevel user " + agent_id;
  AgentProfile p = profile.value() ? *profile.value() : AgentProfile{};
  const AgentProfile before = p;
  p.id = agent_id;
  p.location_id = link.location_id;
  if (!user_name.empty() && (p.name.empty() || p.name == placeholder)) p.name = user_name.substr(0, 100);
  if (p.name.empty()) p.name = placeholder;
  if (ghl_role == "admin") p.access = AccessRole::location_admin;
  else if (p.access == AccessRole::location_admin) p.access = AccessRole::agent;
  const bool served_from_elsewhere = profile.value() && profile.value()->location_id != link.location_id;  // a shared pool's
  if (!served_from_elsewhere && (!profile.value() || p.name != before.name || p.access != before.access))
    if (auto put = store.profiles().put(scope, p); !put) return put.errors();
  return SignInKeys{link.publishable_key, location.value()->agent_token_secret, new_link};
}

bool origin_allowed(const Config& config, std::string_view origin) {
  return !origin.empty() && std::find(config.ghl_origins.begin(), config.ghl_origins.end(), origin) != config.ghl_origins.end();
}

}  // namespace porchlight::proxy::ghl
