// store/sql/repository.hpp (internal): what the aggregates' SQL (one file each in store/sql/)
// shares: the transaction helper, input checks that collect every problem at once, and row
// decoding. Every tenant call checks its input, then runs in a transaction scoped to the tenant
// (Postgres sets porchlight.location_id, the RLS wall) AND filters by location_id in its SQL (the
// repository wall). Ids and timestamps are made here, not by the database, so both backends agree.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/sql/sql_database.hpp"

namespace porchlight::store::detail {

// ---- transactions ----

// Runs `f(Session&) -> Result<T>` in one transaction and returns its value.
template <class T, class F>
Result<T> in_tx(Database& db, std::string_view tenant, TxMode mode, F&& f) {
  std::optional<T> out;
  auto done = db.transact(tenant, mode, [&](Session& session) -> Result<Done> {
    Result<T> r = f(session);
    if (!r.ok()) return r.errors();
    out.emplace(std::move(r).value());
    return Done{};
  });
  if (!done.ok()) return done.errors();
  return std::move(*out);
}

// Runs one statement in a transaction of its own.
Result<Rows> run_one(Database& db, std::string_view tenant, TxMode mode, const std::string& sql,
                     const std::vector<Param>& params);

inline std::vector<Param> P(std::initializer_list<Param> params) { return std::vector<Param>(params); }

// ---- checks ----

// Collects every input problem of a call at once.
struct Checks {
  Errors errors;
  bool ok() const { return errors.empty(); }
  void fail(std::string path, std::string message);
  void id(std::string path, std::string_view v, bool required = true);
  void plain(std::string path, std::string_view v, std::size_t max_bytes, bool required = false);
  void utf8(std::string path, std::string_view v, std::size_t max_bytes);
  void range(std::string path, std::int64_t v, std::int64_t lo, std::int64_t hi);
  void money(std::string path, double v);
  // Fills an empty timestamp with now; normalizes the rest to the canonical UTC form.
  void time(std::string path, std::string& v);
  void usage(std::string path, const Usage& u);
  // The core's own validation of a record, its errors re-coded as store.invalid.
  void core(const Errors& core_errors);
};

Errors check_scope(const Scope& s);
// A scope and the id, at `path`, of a record in it.
Errors check_scoped_id(const Scope& s, const std::string& path, std::string_view id);

// A record's location must be the scope's (or empty, meaning the scope's).
void check_location(Checks& c, const Scope& s, std::string& location_id, const std::string& path);

// Day range [from_day, to_day] inclusive as timestamps [from, to).
Result<std::pair<std::string, std::string>> day_range(const std::string& from_day, const std::string& to_day);

inline json names_json(const std::vector<std::string>& v) { return json(v); }

// ---- row decoding ----

// The usage columns, in Decoder::usage() order.
inline constexpr const char* kUsageColumns =
    "input_tokens, output_tokens, cache_creation_input_tokens, cache_creation_1h_input_tokens, "
    "cache_read_input_tokens";

// Reads the columns of one row in order; a stored value that does not decode is a bug (internal).
struct Decoder {
  Decoder(const Rows& r, std::size_t at) : rows(r), row(at) {}
  const Rows& rows;
  std::size_t row;
  std::size_t col = 0;
  std::string problem;

  std::string str() { return rows.text(row, col++); }
  std::int64_t i64() { return rows.integer(row, col++); }
  double f64() { return rows.real(row, col++); }
  bool flag() { return rows.boolean(row, col++); }
  std::string time();
  std::optional<std::string> opt_time();
  template <class E> E enumeration() {
    const std::string& s = rows.text(row, col++);
    auto v = parse_enum<E>(s);
    if (!v) note(EnumNames<E>::kind, s);
    return v.value_or(E{});
  }
  json structured();
  std::vector<std::string> strings();
  std::map<std::string, std::string> string_map();  // a JSON object's string members (lead facts)
  Usage usage();
  void note(std::string_view what, std::string_view value);
};

// Decodes every row with `decode`.
template <class T, class F>
Result<std::vector<T>> decode_all(const Rows& rows, F decode) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto v = decode(rows, i);
    if (!v.ok()) return v.errors();
    out.push_back(std::move(v).value());
  }
  return out;
}

template <class T, class F>
Result<std::optional<T>> decode_first(const Rows& rows, F decode) {
  if (rows.empty()) return std::optional<T>{};
  auto v = decode(rows, 0);
  if (!v.ok()) return v.errors();
  return std::optional<T>(std::move(v).value());
}

// ---- reads ----

// The record of `table` with this id in the scope's location (its `columns`, decoded), or none.
template <class T, class F>
Result<std::optional<T>> find_by_id(Database& db, const Scope& s, const std::string& id, std::string_view table,
                                    std::string_view columns, F decode) {
  if (auto e = check_scoped_id(s, "id", id); !e.empty()) return e;
  auto r = run_one(db, s.location_id, TxMode::read,
                   "SELECT " + std::string(columns) + " FROM " + std::string(table) + " WHERE location_id = $1 AND id = $2",
                   P({text(s.location_id), text(id)}));
  if (!r.ok()) return r.errors();
  return decode_first<T>(r.value(), decode);
}

}  // namespace porchlight::store::detail
