// store/test_env.hpp: what the proxy's tests need from their environment: the real Postgres and
// Redis started by scripts/services (its PORCHLIGHT_TEST_* variables), temp files, and a way to
// stop and restart one server for fault tests. A missing variable FAILS the test (it never
// skips): the test runner always starts the services.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace porchlight::test {

std::string pg_owner_url();  // PORCHLIGHT_TEST_PG_OWNER_URL: runs migrations
std::string pg_app_url();    // PORCHLIGHT_TEST_DATABASE_URL: porchlight_app, what the proxy uses
std::string redis_url();     // PORCHLIGHT_TEST_REDIS_URL

// The same Postgres URL naming another database.
std::string with_database(const std::string& url, const std::string& database);

// A random lowercase hex string, for names that must not collide between runs.
std::string unique(std::string_view prefix);

// A fresh path for an SQLite file inside a per-process temp directory (removed at exit).
std::string temp_sqlite_path();

// scripts/services <verb> <PORCHLIGHT_TEST_SERVICES_DIR>; FAILs the test if it fails.
void services(const std::string& verb);

// Polls `ready` every 50 ms until it is true or `limit` passes; returns its last answer.
bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds limit);

// Milliseconds taken by `f`.
double elapsed_ms(const std::function<void()>& f);

}  // namespace porchlight::test
