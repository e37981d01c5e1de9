// store/sql/repository.cpp: one-statement transactions, the checks and the row decoder that every
// aggregate's SQL shares.

#include "store/sql/repository.hpp"

#include <cmath>

#include "store/store_util.hpp"

namespace porchlight::store::detail {

Result<Rows> run_one(Database& db, std::string_view tenant, TxMode mode, const std::string& sql,
                     const std::vector<Param>& params) {
  return in_tx<Rows>(db, tenant, mode, [&](Session& s) { return s.run(sql, params); });
}

// ---- checks ------------------------------------------------------------------------------------

void Checks::fail(std::string path, std::string message) { errors.push_back(invalid(std::move(path), std::move(message))); }

void Checks::id(std::string path, std::string_view v, bool required) {
  if (v.empty() && !required) return;
  if (!is_valid_id(v)) fail(std::move(path), "expected an id of 1-64 characters of A-Z a-z 0-9 _ . : -");
}

void Checks::plain(std::string path, std::string_view v, std::size_t max_bytes, bool required) {
  if (required && v.empty()) fail(path, "is required");
  else if (!is_plain_text(v, max_bytes))
    fail(std::move(path), "expected UTF-8 text of at most " + std::to_string(max_bytes) +
                              " bytes without control characters");
}

void Checks::utf8(std::string path, std::string_view v, std::size_t max_bytes) {
  if (v.size() > max_bytes || !is_valid_utf8(v))
    fail(std::move(path), "expected UTF-8 text of at most " + std::to_string(max_bytes) + " bytes");
}

void Checks::range(std::string path, std::int64_t v, std::int64_t lo, std::int64_t hi) {
  if (v < lo || v > hi)
    fail(std::move(path), "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(v));
}

void Checks::money(std::string path, double v) {
  if (!std::isfinite(v) || v < 0 || v > 1e9) fail(std::move(path), "expected a finite amount in USD, 0 or more");
}

void Checks::time(std::string path, std::string& v) {
  if (v.empty()) {
    v = now_rfc3339();
    return;
  }
  if (auto c = canonical_timestamp(v)) v = *c;
  else fail(std::move(path), "expected an RFC 3339 timestamp such as 2026-11-25T15:04:05Z");
}

void Checks::usage(std::string path, const Usage& u) {
  for (const Error& e : check_usage(u, path)) fail(e.path, e.message);
}

void Checks::core(const Errors& core_errors) {
  for (const Error& e : core_errors) fail(e.path, "[" + e.code + "] " + e.message);
}

Errors check_scope(const Scope& s) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  return c.errors;
}

Errors check_scoped_id(const Scope& s, const std::string& path, std::string_view id) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id(path, id);
  return c.errors;
}

void check_location(Checks& c, const Scope& s, std::string& location_id, const std::string& path) {
  if (location_id.empty()) location_id = s.location_id;
  else if (location_id != s.location_id)
    c.fail(path, "location '" + location_id + "' is not the scope's location; records are written in their own location only");
}

Result<std::pair<std::string, std::string>> day_range(const std::string& from_day, const std::string& to_day) {
  auto a = day_bounds(from_day), b = day_bounds(to_day);
  Errors errors;
  if (!a) errors.push_back(invalid("from_day", "expected a UTC day such as 2026-11-25"));
  if (!b) errors.push_back(invalid("to_day", "expected a UTC day such as 2026-11-25"));
  if (!errors.empty()) return errors;
  if (from_day > to_day) return invalid("to_day", "must not be before from_day");
  return std::pair{a->first, b->second};
}

// ---- row decoding ------------------------------------------------------------------------------

std::string Decoder::time() {
  const std::size_t c = col++;
  if (rows.is_null(row, c)) return "";
  auto t = canonical_timestamp(rows.text(row, c));
  if (!t) note("timestamp", rows.text(row, c));
  return t.value_or("");
}

std::optional<std::string> Decoder::opt_time() {
  if (rows.is_null(row, col)) {
    ++col;
    return std::nullopt;
  }
  return time();
}

json Decoder::structured() {
  const std::string& s = rows.text(row, col++);
  json j = json::parse(s, nullptr, false);
  if (j.is_discarded()) note("JSON", s.substr(0, 40));
  return j;
}

std::vector<std::string> Decoder::strings() {
  json j = structured();
  std::vector<std::string> out;
  if (!j.is_array()) return out;
  for (const auto& v : j)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

std::map<std::string, std::string> Decoder::string_map() {
  json j = structured();
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items())
    if (v.is_string()) out[k] = v.get<std::string>();
  return out;
}

Usage Decoder::usage() {
  Usage u;
  u.input_tokens = i64();
  u.output_tokens = i64();
  u.cache_creation_input_tokens = i64();
  u.cache_creation_1h_input_tokens = i64();
  u.cache_read_input_tokens = i64();
  return u;
}

void Decoder::note(std::string_view what, std::string_view value) {
  if (problem.empty())
    problem = "stored row has an unreadable " + std::string(what) + " in column " +
              std::to_string(col) + ": '" + std::string(value) + "'";
}

}  // namespace porchlight::store::detail
