// fuzz_ghl_sso: GoHighLevel's encrypted user context, decrypt_user_context (server-proxy/src/ghl/
// sso.cpp), with a fixed shared secret.
//
// Input: a first line naming the mode, then its bytes:
//   payload    the rest is what a browser posts (CryptoJS's base64): decrypted with the secret;
//   plaintext  the rest is encrypted here as CryptoJS does (a fixed salt), so the fuzzer reaches
//              the JSON and field checks; it must decrypt to exactly the userId the text holds;
//   secret     "<secret>\n<plaintext>": encrypted with that secret, decrypted with the fixed one:
//              it must fail unless the two secrets are equal.
// A context that decrypts always has a non-empty userId. Other modes are skipped.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ghl/sso.hpp"
#include "ghl/test_crypto.hpp"
#include "named_input.hpp"

namespace {

using namespace porchlight::proxy::ghl;

constexpr std::string_view kSecret = "ghl-fuzz-shared-secret-7f3a9c";
constexpr std::string_view kSalt = "fuzzsalt";

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_ghl_sso: %s\n", what);
  std::abort();
}

porchlight::Result<GhlUserContext> decrypt(std::string_view payload) {
  auto user = decrypt_user_context(payload, kSecret);
  if (user && user->user_id.empty()) fail("a context without a userId decrypted");
  if (!user && user.errors().front().code != "auth.invalid_sso") fail("a refusal with another code");
  return user;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = porchlight::fuzz::named_input(data, size);
  if (!input) return 0;
  const auto [mode, rest] = *input;

  if (mode == "payload") {
    decrypt(rest);
  } else if (mode == "plaintext") {
    if (rest.size() > 8192) return 0;  // the payload's limit, in base64, is 16 KiB
    const auto user = decrypt(porchlight::test::ghl::encrypt_like_cryptojs(rest, kSecret, kSalt));
    if (user) {
      const auto json = nlohmann::json::parse(rest, nullptr, false);
      if (json.is_discarded() || !json.is_object() || !json.contains("userId") || json["userId"] != user->user_id)
        fail("decrypted to a userId the text does not hold");
    }
  } else if (mode == "secret") {
    const std::size_t newline = rest.find('\n');
    if (newline == std::string_view::npos || newline == 0) return 0;
    const std::string_view secret = rest.substr(0, newline);
    const auto user = decrypt(porchlight::test::ghl::encrypt_like_cryptojs(rest.substr(newline + 1), secret, kSalt));
    // Without a MAC, another secret passes the padding 1 time in 256, but never makes a context.
    if (user && secret != kSecret) fail("decrypted with another secret");
  }
  return 0;
}
