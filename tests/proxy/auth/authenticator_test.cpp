// auth/authenticator_test.cpp: who is calling (server-proxy/src/auth/), against a real SQLite
// store: secret and publishable keys, origins, agent tokens, revocation; and the auth cache's
// key records.
#include <doctest/doctest.h>

#include <chrono>

#include "auth/authenticator.hpp"
#include "store/migrate.hpp"
#include "store/test_env.hpp"
#include "support.hpp"

using namespace porchlight;
using namespace porchlight::proxy;
using porchlight::test::run;

namespace {

constexpr const char* kOrigin = "https://crm.example.test";

std::int64_t now_s() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A scratch SQLite store with one location, its secret key and its publishable key.
struct Location {
  std::unique_ptr<store::Store> store;
  store::Location location;
  std::string secret_key, publishable_key;
  store::ApiKey secret_record;

  Location() {
    const std::string url = "sqlite://" + test::temp_sqlite_path();
    REQUIRE(store::migrate(url));
    auto opened = store::open_store(url, 2);
    REQUIRE(opened);
    store = std::move(opened).value();
    auto created = store->admin().create_location("Test Realty");
    REQUIRE(created);
    location = created.value();
    secret_key = add_key(store::KeyKind::secret, {});
    publishable_key = add_key(store::KeyKind::publishable, {kOrigin});
  }

  std::string add_key(store::KeyKind kind, std::vector<std::string> origins) {
    const NewApiKey fresh = generate_api_key(kind);
    store::ApiKey k;
    k.location_id = location.id;
    k.kind = kind;
    k.prefix = fresh.prefix;
    k.key_hash = fresh.hash;
    k.allowed_origins = std::move(origins);
    auto created = store->admin().create_api_key(k);
    REQUIRE(created);
    if (kind == store::KeyKind::secret) secret_record = created.value();
    return fresh.key;
  }

  // `age`: how long ago it was minted.
  std::string token(const std::string& agent, std::int64_t lifetime = 600, std::string location_id = "", std::int64_t age = 0) {
    AgentClaims c;
    c.agent_id = agent;
    c.location_id = location_id.empty() ? location.id : location_id;
    c.issued_at = now_s() - age;
    c.expires_at = c.issued_at + lifetime;
    return mint_agent_token(c, location.agent_token_secret);
  }
};

struct Checker {
  Location& loc;
  net::io_context io;
  WorkerPool pool{2};
  Config config;
  Authenticator auth{loc.store->admin(), pool, config};

  explicit Checker(Location& l) : loc(l) {}
  ~Checker() { pool.join(); }

  Result<Principal> check(const std::string& key, const std::string& token, const std::string& origin,
                          std::string agent_header = "", Access access = Access::agent) {
    return run(io, auth.check_credentials(key, token, origin, std::move(agent_header), access));
  }
};

std::string code_of(const Result<Principal>& r) { return r ? "ok" : r.errors().front().code; }

}  // namespace

TEST_CASE("auth: a secret key names its agent per request; a browser key gets its agent from the token") {
  Location loc;
  Checker c(loc);
  auto server = c.check(loc.secret_key, "", "", "agent-7");
  REQUIRE(server);
  CHECK_FALSE(server->browser());
  CHECK(server->agent_id == "agent-7");
  CHECK(server->scope.location_id == loc.location.id);

  auto browser = c.check(loc.publishable_key, loc.token("agent-1"), kOrigin, "someone-else");
  REQUIRE(browser);
  CHECK(browser->browser());
  CHECK(browser->agent_id == "agent-1");  // the header cannot name another agent
  CHECK(browser->claims.location_id == loc.location.id);
}

TEST_CASE("auth: each way a credential fails has its own code") {
  Location loc;
  Checker c(loc);
  CHECK(code_of(c.check("", "", "")) == "auth.missing_key");
  CHECK(code_of(c.check("not-a-key", "", "")) == "auth.invalid_key");
  CHECK(code_of(c.check("sk_" + std::string(40, 'a'), "", "")) == "auth.invalid_key");
  CHECK(code_of(c.check(loc.publishable_key, loc.token("agent-1"), kOrigin, "", Access::secret)) == "auth.secret_key_required");
  CHECK(code_of(c.check(loc.publishable_key, loc.token("agent-1"), "https://evil.example")) == "auth.origin_not_allowed");
  CHECK(code_of(c.check(loc.publishable_key, loc.token("agent-1"), "")) == "auth.origin_not_allowed");
  CHECK(code_of(c.check(loc.publishable_key, "", kOrigin)) == "auth.invalid_token");
  CHECK(code_of(c.check(loc.publishable_key, loc.token("agent-1", 600, "", 3600), kOrigin)) == "auth.expired_token");
  CHECK(code_of(c.check(loc.publishable_key, loc.token("agent-1", 600, "loc_other"), kOrigin)) == "auth.invalid_token");
  AgentClaims forged;
  forged.agent_id = "agent-1";
  forged.location_id = loc.location.id;
  forged.issued_at = now_s();
  forged.expires_at = forged.issued_at + 600;
  CHECK(code_of(c.check(loc.publishable_key, mint_agent_token(forged, "not-the-secret"), kOrigin)) == "auth.invalid_token");
}

TEST_CASE("auth: a revoked key is refused once the cache lets go of it (a fresh instance at once)") {
  Location loc;
  {
    Checker c(loc);
    REQUIRE(c.check(loc.secret_key, "", ""));
  }
  REQUIRE(loc.store->admin().revoke_api_key(loc.secret_record.id));
  Checker fresh(loc);
  CHECK(code_of(fresh.check(loc.secret_key, "", "")) == "auth.revoked_key");
}

TEST_CASE("auth cache: key records read back as written, whatever their text; damaged ones are refused") {
  store::ApiKey k;
  k.id = "key:1\n2";
  k.location_id = "loc_ü";
  k.kind = store::KeyKind::publishable;
  k.prefix = "pk_3:fA";
  k.scopes = {"coach", "", "a:b"};
  k.allowed_origins = {"https://a.example", "http://b.example:8080"};
  k.revoked_at = "2026-12-01T00:00:00Z";
  const std::string text = encode_cached_key(k);
  auto back = decode_cached_key(text);
  REQUIRE(back);
  CHECK(back->id == k.id);
  CHECK(back->location_id == k.location_id);
  CHECK(back->kind == k.kind);
  CHECK(back->prefix == k.prefix);
  CHECK(back->scopes == k.scopes);
  CHECK(back->allowed_origins == k.allowed_origins);
  CHECK(back->revoked_at.has_value());
  for (std::size_t cut = 0; cut < text.size(); ++cut) CHECK_FALSE(decode_cached_key(text.substr(0, cut)));
  CHECK_FALSE(decode_cached_key("99999999999999999999:x"));
  CHECK_FALSE(decode_cached_key("3:abc"));
}
