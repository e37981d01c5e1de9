// migrate.cpp: forward-only migrations, embedded at build time, recorded with checksums.
//
// Sections:
//   [1] the embedded list and the plan (what is applied, what is pending, what changed)
//   [2] Postgres: advisory lock, one transaction per file
//   [3] SQLite: one BEGIN IMMEDIATE transaction for the batch
//   [4] the schema check used by open_store

#include "store/migrate.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "store/embedded_migrations.hpp"
#include "store/postgres_store.hpp"
#include "store/sql/sql_database.hpp"
#include "store/sqlite_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store {

using detail::sha256_hex;

// ---- [1] the embedded list and the plan --------------------------------------------------------

std::vector<Migration> embedded_migrations(std::string_view backend) {
  std::vector<Migration> out;
  for (std::size_t i = 0; i < detail::kEmbeddedMigrationCount; ++i) {
    const auto& m = detail::kEmbeddedMigrations[i];
    if (m.backend == backend) out.push_back(Migration{std::string(m.name), std::string(m.sql)});
  }
  std::sort(out.begin(), out.end(), [](const Migration& a, const Migration& b) { return a.name < b.name; });
  return out;
}

namespace {

// Advisory lock key for the migrator: the bytes of "porchlig" (any constant would do).
constexpr const char* kAdvisoryLockKey = "8101820025942075751";

struct AppliedRow {
  std::string version, name, checksum;
};

// "20261125000000_initial.sql" -> "20261125000000"
std::optional<std::string> version_of(std::string_view name) {
  if (name.size() < 20 || name.substr(name.size() - 4) != ".sql" || name[14] != '_') return std::nullopt;
  for (std::size_t i = 0; i < 14; ++i)
    if (name[i] < '0' || name[i] > '9') return std::nullopt;
  for (std::size_t i = 15; i + 4 < name.size(); ++i) {
    const char c = name[i];
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return std::nullopt;
  }
  return std::string(name.substr(0, 14));
}

Error changed(const std::string& name, const std::string& stored, const std::string& ours) {
  return Error{"migrate.changed",
               "migration " + name + " was changed after it was applied (checksum " + stored.substr(0, 12) +
                   "… in the database, " + ours.substr(0, 12) +
                   "… in this binary); migrations are forward-only: restore the applied text and put the "
                   "change in a new, later file",
               name};
}

// Checks the list against what is applied; returns the indices still to apply, in order.
Result<std::vector<std::size_t>> plan(const std::vector<Migration>& migrations,
                                      const std::vector<AppliedRow>& applied, MigrationReport& report) {
  Errors errors;
  std::map<std::string, std::size_t> by_version;
  for (std::size_t i = 0; i < migrations.size(); ++i) {
    auto v = version_of(migrations[i].name);
    if (!v) {
      errors.push_back(Error{"migrate.invalid_name",
                             "migration file name '" + migrations[i].name +
                                 "' must be a 14-digit UTC timestamp, '_', a snake_case name and '.sql' "
                                 "(20261125000000_initial.sql)",
                             migrations[i].name});
      continue;
    }
    if (!by_version.emplace(*v, i).second)
      errors.push_back(Error{"migrate.invalid_name", "two migration files share the version " + *v, migrations[i].name});
  }
  if (!errors.empty()) return errors;

  std::map<std::string, const AppliedRow*> done;
  for (const AppliedRow& row : applied) {
    done[row.version] = &row;
    auto it = by_version.find(row.version);
    if (it == by_version.end()) {
      errors.push_back(Error{"migrate.unknown_version",
                             "the database has migration " + row.name +
                                 " applied, which this binary does not contain; it was migrated by a newer "
                                 "Porchlight: upgrade this one",
                             row.name});
      continue;
    }
    const Migration& m = migrations[it->second];
    const std::string sum = sha256_hex(m.sql);
    if (sum != row.checksum) errors.push_back(changed(m.name, row.checksum, sum));
  }
  if (!errors.empty()) return errors;

  std::vector<std::size_t> pending;
  for (const auto& [version, index] : by_version) {  // std::map: version order
    if (done.count(version)) report.already_applied.push_back(migrations[index].name);
    else pending.push_back(index);
  }
  return pending;
}

// 1-based line of a 1-based character offset in `text`.
std::size_t line_at(std::string_view text, std::size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(offset), '\n'));
}

// ---- [2] Postgres ------------------------------------------------------------------------------

using detail::PgResultPtr;

