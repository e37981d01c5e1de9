// store/sql/ghl_links.cpp: GoHighLevel location links (store/ghl_links.hpp), for both backends.
// Finding a link crosses tenants: its statement is the backend's own (Database::find_ghl_location).

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

Result<GhlLink> decode_link(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  GhlLink l;
  l.ghl_location_id = d.str();
  l.location_id = d.str();
  l.installed = d.flag();
  l.config_json = d.structured().dump();
  l.publishable_key = d.str();
  l.created_at = d.time();
  l.updated_at = d.time();
  if (!d.problem.empty()) return internal("ghl_locations: " + d.problem);
  return l;
}

class SqlGhlLinks final : public GhlLinks {
 public:
  explicit SqlGhlLinks(Database& db) : db_(db) {}

  Result<std::optional<GhlLink>> find(const std::string& ghl_location_id) override {
    Checks c;
    c.id("ghl_location_id", ghl_location_id);
    if (!c.ok()) return c.errors;
    return in_tx<std::optional<GhlLink>>(db_, "", TxMode::read, [&](Session& s) -> Result<std::optional<GhlLink>> {
      auto r = db_.find_ghl_location(s, ghl_location_id);
      if (!r.ok()) return r.errors();
      return decode_first<GhlLink>(r.value(), decode_link);
    });
  }

  Result<GhlLink> put(const Scope& s, const GhlLink& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    GhlLink l = input;
    Checks c;
    check_location(c, s, l.location_id, "link.location_id");
    c.id("link.ghl_location_id", l.ghl_location_id);
    const json config = json::parse(l.config_json, nullptr, false);
    if (!config.is_object()) c.fail("link.config_json", "expected a JSON object");
    if (l.config_json.size() > 64 * 1024) c.fail("link.config_json", "at most 64 KiB");
    if (!l.publishable_key.empty() && l.publishable_key.rfind("pk_", 0) != 0) c.fail("link.publishable_key", "expected a pk_ key");
    if (!c.ok()) return c.errors;
    auto existing = find(l.ghl_location_id);
    if (!existing.ok()) return existing.errors();
    if (existing.value() && existing.value()->location_id != s.location_id)
      return conflict("link.ghl_location_id", "GoHighLevel location " + l.ghl_location_id + " is linked to another location");
    const std::string now = now_rfc3339();
    l.created_at = existing.value() ? existing.value()->created_at : now;
    l.updated_at = now;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO ghl_locations (" + std::string(kGhlLinkColumns) + ") "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (ghl_location_id) DO UPDATE SET "
                     "installed = excluded.installed, config = excluded.config, publishable_key = excluded.publishable_key, "
                     "updated_at = excluded.updated_at",
                     P({text(l.ghl_location_id), text(l.location_id), boolean(l.installed), text(config.dump()),
                        text(l.publishable_key), text(l.created_at), text(l.updated_at)}));
    if (!r.ok()) return r.errors();
    return l;
  }

 private:
  Database& db_;
};

}  // namespace

const char* const kGhlLinkColumns =
    "ghl_location_id, location_id, installed, config, publishable_key, created_at, updated_at";

std::unique_ptr<GhlLinks> make_sql_ghl_links(Database& db) { return std::make_unique<SqlGhlLinks>(db); }

}  // namespace porchlight::store::detail
