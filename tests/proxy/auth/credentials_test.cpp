// auth/credentials_test.cpp: agent tokens (server-proxy/src/auth/credentials.cpp) as hostile
// input: what fuzz_agent_token (tests/fuzz) found, kept as regression tests.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "auth/credentials.hpp"

using namespace porchlight::proxy;

namespace {

constexpr std::string_view kSecret = "ats_test-secret";
constexpr std::int64_t kNow = 1'780'000'000;
constexpr std::chrono::seconds kMaxAge{3600};

std::string code_of(std::string_view token) {
  const auto claims = verify_agent_token(token, kSecret, kNow, kMaxAge);
  return claims ? "ok" : claims.errors().front().code;
}

std::string token_between(std::int64_t issued_at, std::int64_t expires_at) {
  AgentClaims c;
  c.agent_id = "agent-1";
  c.location_id = "loc-1";
  c.issued_at = issued_at;
  c.expires_at = expires_at;
  return mint_agent_token(c, kSecret);
}

}  // namespace

TEST_CASE("issue: agent token verification threw on a header whose alg is not a string") {
  // The header is read before the signature: anyone could send these. They threw
  // nlohmann's type_error (a 500 and an error log line) instead of auth.invalid_token.
  const std::string payload = base64url_encode(R"({"sub":"agent-1","location_id":"loc-1","iat":1780000000,"exp":1780000600})");
  for (const char* header : {R"({"alg":1})", R"({"alg":null})", R"({"alg":["HS256"]})", R"({"alg":{"HS256":true}})"}) {
    CAPTURE(header);
    CHECK(code_of(base64url_encode(header) + "." + payload + ".c2ln") == "auth.invalid_token");
  }
  CHECK(code_of(token_between(kNow, kNow + 600)) == "ok");
}

TEST_CASE("issue: agent token verification overflowed on iat or exp at the ends of the 64-bit range") {
  // Signed claims, so only a signer could send them; still undefined behaviour (UBSan stopped on
  // exp - iat and on exp + leeway), and the answer must be a refusal.
  constexpr auto kMin = std::numeric_limits<std::int64_t>::min();
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  CHECK(code_of(token_between(kNow, kMax)) == "auth.token_lifetime");
  CHECK(code_of(token_between(kMin, kNow + 600)) == "auth.token_lifetime");
  CHECK(code_of(token_between(kMin, kMax)) == "auth.token_lifetime");
  CHECK(code_of(token_between(kNow, kMin)) == "auth.expired_token");
  CHECK(code_of(token_between(kMax, kMax)) == "auth.invalid_token");  // issued in the future
  CHECK(code_of(token_between(kNow - 3600, kNow - 60)) == "ok");      // the edges still hold
  CHECK(code_of(token_between(kNow - 3600, kNow - 61)) == "auth.expired_token");
  CHECK(code_of(token_between(kNow, kNow + 3601)) == "auth.token_lifetime");
}

TEST_CASE("base64_decode: the standard alphabet, padding optional, whitespace around it ignored") {
  CHECK(base64_decode("UG9yY2g/bGlnaHQ+") == std::string("Porch?light>"));
  CHECK(base64_decode("cG9yY2g=") == std::string("porch"));
  CHECK(base64_decode("cG9yY2g") == std::string("porch"));
  CHECK(base64_decode(" \tcG9yY2g=\r\n") == std::string("porch"));
  CHECK(base64_decode("") == std::string());
  for (std::string_view bad : {"UG9yY2g_bGlnaHQ-", "cG9y Y2g=", "cG9yY2g==", "cG9yY2g=x", "cG9yY", "====", "c===", "cG9y!A=="}) {
    CHECK_FALSE(base64_decode(bad).has_value());
  }
}
