// store/sqlite_store.hpp (internal): the SQLite store, the embedded default (one file, WAL,
// synchronous=FULL so that a returned write survives a crash or power loss). Use open_store()
// from store.hpp; migrate.cpp uses sqlite_open.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <string>

#include "porchlight/error.hpp"
#include "store/store.hpp"

namespace porchlight::store::detail {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqlitePtr = std::unique_ptr<sqlite3, SqliteCloser>;

// Opens the file with the store's settings (WAL, FULL sync, foreign keys, busy timeout). Without
// `create`, a missing file is store.not_migrated.
Result<SqlitePtr> sqlite_open(const std::string& path, bool create);

// A store.* error for the last failure on `db`.
Error sqlite_error(sqlite3* db, int rc);

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, int pool_size);

}  // namespace porchlight::store::detail
