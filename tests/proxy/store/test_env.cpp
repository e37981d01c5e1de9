// test_env.cpp: see test_env.hpp.

#include "store/test_env.hpp"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>
#include <thread>

#ifndef PORCHLIGHT_SOURCE_DIR
#error "PORCHLIGHT_SOURCE_DIR must point at the repository (set by server-proxy/CMakeLists.txt)"
#endif

namespace porchlight::test {

namespace {

std::string required_env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v)
    FAIL(std::string(name) << " is not set. These tests run against a real PostgreSQL and Redis: start them with\n"
              << "  dir=$(mktemp -d); set -a; eval \"$(scripts/services start \"$dir\")\"; set +a\n"
              << "and stop them afterwards with scripts/services stop \"$dir\" (npm test does this).");
  return v;
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "porchlight-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

std::string pg_owner_url() { return required_env("PORCHLIGHT_TEST_PG_OWNER_URL"); }
std::string pg_app_url() { return required_env("PORCHLIGHT_TEST_DATABASE_URL"); }
std::string redis_url() { return required_env("PORCHLIGHT_TEST_REDIS_URL"); }

std::string with_database(const std::string& url, const std::string& database) {
  const auto query = url.find('?');
  const auto slash = url.rfind('/', query);
  REQUIRE(slash != std::string::npos);
  return url.substr(0, slash + 1) + database + (query == std::string::npos ? "" : url.substr(query));
}

std::string unique(std::string_view prefix) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  for (int i = 0; i < 12; ++i) out += kHex[rng() % 16];
  return out;
}

std::string temp_sqlite_path() {
  static TempDir dir;
  return (dir.path / (unique("store_") + ".db")).string();
}

void services(const std::string& verb) {
  const std::string dir = required_env("PORCHLIGHT_TEST_SERVICES_DIR");
  const std::string cmd = std::string(PORCHLIGHT_SOURCE_DIR) + "/scripts/services " + verb + " '" + dir + "'";
  const int rc = std::system(cmd.c_str());
  REQUIRE_MESSAGE(rc == 0, "`" << cmd << "` failed");
}

bool eventually(const std::function<bool()>& ready, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (ready()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

double elapsed_ms(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace porchlight::test
