// auth/authenticator.hpp: who is calling. A request presents an API key (x-api-key, or
// Authorization: Bearer as the official SDKs send it); a browser's publishable key also needs an
// allowed Origin and the agent token the CRM's backend minted; the dashboard presents an admin
// session cookie instead of a key.
//
// Keys and location secrets are read from the store and kept in an in-process cache (keys 30 s,
// so a revocation reaches every instance within that; "no such key" 5 s; locations 60 s).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "auth/credentials.hpp"
#include "cache/cache.hpp"
#include "config.hpp"
#include "http/server.hpp"
#include "store/admin.hpp"
#include "worker_pool.hpp"

namespace porchlight::proxy {

// Who is calling, once authenticated.
struct Principal {
  store::ApiKey key;
  store::Scope scope;
  std::string agent_id;  // publishable keys: from the agent token; secret keys: named per request
  AgentClaims claims;    // publishable keys only
  bool browser() const { return key.kind == store::KeyKind::publishable; }
};

enum class Access {
  open,           // no key (health, policy, metrics on loopback, static assets)
  secret,         // sk_ keys only (server callers, the Anthropic-compatible endpoints)
  agent,          // pk_ key + agent token, or sk_ key (which names the agent itself)
};

class Authenticator {
 public:
  Authenticator(store::Admin& store, WorkerPool& pool, const Config& config);

  // Checks the request's credentials for `access`. A browser's principal also sets the CORS
  // answer headers on `ex`. Errors: auth.* (the caller's), store.unavailable (retryable).
  awaitable<Result<Principal>> authenticate(Exchange& ex, Access access);
  // The same check from credentials given some other way (the live WebSocket's first message).
  awaitable<Result<Principal>> check_credentials(const std::string& key, const std::string& agent_token,
                                                 const std::string& origin, std::string agent_header, Access access);

 private:
  awaitable<std::optional<store::ApiKey>> find_key(const std::string& hash);
  awaitable<std::optional<store::Location>> find_location(const std::string& id);
  awaitable<Result<Principal>> check_admin_session(const Exchange& ex, const std::string& location_id,
                                                   const std::string& token);

  store::Admin& store_;
  WorkerPool& pool_;
  const Config& config_;
  std::unique_ptr<cache::Cache> cache_;  // keys and location secrets: in-process only, never Redis
};

// How the auth cache keeps a key: length-prefixed fields ("5:key_1"), lists as a count and their
// items. Read back on every request, so it is cheaper to parse than JSON; any text is safe in it.
std::string encode_cached_key(const store::ApiKey& key);
std::optional<store::ApiKey> decode_cached_key(std::string_view text);  // nullopt: not one

}  // namespace porchlight::proxy
