// ghl/signature_test.cpp: GoHighLevel webhook signatures (server-proxy/src/ghl/signature.cpp),
// with key pairs made here by OpenSSL: the two key forms GoHighLevel publishes, signatures that
// verify, and every way a delivery's signature can be wrong.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "ghl/signature.hpp"
#include "ghl/test_crypto.hpp"

using namespace porchlight::proxy::ghl;

namespace {

using porchlight::test::ghl::generate_key;
using porchlight::test::ghl::Pkey;
using porchlight::test::ghl::sign;
using porchlight::test::ghl::spki_base64;
constexpr auto pem = porchlight::test::ghl::public_pem;

std::shared_ptr<const PublicKey> parsed(const std::string& text) {
  auto key = parse_public_key(text, "--ghl-webhook-public-key");
  REQUIRE(key.ok());
  return key.value();
}

constexpr std::string_view kBody =
    R"({"type":"InboundMessage","locationId":"ve9EPM428h8vShlRW1KT","contactId":"nmFmQEsNgz6AVpgLVUJ0","body":"Can we see 42 Maple Ave on Saturday?","webhookId":"6f1c2a0e-5b7d-4e11-9a3c-2f8d7e6b4a19"})";

}  // namespace

TEST_CASE("ghl signature: Ed25519 over the raw body verifies, from either key form") {
  const Pkey pair = generate_key("ED25519");
  const std::string signature = sign(pair.get(), kBody);
  for (const std::string& form : {spki_base64(pair.get()), pem(pair.get()), "  " + spki_base64(pair.get()) + "\n"}) {
    const auto key = parsed(form);
    CHECK(is_ed25519(*key));
    CHECK(verify_ed25519(*key, kBody, signature));
  }
  const auto key = parsed(spki_base64(pair.get()));
  SUBCASE("padding optional, whitespace around it ignored") {
    std::string unpadded = signature;
    while (unpadded.back() == '=') unpadded.pop_back();
    CHECK(verify_ed25519(*key, kBody, unpadded));
    CHECK(verify_ed25519(*key, kBody, " " + signature + "\r\n"));
  }
  SUBCASE("a body changed by one byte, or re-serialized, fails") {
    std::string tampered(kBody);
    tampered[tampered.find("Saturday")] = 's';
    CHECK_FALSE(verify_ed25519(*key, tampered, signature));
    CHECK_FALSE(verify_ed25519(*key, std::string(kBody) + "\n", signature));
    CHECK_FALSE(verify_ed25519(*key, "", signature));
  }
  SUBCASE("another key's signature fails") {
    const Pkey other = generate_key("ED25519");
    CHECK_FALSE(verify_ed25519(*key, kBody, sign(other.get(), kBody)));
  }
  SUBCASE("malformed signatures are false, never a crash") {
    std::string flipped = signature;
    flipped[3] = flipped[3] == 'A' ? 'B' : 'A';
    for (const std::string& bad : {std::string(), std::string("not base64!"), std::string("===="),
                                   signature.substr(0, 40), signature + signature, flipped,
                                   std::string(100'000, 'A'), std::string("A"),
                                   // the URL-safe alphabet is not GoHighLevel's
                                   std::string(86, '-') + "==", signature.substr(0, 10) + " " + signature.substr(10)}) {
      CHECK_FALSE(verify_ed25519(*key, kBody, bad));
    }
  }
  SUBCASE("an Ed25519 key given to the RSA check is false") {
    CHECK_FALSE(verify_rsa_sha256(*key, kBody, signature));
  }
}

TEST_CASE("ghl signature: the legacy RSA-SHA256 x-wh-signature") {
  const Pkey pair = generate_key("RSA");
  const std::string signature = sign(pair.get(), kBody);
  for (const std::string& form : {pem(pair.get()), spki_base64(pair.get())}) {
    const auto key = parsed(form);
    CHECK_FALSE(is_ed25519(*key));
    CHECK(verify_rsa_sha256(*key, kBody, signature));
    CHECK_FALSE(verify_rsa_sha256(*key, std::string(kBody) + " ", signature));
    CHECK_FALSE(verify_rsa_sha256(*key, kBody, signature.substr(4)));
    CHECK_FALSE(verify_rsa_sha256(*key, kBody, "%%%%"));
    CHECK_FALSE(verify_ed25519(*key, kBody, signature));  // an RSA key given to the Ed25519 check
  }
  const Pkey other = generate_key("RSA");
  CHECK_FALSE(verify_rsa_sha256(*parsed(pem(pair.get())), kBody, sign(other.get(), kBody)));
  // A PEM pasted into an environment variable with literal "\n" reads the same.
  std::string one_line;
  for (char c : pem(pair.get())) one_line += c == '\n' ? std::string("\\n") : std::string(1, c);
  CHECK(verify_rsa_sha256(*parsed(one_line), kBody, signature));
}

TEST_CASE("ghl signature: keys that are not usable are config.invalid_ghl_key, and the message never echoes them") {
  const Pkey ec = generate_key("X25519");
  const Pkey small_rsa = generate_key("RSA", 1024);
  const std::string spki = spki_base64(generate_key("ED25519").get());
  for (const std::string& text : {std::string(), std::string("   "), std::string("not a key at all"),
                                  std::string("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
                                  std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
                                  spki.substr(0, 20), spki + "AAAA", spki_base64(ec.get()), pem(small_rsa.get()),
                                  std::string(20'000, 'A')}) {
    const auto key = parse_public_key(text, "--ghl-webhook-public-key");
    REQUIRE_FALSE(key.ok());
    const auto& error = key.errors().front();
    CHECK(error.code == "config.invalid_ghl_key");
    CHECK(error.path == "--ghl-webhook-public-key");
    CHECK(error.message.find("expected") != std::string::npos);
    if (!text.starts_with("-----") && text.size() > 8) CHECK(error.message.find(text.substr(0, 12)) == std::string::npos);
  }
}
