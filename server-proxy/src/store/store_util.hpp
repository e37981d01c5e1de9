// store/store_util.hpp (internal): small helpers shared by the store implementations: random ids,
// SHA-256, canonical RFC 3339 timestamps, UTC days and months, input checks and error builders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "porchlight/error.hpp"

namespace porchlight::store::detail {

// ---- ids and hashes ----
std::string random_hex(std::size_t bytes);          // from OpenSSL's CSPRNG
std::string random_id(std::string_view prefix);     // prefix + 24 hex digits (96 random bits)
// prefix + 12 hex digits of Unix milliseconds + 12 random hex digits: ids made later sort later,
// so a table or index keyed by them grows at its end (one page per batch of inserts, not one per
// row). Unique, not secret (48 bits of a non-cryptographic generator): for ledger rows, request,
// event and session ids; anything that must not be guessed takes random_id or random_hex.
std::string time_ordered_id(std::string_view prefix);
std::string sha256_hex(std::string_view data);

// ---- time ----
// Timestamps cross the interface as RFC 3339 UTC in one canonical form,
// "2026-11-25T15:04:05.123456Z", so that text order is time order on every backend.
std::string now_rfc3339();
// Accepts RFC 3339 ("T" or " " between date and time, any fraction, "Z", "+hh", "+hh:mm" or
// "+hhmm") and returns the canonical UTC form; nullopt when it is not a valid timestamp.
std::optional<std::string> canonical_timestamp(std::string_view text);
std::optional<std::int64_t> unix_micros_of(std::string_view text);  // the same reading, as Unix microseconds
std::string timestamp_at(std::int64_t unix_micros);
std::int64_t now_unix_micros();
// "2026-11-25" -> ["2026-11-25T00:00:00.000000Z", "2026-11-26T00:00:00.000000Z")
std::optional<std::pair<std::string, std::string>> day_bounds(std::string_view day);
// "2026-11" -> ["2026-11-01T00:00:00.000000Z", "2026-12-01T00:00:00.000000Z")
std::optional<std::pair<std::string, std::string>> month_bounds(std::string_view month);

// ---- checks ----
bool is_valid_utf8(std::string_view s);               // and no NUL bytes
bool is_plain_text(std::string_view s, std::size_t max_bytes);  // UTF-8, no control characters
bool is_sha256_hex(std::string_view s);               // 64 lowercase hex digits

// ---- errors (codes documented in store.hpp) ----
Error invalid(std::string path, std::string message);
Error not_found(std::string path, std::string message);
Error conflict(std::string path, std::string message);
Error unavailable(std::string message);
Error internal(std::string message);

}  // namespace porchlight::store::detail

namespace porchlight::store::detail {

// What open_store() and migrate() accept: "postgresql://…" / "postgres://…" (passed to libpq as
// is) or "sqlite:///abs/path.db" / "sqlite://relative.db" (target is the file path).
struct StoreUrl {
  enum class Kind { postgres, sqlite };
  Kind kind = Kind::sqlite;
  std::string target;
};
// Errors never echo the URL: it may hold a password.
Result<StoreUrl> parse_store_url(std::string_view url);

}  // namespace porchlight::store::detail
