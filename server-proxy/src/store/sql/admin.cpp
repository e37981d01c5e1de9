// store/sql/admin.cpp: locations and API keys (store/admin.hpp), for both backends. The two
// cross-tenant key statements are the backend's own (Database::find_api_key, revoke_api_key).

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

const std::string kLocationColumns = "id, name, agent_token_secret, created_at";

Result<Location> decode_location(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  Location l;
  l.id = d.str();
  l.name = d.str();
  l.agent_token_secret = d.str();
  l.created_at = d.time();
  if (!d.problem.empty()) return internal("locations: " + d.problem);
  return l;
}

Result<ApiKey> decode_api_key(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  ApiKey k;
  k.id = d.str();
  k.location_id = d.str();
  const std::string kind = d.str();
  if (kind == "pk") k.kind = KeyKind::publishable;
  else if (kind == "sk") k.kind = KeyKind::secret;
  else d.note("key kind", kind);
  k.prefix = d.str();
  k.key_hash = d.str();
  k.scopes = d.strings();
  k.allowed_origins = d.strings();
  k.created_at = d.time();
  k.revoked_at = d.opt_time();
  if (!d.problem.empty()) return internal("api_keys: " + d.problem);
  return k;
}

class SqlAdmin final : public Admin {
 public:
  explicit SqlAdmin(Database& db) : db_(db) {}

  // Neither location call crosses tenants: each runs scoped to the location it creates or reads.
  Result<Location> create_location(const std::string& name) override {
    Checks c;
    c.plain("name", name, 200, true);
    if (!c.ok()) return c.errors;
    Location l{random_id("loc_"), name, random_hex(32), now_rfc3339()};
    return in_tx<Location>(db_, l.id, TxMode::write, [&](Session& s) -> Result<Location> {
      auto r = s.run("INSERT INTO locations (id, name, agent_token_secret, created_at) VALUES ($1, $2, $3, $4)",
                     P({text(l.id), text(l.name), text(l.agent_token_secret), text(l.created_at)}));
      if (!r.ok()) return r.errors();
      return l;
    });
  }

  Result<std::optional<Location>> find_location(const std::string& id) override {
    Checks c;
    c.id("id", id);
    if (!c.ok()) return c.errors;
    return in_tx<std::optional<Location>>(db_, id, TxMode::read, [&](Session& s) -> Result<std::optional<Location>> {
      auto r = s.run("SELECT " + kLocationColumns + " FROM locations WHERE id = $1", P({text(id)}));
      if (!r.ok()) return r.errors();
      return decode_first<Location>(r.value(), decode_location);
    });
  }

  Result<Location> ensure_location(const std::string& id, const std::string& name) override {
    Checks c;
    c.id("id", id);
    c.plain("name", name, 200, true);
    if (!c.ok()) return c.errors;
    return in_tx<Location>(db_, id, TxMode::write, [&](Session& s) -> Result<Location> {
      // An existing location is returned as it is (its name and secret are not replaced).
      auto r = s.run("INSERT INTO locations (id, name, agent_token_secret, created_at) VALUES ($1, $2, $3, $4) "
                     "ON CONFLICT (id) DO NOTHING",
                     P({text(id), text(name), text(random_hex(32)), text(now_rfc3339())}));
      if (!r.ok()) return r.errors();
      r = s.run("SELECT " + kLocationColumns + " FROM locations WHERE id = $1", P({text(id)}));
      if (!r.ok()) return r.errors();
      if (r.value().empty()) return internal("locations: ensured location vanished");
      return decode_location(r.value(), 0);
    });
  }

  Result<ApiKey> create_api_key(const ApiKey& key) override {
    Checks c;
    c.id("key.location_id", key.location_id);
    c.plain("key.prefix", key.prefix, 32, true);
    if (!is_sha256_hex(key.key_hash)) c.fail("key.key_hash", "expected the SHA-256 of the key as 64 lowercase hex digits");
    if (key.scopes.size() > 32) c.fail("key.scopes", "at most 32 scopes");
    for (std::size_t i = 0; i < key.scopes.size(); ++i)
      c.id("key.scopes[" + std::to_string(i) + "]", key.scopes[i]);
    if (key.allowed_origins.size() > 64) c.fail("key.allowed_origins", "at most 64 origins");
    for (std::size_t i = 0; i < key.allowed_origins.size(); ++i) {
      const std::string& o = key.allowed_origins[i];
      const bool scheme = o.rfind("https://", 0) == 0 || o.rfind("http://", 0) == 0;
      if (!scheme || !is_plain_text(o, 255) || o.find(' ') != std::string::npos)
        c.fail("key.allowed_origins[" + std::to_string(i) + "]",
               "expected an exact origin such as https://app.example.com");
    }
    if (key.kind == KeyKind::secret && !key.allowed_origins.empty())
      c.fail("key.allowed_origins", "only publishable (pk) keys are bound to browser origins");
    if (!c.ok()) return c.errors;

    ApiKey k = key;
    k.id = random_id("key_");
    k.created_at = now_rfc3339();
    k.revoked_at.reset();
    // Scoped to the key's own location, so the ordinary walls apply.
    return in_tx<ApiKey>(db_, k.location_id, TxMode::write, [&](Session& s) -> Result<ApiKey> {
      auto r = s.run(
          "INSERT INTO api_keys (id, location_id, kind, prefix, key_hash, scopes, allowed_origins, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          P({text(k.id), text(k.location_id), text(k.kind == KeyKind::secret ? "sk" : "pk"), text(k.prefix),
             text(k.key_hash), text(names_json(k.scopes).dump()), text(names_json(k.allowed_origins).dump()),
             text(k.created_at)}));
      if (!r.ok()) return r.errors();
      return k;
    });
  }

  // ---- cross-tenant: the statements are the backend's ----

  Result<std::optional<ApiKey>> find_api_key_by_hash(const std::string& key_hash) override {
    if (!is_sha256_hex(key_hash)) return invalid("key_hash", "expected 64 lowercase hex digits");
    return in_tx<std::optional<ApiKey>>(db_, "", TxMode::read, [&](Session& s) -> Result<std::optional<ApiKey>> {
      auto r = db_.find_api_key(s, key_hash);
      if (!r.ok()) return r.errors();
      return decode_first<ApiKey>(r.value(), decode_api_key);
    });
  }

  Result<bool> revoke_api_key(const std::string& id_or_prefix) override {
    if (!is_plain_text(id_or_prefix, 64) || id_or_prefix.empty())
      return invalid("id_or_prefix", "expected a key id or a key prefix");
    return in_tx<bool>(db_, "", TxMode::write, [&](Session& s) -> Result<bool> {
      auto n = db_.revoke_api_key(s, id_or_prefix, now_rfc3339());
      if (!n.ok()) return n.errors();
      if (n.value() > 1)
        return conflict("id_or_prefix", "prefix '" + id_or_prefix + "' matches " + std::to_string(n.value()) +
                                            " live keys; revoke by key id");
      return n.value() == 1;
    });
  }

 private:
  Database& db_;
};

}  // namespace

const char* const kApiKeyColumns =
    "id, location_id, kind, prefix, key_hash, scopes, allowed_origins, created_at, revoked_at";

std::unique_ptr<Admin> make_sql_admin(Database& db) { return std::make_unique<SqlAdmin>(db); }

}  // namespace porchlight::store::detail
