// sqlite_store.cpp: the SQLite backend of the repository (the embedded default).
//
// A small pool of connections to one file in WAL mode: readers never block the writer, and
// writers take the write lock up front (BEGIN IMMEDIATE) so that two writers queue instead of
// deadlocking. SQLite has no row-level security; isolation is the repository's location_id
// filter, the same one Postgres runs under RLS.
//
// Sections:
//   [1] opening and errors
//   [2] one connection: prepared statements
//   [3] the pool and the Database, with the cross-tenant statements

#include "store/sqlite_store.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "store/migrate.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

// ---- [1] opening and errors --------------------------------------------------------------------

Error sqlite_error(sqlite3* db, int rc) {
  const int ext = db ? sqlite3_extended_errcode(db) : rc;
  const std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (ext & 0xff) {
    case SQLITE_CONSTRAINT:
      if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) return conflict("", message);
      return invalid("", message);
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return unavailable("the SQLite database is busy, retry: " + message);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_NOMEM:
      return unavailable("the SQLite database cannot be written: " + message);
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return invalid("", message);
    default:
      return internal("SQLite error: " + message);
  }
}

// How long a connection waits for another one's lock before the store reports itself busy.
constexpr std::chrono::milliseconds kBusyTimeout{5'000};

Result<SqlitePtr> sqlite_open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqlitePtr db(raw);
  if (rc != SQLITE_OK) {
    if (!create && (rc & 0xff) == SQLITE_CANTOPEN)
      return Error{"store.not_migrated",
                   "the SQLite database '" + path + "' does not exist; `porchlight-proxy migrate` creates it", ""};
    return sqlite_error(db.get(), rc);
  }
  sqlite3_extended_result_codes(db.get(), 1);
  sqlite3_busy_timeout(db.get(), static_cast<int>(kBusyTimeout.count()));
  // WAL is a property of the file (set once); the rest are per connection.
  const char* setup =
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; "
      "PRAGMA trusted_schema = OFF;";
  // Two connections switching a new file to WAL at once: one of them gets SQLITE_BUSY at once,
  // without the busy handler (SQLite's deadlock rule for a shared lock upgrading). Wait here.
  const auto deadline = std::chrono::steady_clock::now() + kBusyTimeout;
  for (;;) {
    const int set = sqlite3_exec(db.get(), setup, nullptr, nullptr, nullptr);
    if (set == SQLITE_OK) return db;
    if ((set & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= deadline) return sqlite_error(db.get(), set);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

namespace {

// ---- [2] one connection ------------------------------------------------------------------------

struct StmtCloser {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtCloser>;

// "$12" -> "?12": the repository writes Postgres placeholders; SQLite numbers them with "?".
std::string sqlite_placeholders(std::string_view sql) {
  std::string out(sql);
  for (std::size_t i = 0; i + 1 < out.size(); ++i)
    if (out[i] == '$' && out[i + 1] >= '0' && out[i + 1] <= '9') out[i] = '?';
  return out;
}

class SqliteConnection final : public Session {
 public:
  explicit SqliteConnection(SqlitePtr db) : db_(std::move(db)) {}
  ~SqliteConnection() override { stmts_.clear(); }  // finalize before the connection closes

  Result<Rows> run(std::string_view sql, const std::vector<Param>& params) override {
    sqlite3* db = db_.get();
    std::string key(sql);
    auto it = stmts_.find(key);
    if (it == stmts_.end()) {
      const std::string translated = sqlite_placeholders(sql);
      sqlite3_stmt* raw = nullptr;
      const int rc = sqlite3_prepare_v3(db, translated.c_str(), static_cast<int>(translated.size()),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      if (rc != SQLITE_OK) return sqlite_error(db, rc);
      it = stmts_.emplace(std::move(key), StmtPtr(raw)).first;
    }
    sqlite3_stmt* st = it->second.get();
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      const int at = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      switch (p.kind) {
        case Param::Kind::null: rc = sqlite3_bind_null(st, at); break;
        case Param::Kind::text:
          rc = sqlite3_bind_text64(st, at, p.text.data(), p.text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
          break;
        case Param::Kind::integer: rc = sqlite3_bind_int64(st, at, p.integer); break;
        case Param::Kind::real: rc = sqlite3_bind_double(st, at, p.real); break;
        case Param::Kind::boolean: rc = sqlite3_bind_int64(st, at, p.boolean ? 1 : 0); break;
        case Param::Kind::blob: rc = sqlite3_bind_blob64(st, at, p.text.data(), p.text.size(), SQLITE_TRANSIENT); break;
      }
      if (rc != SQLITE_OK) return sqlite_error(db, rc);
    }
    Rows rows;
    const int columns = sqlite3_column_count(st);
    rows.set_columns(static_cast<std::size_t>(columns));
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        Error e = sqlite_error(db, rc);
        sqlite3_reset(st);
        return e;
      }
      for (int c = 0; c < columns; ++c) {
        switch (sqlite3_column_type(st, c)) {
          case SQLITE_NULL: rows.push("", true); break;
          case SQLITE_INTEGER: rows.push(std::to_string(sqlite3_column_int64(st, c)), false); break;
          case SQLITE_FLOAT: rows.push(format_real(sqlite3_column_double(st, c)), false); break;
          default: {
            const auto* data = static_cast<const char*>(sqlite3_column_blob(st, c));
            const int n = sqlite3_column_bytes(st, c);
            rows.push(data ? std::string(data, static_cast<std::size_t>(n)) : std::string(), false);
          }
        }
      }
    }
    rows.set_affected(sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes64(db));
    sqlite3_reset(st);
    return rows;
  }

  Result<Done> command(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return sqlite_error(db_.get(), rc);
    return Done{};
  }

  bool in_transaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

 private:
  SqlitePtr db_;
  std::unordered_map<std::string, StmtPtr> stmts_;  // SQL -> prepared statement
};

// ---- [3] the pool and the Database, with the cross-tenant statements ----------------------------

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, std::size_t max) : path_(std::move(path)), max_(std::max<std::size_t>(max, 1)) {}

  std::string_view backend() const override { return "sqlite"; }
  std::string day_of(std::string_view column) const override { return "substr(" + std::string(column) + ", 1, 10)"; }

  // The cross-tenant statements: SQLite has no row-level security to pass, so they are plain SQL.
  Result<Rows> find_api_key(Session& s, std::string_view key_hash) override {
    return s.run(std::string("SELECT ") + kApiKeyColumns + " FROM api_keys WHERE key_hash = $1", {text(key_hash)});
  }

  Result<std::int64_t> revoke_api_key(Session& s, std::string_view id_or_prefix, std::string_view now) override {
    auto r = s.run("SELECT count(*) FROM api_keys WHERE (id = $1 OR prefix = $1) AND revoked_at IS NULL",
                   {text(id_or_prefix)});
    if (!r.ok()) return r.errors();
    const std::int64_t n = r.value().integer(0, 0);
    if (n != 1) return n;
    r = s.run("UPDATE api_keys SET revoked_at = $2 WHERE (id = $1 OR prefix = $1) AND revoked_at IS NULL",
              {text(id_or_prefix), text(now)});
    if (!r.ok()) return r.errors();
    return n;
  }

  Result<Rows> claim_webhooks(Session& s, std::int64_t limit, std::string_view now,
                              std::string_view stale_before) override {
    // "state IN (...)" first lets SQLite use the partial index of open rows (webhook_inbox_open),
    // which it cannot infer from the OR: without it every claim scanned and sorted the whole
    // inbox, done rows included, under the write lock.
    return s.run(std::string("UPDATE webhook_inbox SET state = 'processing', attempts = attempts + 1, "
                             "claimed_at = $1 WHERE id IN (SELECT id FROM webhook_inbox "
                             "WHERE state IN ('pending', 'processing') AND ((state = 'pending' "
                             "AND (next_attempt_at IS NULL OR next_attempt_at <= $1)) "
                             "OR (state = 'processing' AND claimed_at < $2)) ORDER BY received_at, id LIMIT $3) "
                             "RETURNING ") + kWebhookColumns,
                 {text(now), text(stale_before), integer(limit)});
  }

  Result<Rows> list_webhooks(Session& s, std::string_view state, std::int64_t limit) override {
    return s.run(std::string("SELECT ") + kWebhookColumns + " FROM webhook_inbox WHERE $1 = '' OR state = $1 "
                 "ORDER BY received_at DESC, id DESC LIMIT $2",
                 {text(state), integer(limit)});
  }

  Result<std::int64_t> requeue_webhook(Session& s, std::string_view id, bool replay) override {
    auto r = s.run("UPDATE webhook_inbox SET state = 'pending', attempts = 0, next_attempt_at = NULL, error = '' "
                   "WHERE id = $1 AND (state = 'failed' OR ($2 = 1 AND state = 'done'))",
                   {text(id), integer(replay ? 1 : 0)});
    if (!r.ok()) return r.errors();
    return r.value().affected();
  }

  Result<Rows> find_ghl_location(Session& s, std::string_view ghl_location_id) override {
    return s.run(std::string("SELECT ") + kGhlLinkColumns + " FROM ghl_locations WHERE ghl_location_id = $1",
                 {text(ghl_location_id)});
  }

  Result<Done> transact(std::string_view, TxMode mode, const std::function<Result<Done>(Session&)>& work) override {
    auto conn = acquire();
    if (!conn.ok()) return conn.errors();
    SqliteConnection& c = *conn.value();
    // Writers of this process queue here rather than in SQLite's busy handler, which sleeps and
    // polls; other processes (a migrator) are still handled by the busy timeout.
    std::unique_lock<std::mutex> writer(write_mu_, std::defer_lock);
    if (mode == TxMode::write) writer.lock();
    Result<Done> outcome = [&]() -> Result<Done> {
      auto begun = c.command(mode == TxMode::write ? "BEGIN IMMEDIATE" : "BEGIN");
      if (!begun.ok()) return begun;
      Result<Done> r = work(c);
      if (!r.ok()) {
        c.command("ROLLBACK");
        return r;
      }
      auto committed = c.command("COMMIT");
      if (!committed.ok() && c.in_transaction()) c.command("ROLLBACK");
      return committed;
    }();
    release(std::move(conn).value());
    return outcome;
  }

  // The first connection is opened at once, so a missing file or a bad path is reported by open.
  Result<Done> open_first() {
    auto db = sqlite_open(path_, false);
    if (!db.ok()) return db.errors();
    std::lock_guard lock(mu_);
    idle_.push_back(std::make_unique<SqliteConnection>(std::move(db).value()));
    ++open_;
    return Done{};
  }

 private:
  Result<std::unique_ptr<SqliteConnection>> acquire() {
    std::unique_lock lock(mu_);
    for (;;) {
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      if (open_ < max_) {
        ++open_;
        lock.unlock();
        auto db = sqlite_open(path_, false);
        lock.lock();
        if (!db.ok()) {
          --open_;
          return db.errors();
        }
        return std::make_unique<SqliteConnection>(std::move(db).value());
      }
      cv_.wait(lock);
    }
  }

  void release(std::unique_ptr<SqliteConnection> c) {
    std::lock_guard lock(mu_);
    if (c->in_transaction()) --open_;  // should not happen; do not reuse a connection mid-transaction
    else idle_.push_back(std::move(c));
    cv_.notify_one();
  }

  const std::string path_;
  const std::size_t max_;
  std::mutex write_mu_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
  std::size_t open_ = 0;
};

}  // namespace

Result<std::unique_ptr<Store>> open_sqlite_store(const std::string& path, int pool_size) {
  if (pool_size < 1 || pool_size > 64) return invalid("pool_size", "expected 1..64");
  auto db = std::make_unique<SqliteDatabase>(path, static_cast<std::size_t>(pool_size));
  if (auto first = db->open_first(); !first.ok()) return first.errors();
  if (auto current = check_schema_current(*db); !current.ok()) return current.errors();
  return make_sql_store(std::move(db));
}

}  // namespace porchlight::store::detail