Result<PgResultPtr> pg_exec(PGconn* c, const char* sql, std::initializer_list<const char*> params = {}) {
  std::vector<const char*> values(params);
  PgResultPtr r(PQexecParams(c, sql, static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    if (state && std::string_view(state) == "42501")
      return Error{"migrate.failed",
                   "permission denied: run migrations with the owner role's URL, not porchlight_app's", ""};
    return detail::pg_error(c, r.get());
  }
  return r;
}

Result<MigrationReport> migrate_postgres(const std::string& url, const std::vector<Migration>& migrations) {
  auto conn = detail::pg_connect(url);
  if (!conn.ok()) return conn.errors();
  PGconn* c = conn.value().get();
  MigrationReport report{"postgres", {}, {}};

  // Held for the whole run; a second migrator waits here, then finds nothing pending. Closing
  // the connection releases it whatever happens.
  if (auto r = pg_exec(c, "SELECT pg_advisory_lock($1::bigint)", {kAdvisoryLockKey}); !r.ok()) return r.errors();
  if (auto r = pg_exec(c, "SET client_min_messages = warning"); !r.ok()) return r.errors();
  if (auto r = pg_exec(c, "CREATE TABLE IF NOT EXISTS schema_migrations ("
                          "version text PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, "
                          "applied_at timestamptz NOT NULL DEFAULT now())");
      !r.ok())
    return r.errors();
  auto rows = pg_exec(c, "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
  if (!rows.ok()) return rows.errors();
  std::vector<AppliedRow> applied;
  for (int i = 0; i < PQntuples(rows.value().get()); ++i)
    applied.push_back({PQgetvalue(rows.value().get(), i, 0), PQgetvalue(rows.value().get(), i, 1),
                       PQgetvalue(rows.value().get(), i, 2)});
  auto pending = plan(migrations, applied, report);
  if (!pending.ok()) return pending.errors();

  for (std::size_t index : pending.value()) {
    const Migration& m = migrations[index];
    if (auto r = pg_exec(c, "BEGIN"); !r.ok()) return r.errors();
    // The file is trusted text from the binary and holds several statements: the simple protocol.
    PgResultPtr r(PQexec(c, m.sql.c_str()));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      Error e = detail::pg_error(c, r.get());
      const char* pos = r ? PQresultErrorField(r.get(), PG_DIAG_STATEMENT_POSITION) : nullptr;
      PgResultPtr(PQexec(c, "ROLLBACK"));
      if (e.code == "store.unavailable") return e;
      std::string where = pos ? " at line " + std::to_string(line_at(m.sql, std::stoul(pos))) : "";
      return Error{"migrate.failed", "migration " + m.name + " failed" + where + ": " + e.message +
                                         "; nothing of it was applied", m.name};
    }
    const std::string version = m.name.substr(0, 14), sum = sha256_hex(m.sql);
    if (auto ins = pg_exec(c, "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                           {version.c_str(), m.name.c_str(), sum.c_str()});
        !ins.ok()) {
      PgResultPtr(PQexec(c, "ROLLBACK"));
      return ins.errors();
    }
    if (auto r2 = pg_exec(c, "COMMIT"); !r2.ok()) return r2.errors();
    report.applied.push_back(m.name);
  }
  pg_exec(c, "SELECT pg_advisory_unlock($1::bigint)", {kAdvisoryLockKey});
  return report;
}

// ---- [3] SQLite --------------------------------------------------------------------------------

Result<detail::Rows> sqlite_query(sqlite3* db, const char* sql, const std::vector<std::string>& params) {
  sqlite3_stmt* st = nullptr;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, nullptr);
  if (rc != SQLITE_OK) return detail::sqlite_error(db, rc);
  for (std::size_t i = 0; i < params.size(); ++i)
    sqlite3_bind_text(st, static_cast<int>(i + 1), params[i].c_str(), -1, SQLITE_TRANSIENT);
  detail::Rows rows;
  const int n = sqlite3_column_count(st);
  rows.set_columns(static_cast<std::size_t>(n));
  while ((rc = sqlite3_step(st)) == SQLITE_ROW)
    for (int col = 0; col < n; ++col) {
      const auto* v = reinterpret_cast<const char*>(sqlite3_column_text(st, col));
      rows.push(v ? v : "", v == nullptr);
    }
  Error e = rc == SQLITE_DONE ? Error{} : detail::sqlite_error(db, rc);
  sqlite3_finalize(st);
  if (!e.code.empty()) return e;
  return rows;
}

// Runs every statement of a migration file; on failure returns (" near line N", message).
std::optional<std::pair<std::string, std::string>> sqlite_script(sqlite3* db, const std::string& sql) {
  const char* start = sql.c_str();
  const char* next = start;
  while (*next) {
    sqlite3_stmt* st = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db, next, -1, &st, &tail);
    if (rc == SQLITE_OK && st) {
      while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      }
      if (rc == SQLITE_DONE) rc = SQLITE_OK;
    }
    if (rc != SQLITE_OK) {
      const std::string message = sqlite3_errmsg(db);
      const int offset = sqlite3_error_offset(db);
      std::string where;
      if (offset >= 0) where = " near line " + std::to_string(line_at(sql, static_cast<std::size_t>(next - start + offset)));
      sqlite3_finalize(st);
      return std::pair{where, message};
    }
    sqlite3_finalize(st);
    if (!st && tail == next) break;  // only whitespace or comments left
    next = tail;
  }
  return std::nullopt;
}

