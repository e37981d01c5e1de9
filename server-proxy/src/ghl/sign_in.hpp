// ghl/sign_in.hpp: what sign-in from inside GoHighLevel needs besides the decrypted user context:
// the location's publishable key for GoHighLevel's pages (made on first use; the caller keeps it on
// the link) and the user's agent profile (made on first sign-in). Blocking (the store): run on the
// pool.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "config.hpp"
#include "store/store.hpp"

namespace porchlight::proxy::ghl {

struct SignInKeys {
  std::string publishable_key;  // the browser's key for this location
  std::string token_secret;     // signs the agent token; never leaves the proxy
  std::optional<store::GhlLink> new_link;  // the link with a key made just now: store it (ghl/links.hpp)
};

Result<SignInKeys> prepare_sign_in(store::Store& store, const Config& config, store::GhlLink link,
                                   const std::string& agent_id, const std::string& user_name, const std::string& ghl_role);

// Revokes the stored key behind a link's publishable key, when it is still live (an UNINSTALL, a
// key replaced): true when one was revoked.
Result<bool> revoke_link_key(store::Store& store, const std::string& publishable_key);

// True for the origins GoHighLevel's pages are served from (config: --ghl-origin).
bool origin_allowed(const Config& config, std::string_view origin);

}  // namespace porchlight::proxy::ghl
