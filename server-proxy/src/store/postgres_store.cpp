// postgres_store.cpp: the Postgres backend of the repository.
//
// Each call borrows a connection from a bounded pool and runs BEGIN; set_config('porchlight.
// location_id', <tenant>, true); <statements>; COMMIT, so row-level security sees the tenant of
// this transaction only. Statements are prepared once per connection and always parameterized.
// Waits are bounded (poll with a deadline), and when Postgres is unreachable the pool fails calls
// at once for a short backoff instead of making each one wait for a connect: a dead database
// costs milliseconds. Connections broken by a restart are replaced on the next call.
//
// Sections:
//   [1] connecting and errors
//   [2] one connection: commands with a deadline, prepared statements
//   [3] the pool
//   [4] the Database, with the cross-tenant statements

#include "store/postgres_store.hpp"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "store/migrate.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStatementDeadline{10'000};  // one round trip; far above any query we run
constexpr milliseconds kAcquireWait{2'000};          // for a free connection when all are busy
constexpr milliseconds kFirstBackoff{100};
constexpr milliseconds kMaxBackoff{1'000};
constexpr Oid kBoolOid = 16, kByteaOid = 17;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}
}  // namespace

// ---- [1] connecting and errors -----------------------------------------------------------------

Result<PgConnPtr> pg_connect(const std::string& url) {
  // Validate first: libpq's parse errors can quote the URL, password included.
  char* parse_error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(url.c_str(), &parse_error);
  if (!parsed) {
    PQfreemem(parse_error);
    return invalid("database_url", "not a valid PostgreSQL URL; expected postgresql://user:password@host:port/database");
  }
  PQconninfoFree(parsed);
  // Defaults come first so that anything in the URL overrides them.
  const char* keys[] = {"connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
                        "tcp_user_timeout", "application_name", "client_encoding", "dbname", nullptr};
  const char* values[] = {"2", "30", "10", "3", "10000", "porchlight-proxy", "UTF8", url.c_str(), nullptr};
  PgConnPtr conn(PQconnectdbParams(keys, values, 1));
  if (!conn) return unavailable("Postgres: out of memory creating a connection");
  if (PQstatus(conn.get()) != CONNECTION_OK)
    return unavailable("cannot connect to Postgres: " + trimmed(PQerrorMessage(conn.get())));
  // Timestamps come back in UTC ISO form; canonical_timestamp() makes them RFC 3339.
  PgResultPtr r(PQexec(conn.get(), "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
                                   "SET bytea_output = 'hex'; SET extra_float_digits = 3"));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) return pg_error(conn.get(), r.get());
  return conn;
}

Error pg_error(PGconn* conn, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const char* constraint = result ? PQresultErrorField(result, PG_DIAG_CONSTRAINT_NAME) : nullptr;
  // The primary message only: DETAIL can quote row values.
  std::string message = primary ? primary : trimmed(PQerrorMessage(conn));
  if (constraint) message += " (constraint " + std::string(constraint) + ")";
  const std::string code = state ? state : "";
  if (code.empty() || PQstatus(conn) == CONNECTION_BAD || code.rfind("08", 0) == 0 || code == "57P01" ||
      code == "57P02" || code == "57P03" || code.rfind("53", 0) == 0)
    return unavailable("Postgres is unavailable: " + message);
  if (code == "40001" || code == "40P01" || code == "55P03" || code == "57014")
    return unavailable("Postgres could not finish the transaction, retry: " + message);
  if (code == "23505") return conflict("", message);
  if (code.rfind("23", 0) == 0 || code.rfind("22", 0) == 0) return invalid("", message);
  if (code == "42P01") return Error{"store.not_migrated", "the schema is missing (" + message +
                                    "); run `porchlight-proxy migrate`", ""};
  // 42501 included: a row-level security refusal means the two walls disagree, which is a bug.
  return internal("Postgres error " + code + ": " + message);
}

// ---- [2] one connection ------------------------------------------------------------------------