Result<MigrationReport> migrate_sqlite(const std::string& path, const std::vector<Migration>& migrations) {
  auto opened = detail::sqlite_open(path, true);
  if (!opened.ok()) return opened.errors();
  sqlite3* db = opened.value().get();
  MigrationReport report{"sqlite", {}, {}};
  auto exec = [&](const char* sql) -> Result<Done> {
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return detail::sqlite_error(db, rc);
    return Done{};
  };
  // The write lock for the whole batch: a second migrator waits (busy timeout), then finds
  // nothing pending.
  if (auto r = exec("BEGIN IMMEDIATE"); !r.ok()) return r.errors();
  auto fail = [&](Errors errors) -> Result<MigrationReport> {
    exec("ROLLBACK");
    return errors;
  };
  if (auto r = exec("CREATE TABLE IF NOT EXISTS schema_migrations (version TEXT PRIMARY KEY, name TEXT NOT NULL, "
                    "checksum TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT");
      !r.ok())
    return fail(r.errors());
  auto rows = sqlite_query(db, "SELECT version, name, checksum FROM schema_migrations ORDER BY version", {});
  if (!rows.ok()) return fail(rows.errors());
  std::vector<AppliedRow> applied;
  for (std::size_t i = 0; i < rows.value().size(); ++i)
    applied.push_back({rows.value().text(i, 0), rows.value().text(i, 1), rows.value().text(i, 2)});
  auto pending = plan(migrations, applied, report);
  if (!pending.ok()) return fail(pending.errors());

  for (std::size_t index : pending.value()) {
    const Migration& m = migrations[index];
    if (auto failed = sqlite_script(db, m.sql)) {
      return fail({Error{"migrate.failed", "migration " + m.name + " failed" + failed->first + ": " + failed->second +
                                               "; nothing of this run was applied", m.name}});
    }
    auto ins = sqlite_query(db, "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
                            {m.name.substr(0, 14), m.name, sha256_hex(m.sql), detail::now_rfc3339()});
    if (!ins.ok()) return fail(ins.errors());
    report.applied.push_back(m.name);
  }
  if (auto r = exec("COMMIT"); !r.ok()) return fail(r.errors());
  return report;
}

}  // namespace

Result<MigrationReport> migrate(const std::string& url, const std::vector<Migration>& migrations) {
  auto parsed = detail::parse_store_url(url);
  if (!parsed.ok()) return parsed.errors();
  if (parsed.value().kind == detail::StoreUrl::Kind::postgres) return migrate_postgres(parsed.value().target, migrations);
  return migrate_sqlite(parsed.value().target, migrations);
}

Result<MigrationReport> migrate(const std::string& url) {
  auto parsed = detail::parse_store_url(url);
  if (!parsed.ok()) return parsed.errors();
  return migrate(url, embedded_migrations(parsed.value().kind == detail::StoreUrl::Kind::postgres ? "postgres" : "sqlite"));
}

// ---- [4] the schema check used by open_store ---------------------------------------------------

Result<Done> detail::check_schema_current(Database& db) {
  std::vector<AppliedRow> applied;
  auto read = db.transact("", TxMode::read, [&](Session& s) -> Result<Done> {
    auto r = s.run("SELECT version, name, checksum FROM schema_migrations");
    if (!r.ok()) return r.errors();
    for (std::size_t i = 0; i < r.value().size(); ++i)
      applied.push_back({r.value().text(i, 0), r.value().text(i, 1), r.value().text(i, 2)});
    return Done{};
  });
  const std::string run_it = "; run `porchlight-proxy migrate` (as the database owner) first";
  if (!read.ok()) {
    if (read.errors().front().code == "store.unavailable") return read.errors();
    return Error{"store.not_migrated", "cannot read schema_migrations (" + read.errors().front().message + ")" + run_it, ""};
  }
  std::map<std::string, const AppliedRow*> done;
  for (const auto& row : applied) done[row.version] = &row;
  std::size_t pending = 0;
  std::string first;
  for (const Migration& m : embedded_migrations(db.backend())) {
    auto it = done.find(m.name.substr(0, 14));
    if (it == done.end()) {
      if (pending++ == 0) first = m.name;
      continue;
    }
    const std::string sum = sha256_hex(m.sql);
    if (it->second->checksum != sum) return changed(m.name, it->second->checksum, sum);
  }
  if (pending > 0)
    return Error{"store.not_migrated", "the database has " + std::to_string(pending) + " pending migration" +
                                           (pending == 1 ? "" : "s") + " (first: " + first + ")" + run_it, ""};
  return Done{};
}

}  // namespace porchlight::store
