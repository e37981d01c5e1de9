// store_util.cpp: ids, hashes, timestamps, checks and error builders for the store.
//
// Sections:
//   [1] ids and hashes
//   [2] time
//   [3] checks
//   [4] errors

#include "store/store_util.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>

namespace porchlight::store::detail {

// ---- [1] ids and hashes ------------------------------------------------------------------------

namespace {
constexpr char kHex[] = "0123456789abcdef";

std::string to_hex(const unsigned char* data, std::size_t n) {
  std::string out(n * 2, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[data[i] >> 4];
    out[2 * i + 1] = kHex[data[i] & 0xf];
  }
  return out;
}
}  // namespace

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  // RAND_bytes only fails when the CSPRNG cannot be seeded; ids made without it could collide or
  // be guessed, so that is fatal rather than a degraded id.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1)
    throw std::runtime_error("OpenSSL RAND_bytes failed: no secure randomness available");
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), bytes);
}

std::string random_id(std::string_view prefix) { return std::string(prefix) + random_hex(12); }

std::string time_ordered_id(std::string_view prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const auto ms = static_cast<std::uint64_t>(now_unix_micros() / 1000);
  const std::uint64_t random = rng();
  std::string id(prefix);
  id.resize(prefix.size() + 24);
  char* out = id.data() + prefix.size();
  for (int i = 0; i < 12; ++i) out[i] = kHex[(ms >> (44 - 4 * i)) & 0xF];
  for (int i = 0; i < 12; ++i) out[12 + i] = kHex[(random >> (4 * i)) & 0xF];
  return id;
}

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  return to_hex(digest, len);
}

// ---- [2] time ----------------------------------------------------------------------------------

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool digits(std::string_view s, std::size_t at, std::size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

// "YYYY-MM-DD" at the start of s.
bool parse_date(std::string_view s, int& y, int& mo, int& d) {
  return digits(s, 0, 4, y) && s.size() >= 10 && s[4] == '-' && digits(s, 5, 2, mo) &&
         s[7] == '-' && digits(s, 8, 2, d) && mo >= 1 && mo <= 12 && d >= 1 &&
         static_cast<unsigned>(d) <= days_in_month(y, static_cast<unsigned>(mo));
}

constexpr std::int64_t kMicrosPerDay = 86'400'000'000LL;

}  // namespace

std::int64_t now_unix_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string timestamp_at(std::int64_t unix_micros) {
  std::int64_t days = unix_micros / kMicrosPerDay;
  std::int64_t rem = unix_micros % kMicrosPerDay;
  if (rem < 0) {
    rem += kMicrosPerDay;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const std::int64_t secs = rem / 1'000'000, micros = rem % 1'000'000;
  if (y < 0 || y > 9999) {  // outside the fixed-width form: what printf makes of it
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%06lldZ",
                  static_cast<long long>(y), m, d, static_cast<long long>(secs / 3600),
                  static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60),
                  static_cast<long long>(micros));
    return buf;
  }
  // Digit by digit: every usage record and message is stamped, and snprintf cost more than the rest.
  std::string out = "0000-00-00T00:00:00.000000Z";
  auto put = [&out](std::size_t at, std::int64_t value, std::size_t width) {
    for (std::size_t i = width; i-- > 0; value /= 10) out[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, secs / 3600, 2);
  put(14, secs / 60 % 60, 2);
  put(17, secs % 60, 2);
  put(20, micros, 6);
  return out;
}

std::string now_rfc3339() { return timestamp_at(now_unix_micros()); }

std::optional<std::string> canonical_timestamp(std::string_view t) {
  auto micros = unix_micros_of(t);
  if (!micros) return std::nullopt;
  return timestamp_at(*micros);
}

