// fuzz_agent_token: agent token verification, verify_agent_token (server-proxy/src/auth/
// credentials.cpp), with a fixed secret and clock; and base64url, which it decodes with.
//
// Input: a first line naming the mode, then its bytes:
//   token    the rest is the token, as a browser would send it;
//   payload  the rest is the claims' JSON, signed with the secret: what a CRM backend might sign;
//   header   the rest is the header's JSON, with valid claims and a signature over both: what an
//            attacker controls without the secret (the signature is checked after the header);
//   claims   the rest picks claims (FuzzedDataProvider); mint_agent_token's token must verify,
//            as the same claims, exactly when the claims are within the rules.
// In every mode base64url_decode(base64url_encode(rest)) must be rest. Other modes are skipped.
#include <fuzzer/FuzzedDataProvider.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "auth/credentials.hpp"
#include "named_input.hpp"

namespace {

using namespace porchlight::proxy;

constexpr std::string_view kSecret = "ats_fuzzing-secret-0123456789";
constexpr std::int64_t kNow = 1'780'000'000;
constexpr std::chrono::seconds kMaxAge{3600};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_agent_token: %s\n", what);
  std::abort();
}

std::string hmac_sha256(std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<const char*>(mac), len);
}

// header.payload.signature, signed with kSecret whatever the header says.
std::string signed_token(std::string_view header, std::string_view payload) {
  const std::string input = base64url_encode(header) + "." + base64url_encode(payload);
  return input + "." + base64url_encode(hmac_sha256(input));
}

void verify(std::string_view token) {
  const auto claims = verify_agent_token(token, kSecret, kNow, kMaxAge);
  if (claims && (claims->agent_id.empty() || claims->kind != "agent")) fail("accepted a token without its claims");
}

void mint_and_verify(FuzzedDataProvider& in) {
  AgentClaims c;
  c.kind = in.ConsumeBool() ? "agent" : in.ConsumeRandomLengthString(16);
  c.agent_id = in.ConsumeRandomLengthString(80);
  c.location_id = in.ConsumeRandomLengthString(80);
  c.lead_id = in.ConsumeRandomLengthString(80);
  c.name = in.ConsumeRandomLengthString(80);
  c.token_id = in.ConsumeRandomLengthString(40);
  c.issued_at = kNow + in.ConsumeIntegralInRange<std::int64_t>(-2 * kMaxAge.count(), 2 * kMaxAge.count());
  c.expires_at = c.issued_at + in.ConsumeIntegralInRange<std::int64_t>(-kMaxAge.count(), 2 * kMaxAge.count());
  if (in.ConsumeBool()) c.issued_at = in.ConsumeIntegral<std::int64_t>();
  if (in.ConsumeBool()) c.expires_at = in.ConsumeIntegral<std::int64_t>();
  // nlohmann refuses to write invalid UTF-8: a CRM's JSON library would too.
  std::string token;
  try {
    token = mint_agent_token(c, kSecret);
  } catch (const std::exception&) {
    return;
  }
  const auto got = verify_agent_token(token, kSecret, kNow, kMaxAge, c.kind);
  const bool valid = porchlight::is_valid_id(c.agent_id) && c.expires_at >= kNow - 60 &&
                     c.issued_at <= kNow + 60 &&
                     static_cast<__int128>(c.expires_at) - c.issued_at <= kMaxAge.count();
  if (got.ok() != valid) fail(valid ? "refused a token minted within the rules" : "accepted a token outside the rules");
  if (got && (got->agent_id != c.agent_id || got->location_id != c.location_id || got->lead_id != c.lead_id ||
              got->name != c.name || got->token_id != c.token_id || got->issued_at != c.issued_at ||
              got->expires_at != c.expires_at || got->kind != c.kind))
    fail("a minted token verifies as other claims");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = porchlight::fuzz::named_input(data, size);
  if (!input) return 0;
  const auto [mode, rest] = *input;
  if (base64url_decode(base64url_encode(rest)) != rest) fail("base64url does not round-trip");

  if (mode == "token") {
    verify(rest);
  } else if (mode == "payload") {
    verify(signed_token(R"({"alg":"HS256","typ":"JWT"})", rest));
  } else if (mode == "header") {
    verify(signed_token(rest, R"({"sub":"agent-1","location_id":"loc-1","iat":1780000000,"exp":1780000600})"));
  } else if (mode == "claims") {
    FuzzedDataProvider in(reinterpret_cast<const std::uint8_t*>(rest.data()), rest.size());
    mint_and_verify(in);
  }
  return 0;
}
