// handlers/routes.hpp: the route table. Every endpoint with who may call it, its handler and its
// body limit, in one list (routes.cpp); the handlers themselves live in handlers/*.cpp.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "app.hpp"

namespace porchlight::proxy {

// Open routes get an anonymous principal (no key, no location).
using RouteHandler = awaitable<void> (*)(App& app, Exchange& ex, const Principal& caller);

struct RouteSpec {
  http::verb method;
  std::string_view pattern;  // an exact path, or ending in "/*" (one segment) or "/**" (the rest)
  Access access;
  std::string_view scope;    // what the key must hold (auth/scopes.hpp); "" for open routes
  RouteHandler handler;
  std::size_t body_limit = 1u << 20;
};

std::vector<RouteSpec> route_table(const Config& config);

}  // namespace porchlight::proxy
