// store/migrate.hpp: applies the forward-only migrations embedded in the binary
// (migrations/<backend>/<14-digit timestamp>_<name>.sql), for `porchlight-proxy migrate`.
//
// Pending files run in name order, each recorded in schema_migrations with the SHA-256 of its
// text. An applied file whose text changed, or an applied version this binary does not know,
// stops the run before anything is applied. Safe to run twice (nothing pending: nothing done) and
// from two processes at once: Postgres runs under an advisory lock, each file in its own
// transaction; SQLite runs the whole batch in one BEGIN IMMEDIATE transaction.
// Postgres migrations must run as the owner role (see docs/operations.md), not as porchlight_app.
//
// Errors: store.invalid (bad URL), store.unavailable, migrate.changed, migrate.unknown_version,
// migrate.invalid_name, migrate.failed (a file's SQL failed; message names the file and line).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "porchlight/error.hpp"
#include "store/store.hpp"

namespace porchlight::store {

struct Migration {
  std::string name;  // "20261125000000_initial.sql"; the version is its first 14 digits
  std::string sql;
};

// The migrations compiled into this binary for "postgres" or "sqlite", in order.
std::vector<Migration> embedded_migrations(std::string_view backend);

struct MigrationReport {
  std::string backend;                       // "postgres" or "sqlite"
  std::vector<std::string> applied;          // names applied by this run, in order
  std::vector<std::string> already_applied;  // names found applied (checksums verified)
};

Result<MigrationReport> migrate(const std::string& url);
// The same with an explicit list (tests; tools).
Result<MigrationReport> migrate(const std::string& url, const std::vector<Migration>& migrations);

namespace detail {
class Database;
// store.not_migrated unless every embedded migration of db's backend is applied, unchanged.
// open_store() calls it so that a proxy never serves from a schema it does not match.
Result<Done> check_schema_current(Database& db);
}  // namespace detail

}  // namespace porchlight::store
