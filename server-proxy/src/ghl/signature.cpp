#include "ghl/signature.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <optional>
#include <string>

#include "auth/credentials.hpp"

namespace porchlight::proxy::ghl {

class PublicKey {
 public:
  explicit PublicKey(EVP_PKEY* key) : key_(key) {}
  ~PublicKey() { EVP_PKEY_free(key_); }
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;

  EVP_PKEY* get() const { return key_; }
  int type() const { return EVP_PKEY_id(key_); }

 private:
  EVP_PKEY* key_;
};

namespace {

// Far above any real key (an RSA-16384 PEM is under 3 KiB) and signature (RSA-4096: 684 characters).
constexpr std::size_t kMaxKeyText = 16 * 1024;
constexpr std::size_t kMaxSignatureText = 4096;
constexpr int kMinRsaBits = 2048;

Error invalid_key(std::string_view flag_name, std::string why) {
  return Error{"config.invalid_ghl_key", std::string(flag_name) + ": " + why +
                                             "; expected GoHighLevel's webhook public key as the base64 of an SPKI DER key "
                                             "(the Ed25519 key) or a PEM block \"-----BEGIN PUBLIC KEY-----\" (the RSA key)",
               std::string(flag_name)};
}

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

EVP_PKEY* read_pem(std::string_view text) {
  // An environment variable often carries the PEM on one line with literal "\n".
  std::string pem;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') { pem += '\n'; ++i; }
    else pem += text[i];
  }
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (!bio) return nullptr;
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  return key;
}

EVP_PKEY* read_der(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* key = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  // Trailing bytes mean this was not one key.
  if (key && p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return key;
}

// The signature's bytes when they have the length the key makes; nullopt otherwise.
std::optional<std::string> signature_bytes(std::string_view signature_b64, std::size_t expected) {
  if (signature_b64.size() > kMaxSignatureText) return std::nullopt;
  auto bytes = base64_decode(signature_b64);
  if (!bytes || bytes->size() != expected) return std::nullopt;
  return bytes;
}

// One-shot EVP_DigestVerify: Ed25519 takes no digest (nullptr), RSA takes SHA-256 (PKCS#1 v1.5 is
// the default padding).
bool digest_verify(EVP_PKEY* key, const EVP_MD* md, std::string_view body, const std::string& signature) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (!ctx) return false;
  const bool ok = EVP_DigestVerifyInit(ctx, nullptr, md, nullptr, key) == 1 &&
                  EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                   reinterpret_cast<const unsigned char*>(body.data()), body.size()) == 1;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error();  // a failed check leaves errors on the thread's queue; nobody reads them
  return ok;
}

}  // namespace

Result<std::shared_ptr<const PublicKey>> parse_public_key(std::string_view text, std::string_view flag_name) {
  text = trim(text);
  if (text.empty()) return invalid_key(flag_name, "empty");
  if (text.size() > kMaxKeyText) return invalid_key(flag_name, "too long to be a public key");

  EVP_PKEY* key = nullptr;
  if (text.starts_with("-----BEGIN")) {
    if (!text.starts_with("-----BEGIN PUBLIC KEY-----")) {
      return invalid_key(flag_name, "a PEM block that is not \"PUBLIC KEY\" (a certificate, or an RSA PUBLIC KEY / "
                                    "private key block?)");
    }
    key = read_pem(text);
    if (!key) {
      ERR_clear_error();
      return invalid_key(flag_name, "the PEM block does not hold a readable public key");
    }
  } else {
    const auto der = base64_decode(text);
    if (!der) return invalid_key(flag_name, "neither PEM nor base64");
    key = read_der(*der);
    if (!key) {
      ERR_clear_error();
      return invalid_key(flag_name, "the base64 does not decode to an SPKI DER public key");
    }
  }

  auto owned = std::make_shared<const PublicKey>(key);
  if (owned->type() == EVP_PKEY_RSA) {
    if (EVP_PKEY_bits(key) < kMinRsaBits) return invalid_key(flag_name, "an RSA key shorter than 2048 bits");
  } else if (owned->type() != EVP_PKEY_ED25519) {
    return invalid_key(flag_name, "a public key that is neither Ed25519 nor RSA");
  }
  return owned;
}

bool is_ed25519(const PublicKey& key) { return key.type() == EVP_PKEY_ED25519; }

bool verify_ed25519(const PublicKey& key, std::string_view body, std::string_view signature_b64) {
  if (!is_ed25519(key)) return false;
  const auto signature = signature_bytes(signature_b64, 64);  // Ed25519 signatures are 64 bytes
  return signature && digest_verify(key.get(), nullptr, body, *signature);
}

bool verify_rsa_sha256(const PublicKey& key, std::string_view body, std::string_view signature_b64) {
  if (key.type() != EVP_PKEY_RSA) return false;
  const auto signature = signature_bytes(signature_b64, static_cast<std::size_t>(EVP_PKEY_size(key.get())));
  return signature && digest_verify(key.get(), EVP_sha256(), body, *signature);
}

}  // namespace porchlight::proxy::ghl
