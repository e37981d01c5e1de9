// store/sql/sql_database.hpp (internal): the little a SQL backend must provide so that one
// repository (store/sql/*.cpp, an aggregate a file) serves both Postgres and SQLite: run a
// parameterized statement, run work in one transaction scoped to a tenant, and the three
// cross-tenant statements, which differ (SECURITY DEFINER functions on Postgres, plain statements
// on SQLite). Statements use $1..$n placeholders on both backends.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/error.hpp"
#include "store/records.hpp"

namespace porchlight::store::detail {

// A bound parameter. Text parameters are sent as text and the database types them from context.
struct Param {
  enum class Kind { null, text, integer, real, boolean, blob };
  Kind kind = Kind::null;
  std::string text;  // text and blob
  std::int64_t integer = 0;
  double real = 0;
  bool boolean = false;
};
Param null_param();
Param text(std::string_view value);
Param integer(std::int64_t value);
Param real(double value);
Param boolean(bool value);
Param blob(std::string_view bytes);

// A result, materialized as cells of text: integers in decimal, reals in shortest round-trip form,
// booleans "1"/"0", blobs as raw bytes, timestamps as the database prints them (normalize them
// with canonical_timestamp on read).
class Rows {
 public:
  std::size_t size() const { return columns_ == 0 ? 0 : cells_.size() / columns_; }
  bool empty() const { return size() == 0; }
  bool is_null(std::size_t row, std::size_t col) const { return nulls_[row * columns_ + col] != 0; }
  const std::string& text(std::size_t row, std::size_t col) const { return cells_[row * columns_ + col]; }
  std::int64_t integer(std::size_t row, std::size_t col) const;
  double real(std::size_t row, std::size_t col) const;
  bool boolean(std::size_t row, std::size_t col) const;
  std::int64_t affected() const { return affected_; }  // rows changed by INSERT/UPDATE/DELETE

  // For the backends.
  void set_columns(std::size_t n) { columns_ = n; }
  void push(std::string cell, bool null) {
    cells_.push_back(std::move(cell));
    nulls_.push_back(null ? 1 : 0);
  }
  void set_affected(std::int64_t n) { affected_ = n; }

 private:
  std::size_t columns_ = 0;
  std::vector<std::string> cells_;
  std::vector<unsigned char> nulls_;
  std::int64_t affected_ = 0;
};

class Session {
 public:
  virtual ~Session() = default;
  virtual Result<Rows> run(std::string_view sql, const std::vector<Param>& params = {}) = 0;
};

enum class TxMode { read, write };

class Database {
 public:
  virtual ~Database() = default;
  virtual std::string_view backend() const = 0;
  // Runs `work` in one transaction. On Postgres the transaction's porchlight.location_id is set
  // to `tenant` first (empty: none, for admin work). Commits when `work` succeeds, rolls back
  // otherwise; failures come back as store.* errors.
  virtual Result<Done> transact(std::string_view tenant, TxMode mode,
                                const std::function<Result<Done>(Session&)>& work) = 0;
  // SQL for the UTC day ("2026-11-25") of a timestamp column.
  virtual std::string day_of(std::string_view column) const = 0;

  // ---- the cross-tenant statements, run by `session` in a transaction without a tenant ----
  // The api_keys rows (kApiKeyColumns) with this hash.
  virtual Result<Rows> find_api_key(Session& session, std::string_view key_hash) = 0;
  // Revokes the one live key with this id or prefix at `now`; returns how many live keys matched:
  // 0, 1 (revoked) or more (an ambiguous prefix: nothing revoked).
  virtual Result<std::int64_t> revoke_api_key(Session& session, std::string_view id_or_prefix,
                                              std::string_view now) = 0;
  // Marks up to `limit` webhooks processing (claimed_at = now): pending ones, and ones claimed
  // before `stale_before`, oldest received first; returns them (kWebhookColumns), in any order.
  virtual Result<Rows> claim_webhooks(Session& session, std::int64_t limit, std::string_view now,
                                      std::string_view stale_before) = 0;
  // Every location's webhooks in `state` (empty: any), newest first (kWebhookColumns).
  virtual Result<Rows> list_webhooks(Session& session, std::string_view state, std::int64_t limit) = 0;
  // Puts webhook `id` back to pending if it failed (or, with `replay`, is done); returns 0 or 1.
  virtual Result<std::int64_t> requeue_webhook(Session& session, std::string_view id, bool replay) = 0;
  // The ghl_locations row (kGhlLinkColumns) of a GoHighLevel location, if linked.
  virtual Result<Rows> find_ghl_location(Session& session, std::string_view ghl_location_id) = 0;
};

// The columns the cross-tenant statements return, in this order (defined beside their decoders).
extern const char* const kApiKeyColumns;
extern const char* const kWebhookColumns;
extern const char* const kGhlLinkColumns;

// Shortest text that reads back as the same double.
std::string format_real(double value);

}  // namespace porchlight::store::detail
