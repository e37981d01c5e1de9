// The store's small helpers: timestamps (one canonical UTC form on every backend), day and month
// ranges, UTF-8 checks, URLs, ids.

#include <doctest/doctest.h>

#include <set>

#include "store/store_util.hpp"

using namespace porchlight::store::detail;

TEST_CASE("store util: timestamps become one canonical UTC form") {
  CHECK(canonical_timestamp("2026-11-25T15:04:05Z") == "2026-11-25T15:04:05.000000Z");
  CHECK(canonical_timestamp("2026-11-25T15:04:05.5Z") == "2026-11-25T15:04:05.500000Z");
  CHECK(canonical_timestamp("2026-11-25T15:04:05.123456789Z") == "2026-11-25T15:04:05.123456Z");
  CHECK(canonical_timestamp("2026-11-25T10:04:05-05:00") == "2026-11-25T15:04:05.000000Z");
  CHECK(canonical_timestamp("2026-01-01T01:00:00+02:00") == "2025-12-31T23:00:00.000000Z");
  // How Postgres prints timestamptz in a UTC session.
  CHECK(canonical_timestamp("2026-11-25 15:04:05.12+00") == "2026-11-25T15:04:05.120000Z");
  CHECK(canonical_timestamp("2024-02-29 00:00:00+05:30") == "2024-02-28T18:30:00.000000Z");
  CHECK(canonical_timestamp("2024-02-29 00:00:00+0530") == "2024-02-28T18:30:00.000000Z");
  for (const char* bad : {"", "2026-11-25", "2026-11-25T15:04:05", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
                          "2026-11-25T24:00:00Z", "2026-11-25T15:04:05.Z", "2026-11-25T15:04:05+5",
                          "yesterday", "2026-11-25T15:04:05Zjunk"})
    CHECK_MESSAGE(!canonical_timestamp(bad), bad);
  CHECK(timestamp_at(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(timestamp_at(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(timestamp_at(1'798'761'599'123'456) == "2026-12-31T23:59:59.123456Z");
  CHECK(timestamp_at(253'402'300'799'999'999) == "9999-12-31T23:59:59.999999Z");
  CHECK(timestamp_at(253'402'300'800'000'000) == "10000-01-01T00:00:00.000000Z");  // past the fixed width
  const std::string now = now_rfc3339();
  CHECK(canonical_timestamp(now) == now);
}

TEST_CASE("store util: UTC day and month ranges") {
  auto d = day_bounds("2026-12-31");
  REQUIRE(d);
  CHECK(d->first == "2026-12-31T00:00:00.000000Z");
  CHECK(d->second == "2027-01-01T00:00:00.000000Z");
  auto m = month_bounds("2024-02");
  REQUIRE(m);
  CHECK(m->first == "2024-02-01T00:00:00.000000Z");
  CHECK(m->second == "2024-03-01T00:00:00.000000Z");
  CHECK_FALSE(day_bounds("2026-02-30"));
  CHECK_FALSE(day_bounds("2026-2-3"));
  CHECK_FALSE(month_bounds("2026-00"));
  CHECK_FALSE(month_bounds("2026-1"));
}

TEST_CASE("store util: UTF-8 and plain text checks") {
  CHECK(is_valid_utf8("plain"));
  CHECK(is_valid_utf8("Jos\xc3\xa9 \xe2\x82\xac \xf0\x9f\x8f\xa0"));
  CHECK_FALSE(is_valid_utf8("\xc3"));          // truncated
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));      // overlong
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));  // a surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(is_valid_utf8(std::string("a\0b", 3)));
  CHECK(is_plain_text("Sunset Realty", 20));
  CHECK_FALSE(is_plain_text("tab\there", 20));
  CHECK_FALSE(is_plain_text("too long", 3));
  CHECK(is_sha256_hex(sha256_hex("abc")));
  CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_FALSE(is_sha256_hex(std::string(64, 'A')));
}

TEST_CASE("store util: database URLs, without echoing them") {
  auto pg = parse_store_url("postgresql://u:secret@db:5432/porchlight");
  REQUIRE(pg.ok());
  CHECK(pg.value().kind == StoreUrl::Kind::postgres);
  auto abs = parse_store_url("sqlite:///var/lib/porchlight.db");
  REQUIRE(abs.ok());
  CHECK(abs.value().target == "/var/lib/porchlight.db");
  auto rel = parse_store_url("sqlite://var/porchlight.db");
  REQUIRE(rel.ok());
  CHECK(rel.value().target == "var/porchlight.db");
  auto bad = parse_store_url("mysql://u:secret@db/x");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors().front().code == "store.invalid");
  CHECK(bad.errors().front().message.find("secret") == std::string::npos);
  CHECK_FALSE(parse_store_url("sqlite://").ok());
}

TEST_CASE("store util: random ids do not repeat") {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) ids.insert(random_id("x_"));
  CHECK(ids.size() == 1000);
  CHECK(random_id("msg_").size() == 28);
  CHECK(random_hex(32).size() == 64);
}
