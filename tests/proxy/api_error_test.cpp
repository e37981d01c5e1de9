// api_error_test.cpp: the error-code registry as ApiError::from_code reads it (server-proxy/src/
// api_error.cpp and error_codes.cpp). That every code the sources raise is registered and
// documented is tests/integration/error-codes.test.mjs's to check.
#include <doctest/doctest.h>

#include "api_error.hpp"
#include "error_codes.hpp"

using porchlight::proxy::ApiError;
using porchlight::proxy::find_error_code;

TEST_CASE("an exact code answers with its own row") {
  const ApiError e = ApiError::from_code("request.too_large", "the body is 9 MiB");
  CHECK(e.status == 413);
  CHECK(e.type == "request_too_large");
  CHECK_FALSE(e.retryable);
  CHECK(e.code == "request.too_large");
  CHECK(ApiError::from_code("store.unavailable", "").status == 503);
  CHECK(ApiError::from_code("store.unavailable", "").retryable);
}

TEST_CASE("a generated code answers with its family's row; an exact row wins over a family") {
  CHECK(ApiError::from_code("profile.invalid_role", "").status == 400);
  const ApiError limited = ApiError::from_code("limits.agent_tokens", "");
  CHECK(limited.status == 429);
  CHECK(limited.type == "rate_limit_error");
  CHECK(limited.retryable);
  // The proxy's refusal, and the core API's field validation under the same first word.
  CHECK(ApiError::from_code("budget.exhausted", "").status == 429);
  CHECK(ApiError::from_code("budget.invalid_monthly_usd", "").status == 400);
  REQUIRE(find_error_code("config.invalid_listen") != nullptr);
  CHECK(find_error_code("config.invalid_listen")->code == "config.invalid_listen");
  CHECK(find_error_code("config.invalid_threads")->code == "config.invalid_*");
  CHECK(find_error_code("profile.") == nullptr);  // a family's code has a name after the prefix
}

TEST_CASE("an unregistered code is a bug: answered 400 as before the registry, and counted") {
  const auto before = ApiError::unregistered_codes();
  const ApiError e = ApiError::from_code("nowhere.made_up", "m");
  CHECK(e.status == 400);
  CHECK(e.type == "invalid_request_error");
  CHECK(e.code == "nowhere.made_up");
  ApiError::from_code("nowhere.made_up", "again");  // logged once, counted twice
  CHECK(ApiError::unregistered_codes() == before + 2);
}
