// auth/scopes.hpp: what a key may do. Every route names the one scope it needs
// (handlers/routes.cpp); a key holds the scopes it was created with, or its kind's defaults when
// it was created with none. A publishable key (a browser's) can never hold the scopes that spend
// without an agent (messages) or change or read the location's settings, whatever it was created
// with; what it reads of usage and analytics is what its agent's profile may see.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/error.hpp"
#include "store/records.hpp"

namespace porchlight::proxy {

struct ScopeInfo {
  std::string_view name;
  std::string_view grants;
  bool browser = false;  // a publishable key may hold it
};

inline constexpr ScopeInfo kScopes[] = {
    {"coach", "coaching turns and their resume, feedback, transcripts, sessions, live mode", true},
    {"profiles:read", "read agent profiles (a browser: its own agent's)", true},
    {"profiles:write", "create, replace and delete agent profiles (a browser: replace its own)", true},
    {"usage:read", "usage and the month's budget (a browser: its own agent's)", true},
    {"messages", "the Anthropic-compatible endpoints: /v1/messages and /v1/messages/count_tokens", false},
    {"analytics:read", "analytics (a browser: its own agent's, its team's as a team lead, the location's as a location admin)", true},
    {"settings:read", "the location's budget and rate limits", false},
    {"settings:write", "change the location's budget and rate limits", false},
    {"experiments:write", "create, pause, resume and stop experiments", false},
    {"outcomes:write", "record leads' outcomes (a CRM's backend)", false},
};

const ScopeInfo* find_scope(std::string_view name);  // nullptr: not a scope

// auth.scope_missing, naming the scope and what it grants.
Error scope_missing(std::string_view scope);

// True when `key` may use `scope`.
bool key_allows(const store::ApiKey& key, std::string_view scope);

// The scopes a key of `kind` would hold: `requested`, or the kind's defaults when it is empty.
// Errors: auth.unknown_scope (not a scope), auth.scope_not_for_browsers (a publishable key asked
// for a server-only scope).
Result<std::vector<std::string>> scopes_for_new_key(store::KeyKind kind, const std::vector<std::string>& requested);

}  // namespace porchlight::proxy
