// Migrations: embedded, idempotent, checksums enforced, safe with two migrators at once; on
// SQLite files and on scratch Postgres databases (made by the owner role, dropped afterwards).

#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "store/backends.hpp"

namespace {

using namespace porchlight;
using namespace porchlight::store;
using namespace porchlight::test;

std::vector<Migration> small_set() {
  return {
      {"20260101000000_first.sql", "CREATE TABLE things (id TEXT PRIMARY KEY, n INTEGER NOT NULL);"},
      {"20260102000000_second.sql", "CREATE TABLE other_things (id TEXT PRIMARY KEY);\n"
                                    "INSERT INTO things (id, n) VALUES ('seed', 1);"},
  };
}

// A scratch database on the test server, owned by the owner role; dropped at scope exit.
struct ScratchDatabase {
  std::string name = unique("porchlight_scratch_");
  std::string url = with_database(pg_owner_url(), name);
  ScratchDatabase() { admin("CREATE DATABASE " + name); }
  ~ScratchDatabase() { admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); }
  static void admin(const std::string& sql) {
    PGconn* c = PQconnectdb(pg_owner_url().c_str());
    PGresult* r = PQexec(c, sql.c_str());  // DDL on a name we generated: no parameters possible
    const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    std::string error = PQresultErrorMessage(r);
    PQclear(r);
    PQfinish(c);
    CHECK_MESSAGE(ok, sql << ": " << error);
  }
};

// The URLs a migration test runs against: a fresh SQLite file, or a scratch Postgres database.
struct SqliteTarget {
  std::string url = "sqlite://" + temp_sqlite_path();
  std::string app_url() const { return url; }
};
struct PostgresTarget {
  ScratchDatabase db;
  std::string url = db.url;  // the owner's
  std::string app_url() const { return with_database(pg_app_url(), db.name); }
};

// Runs SQL (several statements) on a migration target directly, as the owner: for rows that must
// exist before a later migration runs, when the store cannot open the database yet.
void exec_sql(const std::string& url, const std::string& sql) {
  if (url.rfind("sqlite://", 0) == 0) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(url.substr(9).c_str(), &db) == SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    REQUIRE_MESSAGE(rc == SQLITE_OK, message);
    return;
  }
  PGconn* c = PQconnectdb(url.c_str());
  PGresult* r = PQexec(c, sql.c_str());
  const bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
  const std::string error = PQresultErrorMessage(r);
  PQclear(r);
  PQfinish(c);
  REQUIRE_MESSAGE(ok, error);
}

}  // namespace

TYPE_TO_STRING(SqliteTarget);
TYPE_TO_STRING(PostgresTarget);

TEST_CASE("migrations: both backends embed the same, well-named versions") {
  auto pg = embedded_migrations("postgres"), lite = embedded_migrations("sqlite");
  REQUIRE_FALSE(pg.empty());
  REQUIRE(pg.size() == lite.size());
  for (std::size_t i = 0; i < pg.size(); ++i) {
    CHECK(pg[i].name == lite[i].name);
    CHECK(pg[i].name.size() > 20);
    // Every migration changes the schema: a later one may only ALTER what an earlier one made.
    for (const auto* sql : {&pg[i].sql, &lite[i].sql}) {
      INFO(pg[i].name);
      CHECK((sql->find("CREATE ") != std::string::npos || sql->find("ALTER TABLE") != std::string::npos));
    }
  }
  CHECK(embedded_migrations("mysql").empty());
}

TEST_CASE_TEMPLATE("migrations: applying twice applies once", T, SqliteTarget, PostgresTarget) {
  T target;
  auto first = REQUIRE_OK(migrate(target.url, small_set()));
  CHECK(first.applied == std::vector<std::string>{"20260101000000_first.sql", "20260102000000_second.sql"});
  CHECK(first.already_applied.empty());
  auto second = REQUIRE_OK(migrate(target.url, small_set()));
  CHECK(second.applied.empty());
  CHECK(second.already_applied.size() == 2);

  auto more = small_set();
  more.push_back({"20260103000000_third.sql", "CREATE TABLE third (id TEXT);"});
  auto third = REQUIRE_OK(migrate(target.url, more));
  CHECK(third.applied == std::vector<std::string>{"20260103000000_third.sql"});
}

