// auth/credentials.hpp: API keys and agent tokens.
//
// API keys: "pk_" (publishable: browsers; bound to a location and its allowed origins) or "sk_"
// (secret: servers), then 40 base62 characters from the OS's CSPRNG. Only the SHA-256 of a key is
// stored; the key itself is shown once, when created.
//
// Agent tokens are JWTs signed with HS256 by the CRM's backend, using the location's secret, the
// way Intercom and Chatwoot verify a logged-in user. Claims: sub (the agent id), location_id,
// iat, exp (at most an hour after iat by default), and optionally lead_id and name.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "porchlight/error.hpp"
#include "store/store.hpp"

namespace porchlight::proxy {

struct NewApiKey {
  std::string key;     // shown once
  std::string prefix;  // "pk_3fA9xQ" for display and revocation
  std::string hash;    // SHA-256 hex: what is stored
};

NewApiKey generate_api_key(store::KeyKind kind);
std::string hash_api_key(std::string_view key);
std::optional<store::KeyKind> api_key_kind(std::string_view key);  // by prefix; nullopt: not a key
std::string generate_secret(std::string_view prefix);              // "ats_..." location secrets

struct AgentClaims {
  // "agent" for the CRM's agent tokens (no claim); the proxy's own admin tokens say which they
  // are in "pl_kind" ("admin_login", "admin_session"), so no kind of token passes for another.
  std::string kind = "agent";
  std::string agent_id;
  std::string location_id;
  std::string lead_id;
  std::string name;
  std::int64_t issued_at = 0;   // seconds since the epoch
  std::int64_t expires_at = 0;
  std::string token_id;  // "jti": an admin sign-in link's, so that it is used once
};

std::string mint_agent_token(const AgentClaims& claims, std::string_view secret);
// Errors: auth.invalid_token (malformed, not HS256, bad signature), auth.expired_token,
// auth.token_lifetime (exp - iat longer than max_age).
Result<AgentClaims> verify_agent_token(std::string_view token, std::string_view secret, std::int64_t now,
                                       std::chrono::seconds max_age, std::string_view kind = "agent");

// Constant-time comparison for secrets.
bool secure_equals(std::string_view a, std::string_view b);
std::string base64url_encode(std::string_view bytes);
std::optional<std::string> base64url_decode(std::string_view text);
// Standard base64 ('+' and '/'), padding optional, surrounding whitespace ignored: what
// GoHighLevel sends (webhook signatures, the user context). nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace porchlight::proxy
