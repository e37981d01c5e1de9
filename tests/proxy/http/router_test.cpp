// http/router_test.cpp: matching paths to routes (server-proxy/src/http/server.cpp's Router) and
// the proxy's route table (handlers/routes.cpp).
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "auth/scopes.hpp"
#include "handlers/routes.hpp"
#include "http/server.hpp"

using namespace porchlight;
using namespace porchlight::proxy;

namespace {
Handler named(int n) {
  return [n](Exchange&) -> awaitable<void> {
    (void)n;
    co_return;
  };
}
}  // namespace

TEST_CASE("router: exact paths, one segment (*) and the rest (**), with decoded parameters") {
  Router router;
  router.add(http::verb::get, "/v1/profiles", named(1));
  router.add(http::verb::get, "/v1/profiles/*", named(2), 4096);
  router.add(http::verb::get, "/v1/conversations/*/messages", named(3));
  router.add(http::verb::get, "/web/**", named(4));

  auto list = router.match(http::verb::get, "/v1/profiles");
  REQUIRE(list.handler);
  CHECK(list.pattern == "/v1/profiles");
  CHECK(list.params.empty());

  auto one = router.match(http::verb::get, "/v1/profiles/agent%201");
  REQUIRE(one.handler);
  CHECK(one.pattern == "/v1/profiles/*");
  CHECK(one.body_limit == 4096);
  REQUIRE(one.params.size() == 1);
  CHECK(one.params[0] == "agent 1");

  auto nested = router.match(http::verb::get, "/v1/conversations/cv_1/messages");
  REQUIRE(nested.handler);
  CHECK(nested.params == std::vector<std::string>{"cv_1"});

  auto rest = router.match(http::verb::get, "/web/dashboard/app.js");
  REQUIRE(rest.handler);
  CHECK(rest.params == std::vector<std::string>{"dashboard/app.js"});
}

TEST_CASE("router: a path served with another method is known (405); an unknown one is not (404)") {
  Router router;
  router.add(http::verb::post, "/v1/coach", named(1));
  auto wrong_method = router.match(http::verb::get, "/v1/coach");
  CHECK_FALSE(wrong_method.handler);
  CHECK(wrong_method.path_known);
  auto unknown = router.match(http::verb::get, "/v1/nothing");
  CHECK_FALSE(unknown.handler);
  CHECK_FALSE(unknown.path_known);
  // '*' never matches an empty segment, and a pattern never matches a longer path.
  router.add(http::verb::get, "/v1/profiles/*", named(2));
  CHECK_FALSE(router.match(http::verb::get, "/v1/profiles/").handler);
  CHECK_FALSE(router.match(http::verb::get, "/v1/profiles/a/b").handler);
}

TEST_CASE("route table: every route has a handler, one entry per method and pattern, bodies bounded") {
  Config config;
  const auto routes = route_table(config);
  CHECK(routes.size() >= 25);
  std::set<std::string> seen;
  for (const auto& r : routes) {
    INFO(r.pattern);
    CHECK(static_cast<bool>(r.handler));
    CHECK(r.body_limit > 0);
    CHECK(r.body_limit <= config.max_body_bytes);
    CHECK(seen.insert(std::string(http::to_string(r.method)) + " " + std::string(r.pattern)).second);
  }
  // What a browser may spend is guarded: the Anthropic-compatible endpoints take secret keys only,
  // and coaching is never open.
  for (const auto& r : routes) {
    if (r.pattern.starts_with("/v1/messages")) CHECK(r.access == Access::secret);
    if (r.pattern.starts_with("/v1/coach") || r.pattern.starts_with("/v1/profiles")) CHECK(r.access != Access::open);
  }
}

TEST_CASE("route table: every route that takes a key names a known scope; browsers' routes name browser scopes") {
  for (const auto& r : route_table(Config{})) {
    INFO(r.pattern);
    if (r.access == Access::open && r.pattern != "/v1/live") {
      CHECK(r.scope.empty());
      continue;
    }
    const ScopeInfo* scope = find_scope(r.scope);
    REQUIRE(scope != nullptr);
    if (r.access == Access::agent) CHECK(scope->browser);  // a pk_ key may call it, so it may hold the scope
  }
}