TEST_CASE_TEMPLATE("migrations: a changed applied file is refused and nothing else is applied", T, SqliteTarget,
                   PostgresTarget) {
  T target;
  REQUIRE_OK(migrate(target.url, {small_set()[0]}));
  auto changed = small_set();
  changed[0].sql += "\n-- an innocent-looking comment";
  auto r = migrate(target.url, changed);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors().front().code == "migrate.changed");
  CHECK(r.errors().front().path == "20260101000000_first.sql");
  CHECK(r.errors().front().message.find("forward-only") != std::string::npos);
  // The second file was not applied: with the original text it is still pending.
  auto after = REQUIRE_OK(migrate(target.url, small_set()));
  CHECK(after.applied == std::vector<std::string>{"20260102000000_second.sql"});
}

TEST_CASE_TEMPLATE("migrations: unknown applied versions, bad names and failing SQL are typed errors", T, SqliteTarget,
                   PostgresTarget) {
  T target;
  REQUIRE_OK(migrate(target.url, small_set()));
  CHECK(code_of(migrate(target.url, {small_set()[0]})) == "migrate.unknown_version");
  CHECK(code_of(migrate(target.url, {{"first.sql", "SELECT 1;"}})) == "migrate.invalid_name");
  auto bad = small_set();
  bad.push_back({"20260104000000_broken.sql", "CREATE TABLE ok_table (id TEXT);\n\nCREATE TABLE broken (;"});
  auto r = migrate(target.url, bad);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors().front().code == "migrate.failed");
  CHECK(r.errors().front().message.find("20260104000000_broken.sql") != std::string::npos);
  CHECK(r.errors().front().message.find("line 3") != std::string::npos);
  // Nothing of the failed file stayed: fixed, it applies cleanly (ok_table did not survive).
  bad.back().sql = "CREATE TABLE ok_table (id TEXT);";
  CHECK(REQUIRE_OK(migrate(target.url, bad)).applied == std::vector<std::string>{"20260104000000_broken.sql"});
  CHECK(code_of(migrate("mysql://nope", small_set())) == "store.invalid");
}

TEST_CASE_TEMPLATE("migrations: two migrators at once apply each file exactly once", T, SqliteTarget, PostgresTarget) {
  T target;
  const auto all = embedded_migrations(target.url.rfind("sqlite", 0) == 0 ? "sqlite" : "postgres");
  constexpr int kMigrators = 4;
  std::vector<Result<MigrationReport>> results(kMigrators, Result<MigrationReport>(Errors{}));
  std::vector<std::thread> threads;
  for (int i = 0; i < kMigrators; ++i) threads.emplace_back([&, i] { results[i] = migrate(target.url); });
  for (auto& t : threads) t.join();
  std::size_t applied = 0;
  for (const auto& r : results) {
    REQUIRE_MESSAGE(r.ok(), errors_of(r));
    applied += r.value().applied.size();
    CHECK(r.value().applied.size() + r.value().already_applied.size() == all.size());
  }
  CHECK(applied == all.size());
  // And the result is a working store.
  auto store = REQUIRE_OK(open_store(target.app_url(), 2));
  CHECK(REQUIRE_OK(store->admin().create_location("After the race")).id.rfind("loc_", 0) == 0);
}

// A new file switched to WAL by two connections at once: SQLite answers one of them "busy" without
// waiting (about one pair in forty here before sqlite_open waited for it).
TEST_CASE("migrations: two migrators on a new SQLite file both succeed, every time") {
  for (int round = 0; round < 200; ++round) {
    const std::string url = "sqlite://" + temp_sqlite_path();
    Result<MigrationReport> a(Errors{}), b(Errors{});
    std::thread other([&] { b = migrate(url, small_set()); });
    a = migrate(url, small_set());
    other.join();
    REQUIRE_MESSAGE(a.ok(), "round " << round << ": " << errors_of(a));
    REQUIRE_MESSAGE(b.ok(), "round " << round << ": " << errors_of(b));
    CHECK(a.value().applied.size() + b.value().applied.size() == small_set().size());
  }
}

