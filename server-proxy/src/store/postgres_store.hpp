// store/postgres_store.hpp (internal): the Postgres store (libpq, a bounded connection pool,
// parameterized statements, the tenant set per transaction for row-level security). Use
// open_store() from store.hpp; migrate.cpp uses the connection helpers.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>

#include "porchlight/error.hpp"
#include "store/store.hpp"

namespace porchlight::store::detail {

struct PgConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConnPtr = std::unique_ptr<PGconn, PgConnCloser>;
struct PgResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResultPtr = std::unique_ptr<PGresult, PgResultClearer>;

// Opens one connection with the store's defaults (connect timeout, TCP keepalives, UTC session).
// Error messages never contain the URL or its password.
Result<PgConnPtr> pg_connect(const std::string& url);

// A store.* error for a failed command (`result` may be null when the connection failed).
Error pg_error(PGconn* conn, const PGresult* result);

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url, int pool_size);

}  // namespace porchlight::store::detail
