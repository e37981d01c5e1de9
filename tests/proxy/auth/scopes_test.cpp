// auth/scopes_test.cpp: what a key may do (server-proxy/src/auth/scopes.cpp).
#include <doctest/doctest.h>

#include "auth/scopes.hpp"

using namespace porchlight;
using namespace porchlight::proxy;

namespace {
store::ApiKey key(store::KeyKind kind, std::vector<std::string> scopes) {
  store::ApiKey k;
  k.kind = kind;
  k.scopes = std::move(scopes);
  return k;
}
}  // namespace

TEST_CASE("scopes: a key created without scopes holds every scope its kind may hold") {
  const auto sk = key(store::KeyKind::secret, {});
  for (const auto& s : kScopes) CHECK(key_allows(sk, s.name));
  const auto pk = key(store::KeyKind::publishable, {});
  CHECK(key_allows(pk, "coach"));
  CHECK(key_allows(pk, "profiles:read"));
  CHECK_FALSE(key_allows(pk, "messages"));
  CHECK(key_allows(pk, "analytics:read"));  // what it reads is its agent's view (handlers/access.hpp)
  CHECK_FALSE(key_allows(pk, "settings:write"));
  CHECK_FALSE(key_allows(sk, "no-such-scope"));
}

TEST_CASE("scopes: a key with scopes holds those only; a browser's key never a server-only one") {
  const auto usage_only = key(store::KeyKind::secret, {"usage:read"});
  CHECK(key_allows(usage_only, "usage:read"));
  CHECK_FALSE(key_allows(usage_only, "profiles:write"));
  CHECK_FALSE(key_allows(usage_only, "messages"));
  CHECK_FALSE(key_allows(usage_only, "coach"));
  const auto stored_wrongly = key(store::KeyKind::publishable, {"coach", "messages"});  // e.g. written by hand
  CHECK(key_allows(stored_wrongly, "coach"));
  CHECK_FALSE(key_allows(stored_wrongly, "messages"));
}

TEST_CASE("scopes: creating a key checks its scopes; the errors name what is allowed") {
  CHECK(scopes_for_new_key(store::KeyKind::secret, {"messages", "usage:read"}));
  CHECK(scopes_for_new_key(store::KeyKind::publishable, {}).value().empty());
  auto unknown = scopes_for_new_key(store::KeyKind::secret, {"admin"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.errors().front().code == "auth.unknown_scope");
  CHECK(unknown.errors().front().message.find("profiles:write") != std::string::npos);
  auto browser = scopes_for_new_key(store::KeyKind::publishable, {"coach", "messages"});
  REQUIRE_FALSE(browser);
  CHECK(browser.errors().front().code == "auth.scope_not_for_browsers");
  const Error missing = scope_missing("messages");
  CHECK(missing.code == "auth.scope_missing");
  CHECK(missing.message.find("messages") != std::string::npos);
}