std::optional<std::int64_t> unix_micros_of(std::string_view t) {
  int y, mo, d, h, mi, s;
  if (t.size() > 64 || !parse_date(t, y, mo, d)) return std::nullopt;
  if (t.size() < 19 || (t[10] != 'T' && t[10] != 't' && t[10] != ' ')) return std::nullopt;
  if (!digits(t, 11, 2, h) || t[13] != ':' || !digits(t, 14, 2, mi) || t[16] != ':' ||
      !digits(t, 17, 2, s) || h > 23 || mi > 59 || s > 59)  // no leap seconds
    return std::nullopt;
  std::size_t i = 19;
  std::int64_t micros = 0;
  if (i < t.size() && t[i] == '.') {
    ++i;
    const std::size_t start = i;
    int scale = 100000;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      micros += (t[i] - '0') * scale;  // digits past microseconds are truncated
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  std::int64_t offset_minutes = 0;
  const std::string_view zone = t.substr(i);
  if (zone == "Z" || zone == "z") {
  } else if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
    int oh = 0, om = 0;
    if (!digits(zone, 1, 2, oh)) return std::nullopt;
    if (zone.size() == 3) {
    } else if (zone.size() == 6 && zone[3] == ':' && digits(zone, 4, 2, om)) {
    } else if (zone.size() == 5 && digits(zone, 3, 2, om)) {
    } else {
      return std::nullopt;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    offset_minutes = (oh * 60 + om) * (zone[0] == '-' ? -1 : 1);
  } else {
    return std::nullopt;
  }
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t local = days * kMicrosPerDay + ((h * 60 + mi) * 60 + s) * 1'000'000LL + micros;
  return local - offset_minutes * 60'000'000LL;
}

std::optional<std::pair<std::string, std::string>> day_bounds(std::string_view day) {
  int y, mo, d;
  if (day.size() != 10 || !parse_date(day, y, mo, d)) return std::nullopt;
  const std::int64_t start = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return std::pair{timestamp_at(start * kMicrosPerDay), timestamp_at((start + 1) * kMicrosPerDay)};
}

std::optional<std::pair<std::string, std::string>> month_bounds(std::string_view month) {
  int y, mo;
  if (month.size() != 7 || !digits(month, 0, 4, y) || month[4] != '-' || !digits(month, 5, 2, mo) ||
      mo < 1 || mo > 12)
    return std::nullopt;
  const std::int64_t start = days_from_civil(y, static_cast<unsigned>(mo), 1);
  const std::int64_t end = start + days_in_month(y, static_cast<unsigned>(mo));
  return std::pair{timestamp_at(start * kMicrosPerDay), timestamp_at(end * kMicrosPerDay)};
}

// ---- [3] checks --------------------------------------------------------------------------------

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    std::size_t n;
    std::uint32_t cp;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { n = 1; cp = c & 0x1F; }
    else if ((c & 0xF0) == 0xE0) { n = 2; cp = c & 0x0F; }
    else if ((c & 0xF8) == 0xF0) { n = 3; cp = c & 0x07; }
    else return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
      return false;
    i += n + 1;
  }
  return true;
}

bool is_plain_text(std::string_view s, std::size_t max_bytes) {
  if (s.size() > max_bytes || !is_valid_utf8(s)) return false;
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// ---- [4] errors --------------------------------------------------------------------------------

Error invalid(std::string path, std::string message) {
  return Error{"store.invalid", std::move(message), std::move(path)};
}
Error not_found(std::string path, std::string message) {
  return Error{"store.not_found", std::move(message), std::move(path)};
}
Error conflict(std::string path, std::string message) {
  return Error{"store.conflict", std::move(message), std::move(path)};
}
Error unavailable(std::string message) { return Error{"store.unavailable", std::move(message), ""}; }
Error internal(std::string message) { return Error{"store.internal", std::move(message), ""}; }

}  // namespace porchlight::store::detail

namespace porchlight::store::detail {

Result<StoreUrl> parse_store_url(std::string_view url) {
  for (std::string_view scheme : {"postgresql://", "postgres://"})
    if (url.substr(0, scheme.size()) == scheme) return StoreUrl{StoreUrl::Kind::postgres, std::string(url)};
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.substr(0, kSqlite.size()) == kSqlite) {
    std::string path(url.substr(kSqlite.size()));
    if (path.empty() || path.find('\0') != std::string::npos || path.find('?') != std::string::npos)
      return invalid("database_url", "expected sqlite:///absolute/path.db or sqlite://relative/path.db");
    return StoreUrl{StoreUrl::Kind::sqlite, path};
  }
  return invalid("database_url",
                 "unsupported database URL; expected postgresql://user:password@host:port/db or sqlite:///path.db");
}

}  // namespace porchlight::store::detail
