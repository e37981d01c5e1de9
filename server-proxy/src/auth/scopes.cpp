// auth/scopes.cpp: the scope table's rules (see the header).

#include "auth/scopes.hpp"

#include <algorithm>

namespace porchlight::proxy {

namespace {
std::string scope_names(bool browser_only) {
  std::string out;
  for (const auto& s : kScopes) {
    if (browser_only && !s.browser) continue;
    if (!out.empty()) out += ", ";
    out += s.name;
  }
  return out;
}
}  // namespace

const ScopeInfo* find_scope(std::string_view name) {
  for (const auto& s : kScopes)
    if (s.name == name) return &s;
  return nullptr;
}

Error scope_missing(std::string_view scope) {
  const ScopeInfo* info = find_scope(scope);
  return Error{"auth.scope_missing",
               "this key does not hold the scope " + std::string(scope) + (info ? " (" + std::string(info->grants) + ")" : "") +
                   "; use a key created with --scope " + std::string(scope) + ", or with no --scope (every scope its kind may hold)",
               ""};
}

bool key_allows(const store::ApiKey& key, std::string_view scope) {
  const ScopeInfo* info = find_scope(scope);
  if (!info) return false;
  const bool browser = key.kind == store::KeyKind::publishable;
  if (browser && !info->browser) return false;
  if (key.scopes.empty()) return true;  // the kind's defaults: everything it may hold
  return std::find(key.scopes.begin(), key.scopes.end(), scope) != key.scopes.end();
}

Result<std::vector<std::string>> scopes_for_new_key(store::KeyKind kind, const std::vector<std::string>& requested) {
  const bool browser = kind == store::KeyKind::publishable;
  for (const auto& name : requested) {
    const ScopeInfo* info = find_scope(name);
    if (!info)
      return Error{"auth.unknown_scope", "--scope " + name + ": not a scope; the scopes are " + scope_names(false), "scope"};
    if (browser && !info->browser)
      return Error{"auth.scope_not_for_browsers", "--scope " + name + ": a publishable key cannot hold it; a browser's key may hold " +
                                                      scope_names(true), "scope"};
  }
  return requested;
}

}  // namespace porchlight::proxy