TEST_CASE("migrations: a store refuses a database that is not migrated") {
  SUBCASE("sqlite: missing file") {
    auto r = open_store("sqlite://" + temp_sqlite_path(), 2);
    CHECK(code_of(r) == "store.not_migrated");
  }
  SUBCASE("sqlite: behind") {
    const std::string url = "sqlite://" + temp_sqlite_path();
    REQUIRE_OK(migrate(url, small_set()));  // schema_migrations exists, but not our files
    auto r = open_store(url, 2);
    CHECK(code_of(r) == "store.not_migrated");
    CHECK(r.errors().front().message.find("porchlight-proxy migrate") != std::string::npos);
  }
  SUBCASE("postgres: an empty database") {
    ScratchDatabase scratch;
    CHECK(code_of(open_store(with_database(pg_app_url(), scratch.name), 2)) == "store.not_migrated");
  }
  SUBCASE("postgres: migrating as porchlight_app is refused") {
    ScratchDatabase scratch;
    auto r = migrate(with_database(pg_app_url(), scratch.name));
    REQUIRE_FALSE(r.ok());
    CHECK(r.errors().front().code == "migrate.failed");
    CHECK(r.errors().front().message.find("owner") != std::string::npos);
  }
  SUBCASE("postgres: migrated by the owner, opened by the app") {
    ScratchDatabase scratch;
    REQUIRE_OK(migrate(scratch.url));
    auto store = REQUIRE_OK(open_store(with_database(pg_app_url(), scratch.name), 2));
    CHECK(REQUIRE_OK(store->admin().create_location("Fresh")).id.rfind("loc_", 0) == 0);
  }
  SUBCASE("bad URLs never echo the password") {
    auto r = open_store("postgresql://u:hunter2@127.0.0.1:1/db?bogus_option=1", 1);
    REQUIRE_FALSE(r.ok());
    CHECK(r.errors().front().message.find("hunter2") == std::string::npos);
    auto unreachable = open_store("postgresql://u:hunter2@127.0.0.1:1/db", 1);
    CHECK(code_of(unreachable) == "store.unavailable");
    CHECK(unreachable.errors().front().message.find("hunter2") == std::string::npos);
    CHECK(code_of(open_store("redis://localhost", 1)) == "store.invalid");
  }
}

TEST_CASE_TEMPLATE("migrations: usage_monthly starts from the ledger already written", T, SqliteTarget, PostgresTarget) {
  T target;
  const bool pg = target.url.rfind("sqlite://", 0) != 0;
  const auto all = embedded_migrations(pg ? "postgres" : "sqlite");
  const auto monthly = std::find_if(all.begin(), all.end(), [](const Migration& m) {
    return m.name.find("_usage_monthly") != std::string::npos;
  });
  REQUIRE(monthly != all.end());
  REQUIRE_OK(migrate(target.url, std::vector<Migration>(all.begin(), monthly)));  // the schema before it
  // Two locations' ledgers, one row in each month; in Postgres, 23:30 on Nov 30 at UTC-2 is December.
  const std::string late_november = pg ? "2026-11-30T23:30:00-02:00" : "2026-12-01T01:30:00.000000Z";
  exec_sql(target.url,
           std::string(pg ? "SELECT set_config('porchlight.location_id', 'loc_a', false);" : "") +
               "INSERT INTO locations (id, name, agent_token_secret, created_at) VALUES "
               "('loc_a', 'A', 'secret', '2026-11-01T00:00:00.000000Z');"
               "INSERT INTO usage_ledger (id, location_id, kind, cost_usd, at) VALUES "
               "('use_1', 'loc_a', 'coach', 0.25, '2026-11-02T00:00:00.000000Z'),"
               "('use_2', 'loc_a', 'coach', 0.5, '2026-11-29T00:00:00.000000Z'),"
               "('use_3', 'loc_a', 'coach', 1.0, '" + late_november + "');" +
               (pg ? "SELECT set_config('porchlight.location_id', 'loc_b', false);" : "") +
               "INSERT INTO locations (id, name, agent_token_secret, created_at) VALUES "
               "('loc_b', 'B', 'secret', '2026-11-01T00:00:00.000000Z');"
               "INSERT INTO usage_ledger (id, location_id, kind, cost_usd, at) VALUES "
               "('use_4', 'loc_b', 'coach', 4.0, '2026-11-03T00:00:00.000000Z');");
  REQUIRE_OK(migrate(target.url));
  auto db = REQUIRE_OK(open_store(target.app_url(), 2));
  const Scope a{"loc_a"}, b{"loc_b"};
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(a, "2026-11")) == doctest::Approx(0.75));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(a, "2026-12")) == doctest::Approx(1.0));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(b, "2026-11")) == doctest::Approx(4.0));
  // New records add to the figure carried over.
  UsageRecord u;
  u.request_id = "req_after";
  u.kind = "coach";
  u.cost_usd = 0.125;
  u.at = "2026-11-30T12:00:00Z";
  REQUIRE_OK(db->ledger().record_usage(a, u));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(a, "2026-11")) == doctest::Approx(0.875));
}