namespace {

class PgConnection {
 public:
  explicit PgConnection(PgConnPtr conn) : conn_(std::move(conn)) {}

  bool usable() const {
    return !broken_ && PQstatus(conn_.get()) == CONNECTION_OK &&
           PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
  }
  bool broken() const { return broken_ || PQstatus(conn_.get()) != CONNECTION_OK; }

  // A command without parameters (BEGIN, COMMIT, ROLLBACK).
  Result<Rows> command(const char* sql) {
    if (!PQsendQueryParams(conn_.get(), sql, 0, nullptr, nullptr, nullptr, nullptr, 0)) return lost();
    return await();
  }

  Result<Rows> run(std::string_view sql, const std::vector<Param>& params) {
    std::string key(sql);
    auto it = prepared_.find(key);
    if (it == prepared_.end()) {
      std::string name = "s" + std::to_string(prepared_.size() + 1);
      if (!PQsendPrepare(conn_.get(), name.c_str(), key.c_str(), static_cast<int>(params.size()), nullptr))
        return lost();
      auto r = await();
      if (!r.ok()) return r.errors();
      it = prepared_.emplace(std::move(key), std::move(name)).first;
    }
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size());
    std::vector<int> lengths(params.size()), formats(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      const Param& p = params[i];
      switch (p.kind) {
        case Param::Kind::null: values[i] = nullptr; continue;
        case Param::Kind::text: storage[i] = p.text; break;
        case Param::Kind::integer: storage[i] = std::to_string(p.integer); break;
        case Param::Kind::real: storage[i] = format_real(p.real); break;
        case Param::Kind::boolean: storage[i] = p.boolean ? "true" : "false"; break;
        case Param::Kind::blob: storage[i] = p.text; formats[i] = 1; break;  // bytea, binary
      }
      values[i] = storage[i].data();
      lengths[i] = static_cast<int>(storage[i].size());
    }
    if (!PQsendQueryPrepared(conn_.get(), it->second.c_str(), static_cast<int>(params.size()), values.data(),
                             lengths.data(), formats.data(), 0))
      return lost();
    return await();
  }

 private:
  Result<Rows> lost() {
    broken_ = true;
    return pg_error(conn_.get(), nullptr);
  }

  // Reads every result of the command just sent, waiting at most kStatementDeadline.
  Result<Rows> await() {
    PGconn* c = conn_.get();
    const auto deadline = Clock::now() + kStatementDeadline;
    PgResultPtr failed, last;
    for (;;) {
      while (PQisBusy(c)) {
        const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
          broken_ = true;  // the connection is in an unknown state: drop it
          return unavailable("Postgres did not answer within " +
                             std::to_string(kStatementDeadline.count() / 1000) + " s");
        }
        pollfd p{PQsocket(c), POLLIN, 0};
        const int n = poll(&p, 1, static_cast<int>(left));
        if (n < 0 && errno != EINTR) return lost();
        if (n > 0 && !PQconsumeInput(c)) return lost();
      }
      PGresult* r = PQgetResult(c);
      if (!r) break;
      const ExecStatusType st = PQresultStatus(r);
      if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR) {
        if (!failed) failed.reset(r);
        else PQclear(r);
      } else {
        last.reset(r);
      }
      if (PQstatus(c) == CONNECTION_BAD) break;
    }
    if (failed) {
      Error e = pg_error(c, failed.get());
      if (PQstatus(c) == CONNECTION_BAD) broken_ = true;
      return e;
    }
    if (!last) return lost();
    return to_rows(last.get());
  }

  static Rows to_rows(const PGresult* r) {
    Rows rows;
    const int nf = PQnfields(r), nt = PQntuples(r);
    rows.set_columns(static_cast<std::size_t>(nf));
    for (int i = 0; i < nt; ++i) {
      for (int f = 0; f < nf; ++f) {
        if (PQgetisnull(r, i, f)) {
          rows.push("", true);
          continue;
        }
        const char* v = PQgetvalue(r, i, f);
        const Oid type = PQftype(r, f);
        if (type == kBoolOid) {
          rows.push(v[0] == 't' ? "1" : "0", false);
        } else if (type == kByteaOid) {
          std::size_t n = 0;
          unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &n);
          rows.push(bytes ? std::string(reinterpret_cast<char*>(bytes), n) : std::string(), false);
          PQfreemem(bytes);
        } else {
          rows.push(std::string(v, static_cast<std::size_t>(PQgetlength(r, i, f))), false);
        }
      }
    }
    const char* affected = PQcmdTuples(const_cast<PGresult*>(r));
    rows.set_affected(affected && *affected ? std::atoll(affected) : 0);
    return rows;
  }

  PgConnPtr conn_;
  std::unordered_map<std::string, std::string> prepared_;  // SQL -> statement name
  bool broken_ = false;
};

