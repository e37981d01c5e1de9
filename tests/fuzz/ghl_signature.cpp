// fuzz_ghl_signature: GoHighLevel webhook signatures (server-proxy/src/ghl/signature.cpp) and the
// standard base64 they are read with (auth/credentials.cpp), with a fixed Ed25519 key (so seeds
// can hold real signatures) and an RSA key made at start.
//
// Input: a first line naming the mode, then its bytes:
//   key      the rest is a configured public key (PEM or base64 SPKI DER): parse_public_key; a key
//            that parses is checked against a signature of the other kind;
//   ed25519  "<signature>\n<body>": verify_ed25519 with the fixed key, as a delivery's
//            x-ghl-signature; the RSA check must refuse the Ed25519 key;
//   rsa      "<signature>\n<body>": verify_rsa_sha256, as a legacy x-wh-signature;
//   signed   the rest is a body, signed here with both keys: both must verify, and fail on a body
//            one byte longer.
// In every mode base64_decode(base64(rest)) must be rest. Other modes are skipped.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/credentials.hpp"
#include "ghl/signature.hpp"
#include "ghl/test_crypto.hpp"
#include "named_input.hpp"

namespace {

using namespace porchlight::proxy::ghl;
namespace test = porchlight::test::ghl;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_ghl_signature: %s\n", what);
  std::abort();
}

// The fixed key's seed; the seeds in corpus/ghl_signature/ are signed with it.
constexpr std::string_view kEd25519Seed = "porchlight-fuzz-ghl-ed25519-key!";
static_assert(kEd25519Seed.size() == 32);

struct Keys {
  test::Pkey ed25519_private = test::ed25519_from_seed(kEd25519Seed);
  test::Pkey rsa_private = test::generate_key("RSA");
  std::shared_ptr<const PublicKey> ed25519 = parse(test::spki_base64(ed25519_private.get()));
  std::shared_ptr<const PublicKey> rsa = parse(test::public_pem(rsa_private.get()));

  static std::shared_ptr<const PublicKey> parse(const std::string& text) {
    auto key = parse_public_key(text, "--ghl-webhook-public-key");
    if (!key) fail("a generated key does not parse");
    return key.value();
  }
};

const Keys& keys() {
  static const Keys k;
  return k;
}

// "<signature>\n<body>"; the whole rest is the signature when there is no line break.
std::pair<std::string_view, std::string_view> signature_and_body(std::string_view rest) {
  const std::size_t newline = rest.find('\n');
  if (newline == std::string_view::npos) return {rest, {}};
  return {rest.substr(0, newline), rest.substr(newline + 1)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = porchlight::fuzz::named_input(data, size);
  if (!input) return 0;
  const auto [mode, rest] = *input;
  if (porchlight::proxy::base64_decode(test::base64(rest)) != rest) fail("base64 does not round-trip");
  const Keys& k = keys();

  if (mode == "key") {
    const auto key = parse_public_key(rest, "--ghl-webhook-public-key");
    if (key) {
      const std::string ed_signature = test::sign(k.ed25519_private.get(), rest);
      const std::string rsa_signature = test::sign(k.rsa_private.get(), rest);
      if (is_ed25519(*key.value()) ? verify_rsa_sha256(*key.value(), rest, rsa_signature)
                                   : verify_ed25519(*key.value(), rest, ed_signature))
        fail("a key verified a signature of the other kind");
    } else if (key.errors().front().code != "config.invalid_ghl_key") {
      fail("a refused key has another code");
    }
  } else if (mode == "ed25519") {
    const auto [signature, body] = signature_and_body(rest);
    verify_ed25519(*k.ed25519, body, signature);
    if (verify_rsa_sha256(*k.ed25519, body, signature)) fail("the RSA check accepted an Ed25519 key");
  } else if (mode == "rsa") {
    const auto [signature, body] = signature_and_body(rest);
    verify_rsa_sha256(*k.rsa, body, signature);
    if (verify_ed25519(*k.rsa, body, signature)) fail("the Ed25519 check accepted an RSA key");
  } else if (mode == "signed") {
    const std::string ed_signature = test::sign(k.ed25519_private.get(), rest);
    const std::string rsa_signature = test::sign(k.rsa_private.get(), rest);
    if (!verify_ed25519(*k.ed25519, rest, ed_signature)) fail("a genuine Ed25519 signature failed");
    if (!verify_rsa_sha256(*k.rsa, rest, rsa_signature)) fail("a genuine RSA signature failed");
    const std::string longer = std::string(rest) + "x";
    if (verify_ed25519(*k.ed25519, longer, ed_signature) || verify_rsa_sha256(*k.rsa, longer, rsa_signature))
      fail("a signature verified another body");
  }
  return 0;
}
