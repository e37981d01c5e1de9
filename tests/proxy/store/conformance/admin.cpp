// The store conformance suite (fixtures.hpp): locations and API keys (admin.hpp).

#include "store/conformance/fixtures.hpp"

TEST_CASE_TEMPLATE("store: locations are created with a random id and secret, and found by id", B, STORE_BACKENDS) {
  auto db = B::open();
  Location a = REQUIRE_OK(db->admin().create_location("Sunset Realty"));
  Location b = REQUIRE_OK(db->admin().create_location("Harbor Homes"));
  CHECK(a.id.rfind("loc_", 0) == 0);
  CHECK(a.id != b.id);
  CHECK(a.agent_token_secret.size() == 64);
  CHECK(a.agent_token_secret != b.agent_token_secret);
  CHECK(is_canonical_time(a.created_at));

  auto found = REQUIRE_OK(db->admin().find_location(a.id));
  REQUIRE(found.has_value());
  CHECK(found->name == "Sunset Realty");
  CHECK(found->agent_token_secret == a.agent_token_secret);
  CHECK(found->created_at == a.created_at);
  CHECK_FALSE(REQUIRE_OK(db->admin().find_location("loc_does_not_exist")).has_value());

  CHECK(code_of(db->admin().find_location("bad id with spaces")) == "store.invalid");
  CHECK(code_of(db->admin().create_location("")) == "store.invalid");
  CHECK(code_of(db->admin().create_location("line\nbreak")) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: ensure_location creates a fixed location once and then returns it", B, STORE_BACKENDS) {
  auto db = B::open();
  const std::string id = unique("loc_fixed_");
  Location first = REQUIRE_OK(db->admin().ensure_location(id, "Demo Realty"));
  CHECK(first.id == id);
  CHECK(first.name == "Demo Realty");
  CHECK(first.agent_token_secret.size() == 64);
  Location again = REQUIRE_OK(db->admin().ensure_location(id, "Another Name"));
  CHECK(again.name == "Demo Realty");  // not replaced
  CHECK(again.agent_token_secret == first.agent_token_secret);
  CHECK(again.created_at == first.created_at);
  CHECK(REQUIRE_OK(db->admin().find_location(id)).has_value());
  CHECK(code_of(db->admin().ensure_location("bad id", "x")) == "store.invalid");
  CHECK(code_of(db->admin().ensure_location(unique("loc_"), "")) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: api keys are stored hashed, found by hash, revoked by id or prefix", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const std::string secret_key = "pk_live_" + unique("");
  ApiKey k;
  k.location_id = s.location_id;
  k.kind = KeyKind::publishable;
  k.prefix = secret_key.substr(0, 14);
  k.key_hash = hash_of(secret_key);
  k.scopes = {"coach"};
  k.allowed_origins = {"https://app.example.com", "http://localhost:5173"};
  ApiKey stored = REQUIRE_OK(db->admin().create_api_key(k));
  CHECK(stored.id.rfind("key_", 0) == 0);
  CHECK(is_canonical_time(stored.created_at));
  CHECK_FALSE(stored.revoked_at.has_value());

  auto found = REQUIRE_OK(db->admin().find_api_key_by_hash(hash_of(secret_key)));
  REQUIRE(found.has_value());
  CHECK(found->id == stored.id);
  CHECK(found->location_id == s.location_id);
  CHECK(found->kind == KeyKind::publishable);
  CHECK(found->prefix == k.prefix);
  CHECK(found->scopes == k.scopes);
  CHECK(found->allowed_origins == k.allowed_origins);
  CHECK(found->created_at == stored.created_at);
  CHECK_FALSE(REQUIRE_OK(db->admin().find_api_key_by_hash(hash_of("pk_live_other"))).has_value());

  SUBCASE("bad input and conflicts") {
    CHECK(code_of(db->admin().find_api_key_by_hash("not-a-hash")) == "store.invalid");
    CHECK(code_of(db->admin().create_api_key(k)) == "store.conflict");  // the same key twice
    ApiKey bad = k;
    bad.key_hash = hash_of("another");
    bad.location_id = "loc_missing";
    CHECK(code_of(db->admin().create_api_key(bad)) == "store.invalid");
    bad = k;
    bad.key_hash = "ABC";
    CHECK(code_of(db->admin().create_api_key(bad)) == "store.invalid");
    bad = k;
    bad.key_hash = hash_of("sk");
    bad.kind = KeyKind::secret;  // secret keys are not bound to origins
    CHECK(code_of(db->admin().create_api_key(bad)) == "store.invalid");
    bad.allowed_origins = {"not an origin"};
    bad.kind = KeyKind::publishable;
    CHECK(code_of(db->admin().create_api_key(bad)) == "store.invalid");
  }
  SUBCASE("revoke by id") {
    CHECK(REQUIRE_OK(db->admin().revoke_api_key(stored.id)));
    auto again = REQUIRE_OK(db->admin().find_api_key_by_hash(hash_of(secret_key)));
    REQUIRE(again.has_value());
    REQUIRE(again->revoked_at.has_value());
    CHECK(is_canonical_time(*again->revoked_at));
    CHECK_FALSE(REQUIRE_OK(db->admin().revoke_api_key(stored.id)));  // already revoked
  }
  SUBCASE("revoke by prefix; an ambiguous prefix revokes nothing") {
    ApiKey twin = k;
    twin.key_hash = hash_of(secret_key + "x");
    REQUIRE_OK(db->admin().create_api_key(twin));
    CHECK(code_of(db->admin().revoke_api_key(k.prefix)) == "store.conflict");
    CHECK_FALSE(REQUIRE_OK(db->admin().find_api_key_by_hash(hash_of(secret_key)))->revoked_at.has_value());
    REQUIRE(REQUIRE_OK(db->admin().revoke_api_key(stored.id)));
    CHECK(REQUIRE_OK(db->admin().revoke_api_key(k.prefix)));  // now only the twin is live
    CHECK_FALSE(REQUIRE_OK(db->admin().revoke_api_key("pk_live_nothing")));
  }
}
