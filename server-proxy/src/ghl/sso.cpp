#include "ghl/sso.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <array>
#include <optional>

#include "auth/credentials.hpp"
#include "porchlight/json_input.hpp"

namespace porchlight::proxy::ghl {

namespace {

constexpr std::string_view kMagic = "Salted__";  // OpenSSL's (and CryptoJS's) salted format
constexpr std::size_t kSaltSize = 8;
constexpr std::size_t kBlock = 16;  // AES block size

Error invalid_sso(std::string why) {
  return Error{"auth.invalid_sso", "GoHighLevel user context: " + std::move(why), "payload"};
}

// AES-256-CBC decryption with the key and IV OpenSSL's EVP_BytesToKey derives (MD5, one round),
// as CryptoJS does for a passphrase. nullopt when the padding is wrong: without a MAC, that is
// how a wrong secret (or most tampering) shows.
std::optional<std::string> decrypt(std::string_view salt, std::string_view ciphertext, std::string_view secret) {
  std::array<unsigned char, 32> key{};
  std::array<unsigned char, 16> iv{};
  std::optional<std::string> out;
  if (EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), reinterpret_cast<const unsigned char*>(salt.data()),
                     reinterpret_cast<const unsigned char*>(secret.data()), static_cast<int>(secret.size()), 1,
                     key.data(), iv.data()) == 32) {
    EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
    std::string plain(ciphertext.size() + kBlock, '\0');
    int n = 0;
    int tail = 0;
    if (ctx && EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key.data(), iv.data()) == 1 &&
        EVP_DecryptUpdate(ctx, reinterpret_cast<unsigned char*>(plain.data()), &n,
                          reinterpret_cast<const unsigned char*>(ciphertext.data()), static_cast<int>(ciphertext.size())) == 1 &&
        EVP_DecryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(plain.data()) + n, &tail) == 1) {
      plain.resize(static_cast<std::size_t>(n + tail));
      out = std::move(plain);
    } else {
      OPENSSL_cleanse(plain.data(), plain.size());
    }
    EVP_CIPHER_CTX_free(ctx);
  }
  OPENSSL_cleanse(key.data(), key.size());
  OPENSSL_cleanse(iv.data(), iv.size());
  ERR_clear_error();
  return out;
}

// Reads an optional string member (absent or null: empty). False when it is another type or longer
// than max_bytes. The messages name the field, never its value.
bool read_string(const json& object, const char* key, std::size_t max_bytes, std::string& out, std::string& why) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) { why = std::string(key) + " is not a string"; return false; }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_bytes) { why = std::string(key) + " is too long"; return false; }
  out = s;
  return true;
}

}  // namespace

Result<GhlUserContext> decrypt_user_context(std::string_view payload_b64, std::string_view shared_secret) {
  if (shared_secret.empty()) return invalid_sso("no shared secret is configured to decrypt it");
  if (payload_b64.size() > kMaxSsoPayload) return invalid_sso("longer than 16 KiB");
  const auto raw = base64_decode(payload_b64);
  if (!raw) return invalid_sso("not base64 (expected CryptoJS.AES.encrypt(...).toString())");
  const std::string_view bytes = *raw;
  if (!bytes.starts_with(kMagic)) return invalid_sso("no \"Salted__\" header (expected CryptoJS.AES.encrypt with a passphrase)");
  const std::string_view salt = bytes.substr(kMagic.size(), kSaltSize);
  const std::string_view ciphertext = bytes.substr(std::min(bytes.size(), kMagic.size() + kSaltSize));
  if (salt.size() != kSaltSize || ciphertext.empty() || ciphertext.size() % kBlock != 0) {
    return invalid_sso("truncated (the ciphertext is not whole AES blocks)");
  }

  auto plain = decrypt(salt, ciphertext, shared_secret);
  // One answer whether the padding or the content is wrong: telling them apart would make the
  // endpoint a padding oracle (CBC without a MAC is GoHighLevel's format, not ours to change).
  const auto undecryptable = [] {
    return invalid_sso("does not decrypt to a user context: the shared secret differs from the app's, or the payload was altered");
  };
  if (!plain) return undecryptable();

  // parse_untrusted checks UTF-8 and bounds depth; its errors may quote the text, so they are dropped.
  auto parsed = json_input::parse_untrusted(*plain, {.max_bytes = kMaxSsoPayload, .max_depth = 8});
  OPENSSL_cleanse(plain->data(), plain->size());
  if (!parsed || !parsed.value().is_object()) return undecryptable();
  const json& object = parsed.value();

  GhlUserContext user;
  std::string why;
  // Ids are 20-odd characters; names and e-mail addresses stay under 320 (RFC 5321's limit).
  const bool fields_ok = read_string(object, "userId", 128, user.user_id, why) &&
                         read_string(object, "companyId", 128, user.company_id, why) &&
                         read_string(object, "role", 64, user.role, why) &&
                         read_string(object, "type", 64, user.type, why) &&
                         read_string(object, "userName", 320, user.user_name, why) &&
                         read_string(object, "email", 320, user.email, why) &&
                         read_string(object, "activeLocation", 128, user.active_location, why);
  if (!fields_ok) return invalid_sso(why);
  if (user.user_id.empty()) return invalid_sso("no userId");
  if (const auto owner = object.find("isAgencyOwner"); owner != object.end() && !owner->is_null()) {
    if (!owner->is_boolean()) return invalid_sso("isAgencyOwner is not a boolean");
    user.is_agency_owner = owner->get<bool>();
  }
  return user;
}

}  // namespace porchlight::proxy::ghl
