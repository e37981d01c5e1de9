// ghl/sso_test.cpp: GoHighLevel's encrypted user context (server-proxy/src/ghl/sso.cpp):
// a golden payload made by the crypto-js npm package (what GoHighLevel runs), payloads encrypted
// here the CryptoJS way with OpenSSL, and every way one can be wrong.
#include <doctest/doctest.h>

#include <openssl/rand.h>

#include <string>

#include "auth/credentials.hpp"
#include "ghl/sso.hpp"
#include "ghl/test_crypto.hpp"

using namespace porchlight::proxy::ghl;

namespace {

constexpr std::string_view kSecret = "ghl-sso-golden-secret";

// As CryptoJS.AES.encrypt(plaintext, secret).toString() makes it, with a fresh salt.
std::string encrypt_like_cryptojs(std::string_view plaintext, std::string_view secret) {
  unsigned char salt[8];
  REQUIRE(RAND_bytes(salt, sizeof salt) == 1);
  return porchlight::test::ghl::encrypt_like_cryptojs(plaintext, secret, std::string_view(reinterpret_cast<char*>(salt), 8));
}

std::string code_of(std::string_view payload, std::string_view secret = kSecret) {
  const auto user = decrypt_user_context(payload, secret);
  return user ? "ok" : user.errors().front().code;
}

constexpr std::string_view kContext =
    R"({"userId":"YlWd2wuCAZQzh2cH1fVZ","companyId":"Gq8cEm9BmRNMh2vTqcuz","role":"admin","type":"location",)"
    R"("userName":"Dana Whitfield","email":"dana@whitfieldhomes.com","isAgencyOwner":false,"activeLocation":"ve9EPM428h8vShlRW1KT"})";

}  // namespace

TEST_CASE("ghl sso: a payload made by crypto-js 4.2.0 decrypts (golden vector)") {
  // node -e 'const C=require("crypto-js");console.log(C.AES.encrypt(JSON.stringify(ctx),"ghl-sso-golden-secret").toString())'
  // with ctx the object in kContext (tests/integration/ghl-fixtures.test.mjs makes payloads the same way).
  constexpr std::string_view kGolden =
      "U2FsdGVkX1+aONBMsROEzWlf9UhGf8QStNLop6difXildmPSr2uqlzcnSaTX6xyqGsFhC41fUQAMVIy4F5ukXtTe3kVqaR4Q/X4HK44GXHWG9X2dn3xl"
      "HZomPiKrfvqk/vln7z3bg+xnAxAt/rhL3gXEWfqUEvHvZxMoCTcl/X54H6Ckicia9KVk3YbVVsaJauhKFyPH1OWoMXWlnJuD5+vX1XlmVd4sdqlSRdOy"
      "Qftmtagi8X26Kcymn++WDuCMa6GLB+XbkhozT6aXcvxtxdWCSOpXDvpBplDMsLXkssMbB3EgmD14pbvgm5kOx7ILf7vWRhdd678wngckwWdOSw==";
  const auto user = decrypt_user_context(kGolden, kSecret);
  REQUIRE(user.ok());
  CHECK(user->user_id == "YlWd2wuCAZQzh2cH1fVZ");
  CHECK(user->company_id == "Gq8cEm9BmRNMh2vTqcuz");
  CHECK(user->role == "admin");
  CHECK(user->type == "location");
  CHECK(user->user_name == "Dana Whitfield");
  CHECK(user->email == "dana@whitfieldhomes.com");
  CHECK(user->active_location == "ve9EPM428h8vShlRW1KT");
  CHECK_FALSE(user->is_agency_owner);
  CHECK(code_of(kGolden, "ghl-sso-golden-secreT") == "auth.invalid_sso");
}

TEST_CASE("ghl sso: a payload encrypted the CryptoJS way decrypts") {
  const auto user = decrypt_user_context(encrypt_like_cryptojs(kContext, kSecret), kSecret);
  REQUIRE(user.ok());
  CHECK(user->user_id == "YlWd2wuCAZQzh2cH1fVZ");
  CHECK(user->active_location == "ve9EPM428h8vShlRW1KT");

  // An agency-level user: no activeLocation, and the owner flag.
  const auto agency = decrypt_user_context(
      encrypt_like_cryptojs(R"({"userId":"u1","companyId":"c1","role":"admin","type":"agency","isAgencyOwner":true})", kSecret),
      kSecret);
  REQUIRE(agency.ok());
  CHECK(agency->active_location.empty());
  CHECK(agency->is_agency_owner);
  CHECK(agency->type == "agency");
}

