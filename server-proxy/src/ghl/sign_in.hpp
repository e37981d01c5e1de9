// ghl/sign_in.hpp: what sign-in from inside GoHighLevel needs besides the decrypted user context:
// the location's publishable key for GoHighLevel's pages (made on first use, kept on the link)
// and the user's agent profile (made on first sign-in). Blocking (the store): run on the pool.
#pragma once

#include <string>
#include <string_view>

#include "config.hpp"
#include "store/store.hpp"

namespace porchlight::proxy::ghl {

struct SignInKeys {
  std::string publishable_key;  // the browser's key for this location
  std::string token_secret;     // signs the agent token; never leaves the proxy
};

Result<SignInKeys> prepare_sign_in(store::Store& store, const Config& config, store::GhlLink link,
                                   const std::string& agent_id, const std::string& user_name, const std::string& ghl_role);

// True for the origins GoHighLevel's pages are served from (config: --ghl-origin).
bool origin_allowed(const Config& config, std::string_view origin);

}  // namespace porchlight::proxy::ghl