class PgSession final : public Session {
 public:
  explicit PgSession(PgConnection& c) : c_(c) {}
  Result<Rows> run(std::string_view sql, const std::vector<Param>& params) override { return c_.run(sql, params); }

 private:
  PgConnection& c_;
};

// ---- [3] the pool ------------------------------------------------------------------------------

class PgPool {
 public:
  PgPool(std::string url, std::size_t max) : url_(std::move(url)), max_(std::max<std::size_t>(max, 1)) {}

  struct Lease {
    std::unique_ptr<PgConnection> conn;
    bool reused = false;  // came from the idle list, so it may have died since
  };

  Result<Lease> acquire() {
    std::unique_lock lock(mu_);
    const auto deadline = Clock::now() + kAcquireWait;
    for (;;) {
      if (!idle_.empty()) {
        Lease l{std::move(idle_.back()), true};
        idle_.pop_back();
        return l;
      }
      if (Clock::now() < down_until_)
        return unavailable("Postgres is unreachable (" + last_error_ + "); retrying shortly");
      if (open_ < max_) {
        ++open_;
        lock.unlock();
        auto conn = pg_connect(url_);
        lock.lock();
        if (!conn.ok()) {
          --open_;
          if (conn.errors().front().code == "store.unavailable") {
            last_error_ = conn.errors().front().message;
            down_until_ = Clock::now() + backoff_;
            backoff_ = std::min(backoff_ * 2, kMaxBackoff);
          }
          cv_.notify_all();
          return conn.errors();
        }
        backoff_ = kFirstBackoff;
        return Lease{std::make_unique<PgConnection>(std::move(conn).value()), false};
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= max_)
        return unavailable("all " + std::to_string(max_) + " Postgres connections are busy");
    }
  }

  void release(std::unique_ptr<PgConnection> conn) {
    std::lock_guard lock(mu_);
    if (conn && conn->usable()) idle_.push_back(std::move(conn));
    else --open_;
    cv_.notify_one();
  }

  // After a connection turns out dead, the idle ones (same server era) are likely dead too.
  void drop_idle() {
    std::lock_guard lock(mu_);
    open_ -= idle_.size();
    idle_.clear();
    cv_.notify_all();
  }

 private:
  const std::string url_;
  const std::size_t max_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  std::size_t open_ = 0;
  Clock::time_point down_until_{};
  milliseconds backoff_ = kFirstBackoff;
  std::string last_error_;
};

// ---- [4] the Database, with the cross-tenant statements ------------------------------------------

class PgDatabase final : public Database {
 public:
  PgDatabase(std::string url, std::size_t pool_size) : pool_(std::move(url), pool_size) {}

  std::string_view backend() const override { return "postgres"; }

  std::string day_of(std::string_view column) const override {
    return "to_char(" + std::string(column) + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')";
  }

  // The cross-tenant statements call the SECURITY DEFINER functions of the initial migration: the
  // app role itself sees no other tenant's rows.
  Result<Rows> find_api_key(Session& s, std::string_view key_hash) override {
    return s.run(std::string("SELECT ") + kApiKeyColumns + " FROM porchlight_find_api_key($1)", {text(key_hash)});
  }