TEST_CASE("ghl sso: anything wrong is auth.invalid_sso, and the message holds neither secret nor plaintext") {
  const std::string good = encrypt_like_cryptojs(kContext, kSecret);
  SUBCASE("the wrong secret") { CHECK(code_of(good, "another-secret") == "auth.invalid_sso"); }
  SUBCASE("no secret configured") { CHECK(code_of(good, "") == "auth.invalid_sso"); }
  SUBCASE("tampered ciphertext: a changed byte in the last block breaks the padding or the JSON") {
    // Tamper with the bytes, not their base64: a base64 character's spare bits may not count.
    const std::string raw = porchlight::proxy::base64_decode(good).value();
    for (std::size_t i = raw.size() - 16; i < raw.size(); ++i) {
      std::string tampered = raw;
      tampered[i] = static_cast<char>(tampered[i] ^ 0x5a);
      CHECK(code_of(porchlight::test::ghl::base64(tampered)) == "auth.invalid_sso");
    }
  }
  SUBCASE("a broken padding and a broken content answer alike (no padding oracle)") {
    const std::string raw = porchlight::proxy::base64_decode(good).value();
    std::string first_block = raw, last_byte = raw;
    first_block[16] = static_cast<char>(first_block[16] ^ 0x01);  // the first ciphertext block: garbles the text
    last_byte.back() = static_cast<char>(last_byte.back() ^ 0x01);  // the padding
    const auto a = decrypt_user_context(porchlight::test::ghl::base64(first_block), kSecret);
    const auto b = decrypt_user_context(porchlight::test::ghl::base64(last_byte), kSecret);
    REQUIRE(!a.ok());
    REQUIRE(!b.ok());
    CHECK(a.errors().front().message == b.errors().front().message);
  }
  SUBCASE("truncated") {
    CHECK(code_of(good.substr(0, good.size() - 24)) == "auth.invalid_sso");
    CHECK(code_of(good.substr(0, 24)) == "auth.invalid_sso");  // "Salted__" + salt, no ciphertext
    CHECK(code_of("") == "auth.invalid_sso");
  }
  SUBCASE("not base64, no Salted__ header, too long") {
    CHECK(code_of("%%%not base64%%%") == "auth.invalid_sso");
    CHECK(code_of("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=") == "auth.invalid_sso");
    CHECK(code_of(std::string(kMaxSsoPayload + 4, 'A')) == "auth.invalid_sso");
  }
  SUBCASE("decrypts, but not to a user context") {
    for (std::string_view plain :
         {std::string_view("hello, not JSON"), std::string_view(R"(["userId","u1"])"), std::string_view(R"("u1")"),
          std::string_view(R"({"companyId":"c1"})"), std::string_view(R"({"userId":""})"),
          std::string_view(R"({"userId":42})"), std::string_view(R"({"userId":"u1","email":["a@b.c"]})"),
          std::string_view(R"({"userId":"u1","isAgencyOwner":"true"})"), std::string_view("{\"userId\":\"u\xff\"}"),
          std::string_view(R"({"userId":"u1")")}) {
      CHECK(code_of(encrypt_like_cryptojs(plain, kSecret)) == "auth.invalid_sso");
    }
    const std::string long_name = R"({"userId":"u1","userName":")" + std::string(1000, 'x') + "\"}";
    CHECK(code_of(encrypt_like_cryptojs(long_name, kSecret)) == "auth.invalid_sso");
  }
  // Whatever the failure, the message names neither the secret nor what was inside.
  for (const auto& [payload, secret] : {std::pair<std::string, std::string>{good, "another-secret"},
                                        {encrypt_like_cryptojs(R"({"userId":7,"email":"dana@whitfieldhomes.com"})", kSecret), std::string(kSecret)}}) {
    const auto user = decrypt_user_context(payload, secret);
    REQUIRE_FALSE(user.ok());
    const std::string& message = user.errors().front().message;
    CHECK(message.find(secret) == std::string::npos);
    CHECK(message.find("dana") == std::string::npos);
  }
}
