// store/backends.hpp: the stores the conformance and isolation suites run against, unchanged:
// SQLite (a fresh temp file), Postgres (the services' database, as porchlight_app) and the
// cache-aside decorator over SQLite (it must be transparent). Plus small helpers for results.
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <mutex>
#include <string>

#include "cache/cache.hpp"
#include "store/cached_store.hpp"
#include "store/migrate.hpp"
#include "store/store.hpp"
#include "store/test_env.hpp"

namespace porchlight::test {

using store::Store;

// The first error code of a result, or "ok".
template <class T> std::string code_of(const Result<T>& r) { return r.ok() ? "ok" : r.errors().front().code; }
template <class T> std::string errors_of(const Result<T>& r) {
  std::string out;
  if (!r.ok())
    for (const auto& e : r.errors()) out += e.code + " at '" + e.path + "': " + e.message + "\n";
  return out;
}
#define REQUIRE_OK(expr)                                          \
  [&]() {                                                        \
    auto&& porchlight_r = (expr);                                 \
    REQUIRE_MESSAGE(porchlight_r.ok(), errors_of(porchlight_r)); \
    return std::move(porchlight_r).value();                       \
  }()

inline std::unique_ptr<Store> open_sqlite() {
  const std::string url = "sqlite://" + temp_sqlite_path();
  auto migrated = store::migrate(url);
  REQUIRE_MESSAGE(migrated.ok(), errors_of(migrated));
  return REQUIRE_OK(store::open_store(url, 4));
}

// Migrates the services' database once per process (as the owner), then connects as the app.
inline std::unique_ptr<Store> open_postgres() {
  static std::once_flag once;
  static bool migrated = false;
  const std::string owner = pg_owner_url(), app = pg_app_url();
  std::call_once(once, [&] {
    auto r = store::migrate(owner);
    migrated = r.ok();
    if (!r.ok()) MESSAGE(errors_of(r));
  });
  REQUIRE_MESSAGE(migrated, "migrating the test database failed");
  return REQUIRE_OK(store::open_store(app, 8));
}

struct SqliteBackend {
  static std::unique_ptr<Store> open() { return open_sqlite(); }
};
struct PostgresBackend {
  static std::unique_ptr<Store> open() { return open_postgres(); }
};
struct CachedSqliteBackend {
  static std::unique_ptr<Store> open() {
    return store::make_cached_store(open_sqlite(), std::shared_ptr<cache::Cache>(cache::make_lru_cache(1000)));
  }
};

}  // namespace porchlight::test

TYPE_TO_STRING(porchlight::test::SqliteBackend);
TYPE_TO_STRING(porchlight::test::PostgresBackend);
TYPE_TO_STRING(porchlight::test::CachedSqliteBackend);