  Result<std::int64_t> revoke_api_key(Session& s, std::string_view id_or_prefix, std::string_view now) override {
    auto r = s.run("SELECT porchlight_revoke_api_key($1, $2)", {text(id_or_prefix), text(now)});
    if (!r.ok()) return r.errors();
    return r.value().empty() ? 0 : r.value().integer(0, 0);
  }

  Result<Rows> claim_webhooks(Session& s, std::int64_t limit, std::string_view now,
                              std::string_view stale_before) override {
    return s.run(std::string("SELECT ") + kWebhookColumns + " FROM porchlight_claim_webhooks($1, $2, $3) "
                 "ORDER BY received_at, id",
                 {integer(limit), text(now), text(stale_before)});
  }

  Result<Rows> list_webhooks(Session& s, std::string_view state, std::int64_t limit) override {
    return s.run(std::string("SELECT ") + kWebhookColumns + " FROM porchlight_list_webhooks($1, $2) "
                 "ORDER BY received_at DESC, id DESC",
                 {text(state), integer(limit)});
  }

  Result<std::int64_t> requeue_webhook(Session& s, std::string_view id, bool replay) override {
    auto r = s.run("SELECT porchlight_requeue_webhook($1, $2)", {text(id), boolean(replay)});
    if (!r.ok()) return r.errors();
    return r.value().empty() ? 0 : r.value().integer(0, 0);
  }

  Result<Rows> find_ghl_location(Session& s, std::string_view ghl_location_id) override {
    return s.run(std::string("SELECT ") + kGhlLinkColumns + " FROM porchlight_find_ghl_location($1)",
                 {text(ghl_location_id)});
  }

  Result<Done> transact(std::string_view tenant, TxMode mode,
                        const std::function<Result<Done>(Session&)>& work) override {
    for (int attempt = 0;; ++attempt) {
      auto lease = pool_.acquire();
      if (!lease.ok()) return lease.errors();
      PgConnection& c = *lease.value().conn;
      auto begun = c.command(mode == TxMode::read ? "BEGIN READ ONLY" : "BEGIN");
      if (!begun.ok()) {
        const bool stale = c.broken() && lease.value().reused;
        pool_.release(std::move(lease.value().conn));
        if (stale && attempt == 0) {  // nothing was sent but BEGIN: safe to retry on a fresh one
          pool_.drop_idle();
          continue;
        }
        return begun.errors();
      }
      Result<Done> outcome = run_in(c, tenant, work);
      pool_.release(std::move(lease.value().conn));
      return outcome;
    }
  }

 private:
  Result<Done> run_in(PgConnection& c, std::string_view tenant, const std::function<Result<Done>(Session&)>& work) {
    if (!tenant.empty()) {
      auto set = c.run("SELECT set_config('porchlight.location_id', $1, true)", {text(tenant)});
      if (!set.ok()) {
        c.command("ROLLBACK");
        return set.errors();
      }
    }
    PgSession session(c);
    Result<Done> r = work(session);
    if (!r.ok()) {
      if (!c.broken()) c.command("ROLLBACK");
      return r.errors();
    }
    auto committed = c.command("COMMIT");
    if (!committed.ok()) {
      if (c.broken())
        return unavailable("the connection to Postgres was lost during COMMIT; the write may not have been saved, retry it");
      return committed.errors();
    }
    return Done{};
  }

  PgPool pool_;
};

}  // namespace

Result<std::unique_ptr<Store>> open_postgres_store(const std::string& url, int pool_size) {
  if (pool_size < 1 || pool_size > 1000) return invalid("pool_size", "expected 1..1000");
  auto db = std::make_unique<PgDatabase>(url, static_cast<std::size_t>(pool_size));
  if (auto current = check_schema_current(*db); !current.ok()) return current.errors();
  return make_sql_store(std::move(db));
}

}  // namespace porchlight::store::detail
