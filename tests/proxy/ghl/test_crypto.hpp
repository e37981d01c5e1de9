// ghl/test_crypto.hpp: what GoHighLevel does with its keys and secrets, done here with OpenSSL so
// that the unit tests and the fuzz targets (tests/fuzz/ghl_*.cpp) can make real inputs: sign a
// webhook body, export a public key in either form GoHighLevel publishes, encrypt a user context
// as CryptoJS.AES.encrypt does. Test code: on an OpenSSL failure it aborts.
#pragma once

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace porchlight::test::ghl {

using Pkey = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "test_crypto: %s failed\n", what);
    std::abort();
  }
}

inline const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// "ED25519", "X25519", or "RSA" with its size in bits.
inline Pkey generate_key(const char* type, std::size_t rsa_bits = 2048) {
  EVP_PKEY* key = std::string_view(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", rsa_bits)
                                                  : EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  require(key != nullptr, "key generation");
  return Pkey(key, EVP_PKEY_free);
}

// A fixed Ed25519 key from its 32-byte seed, for inputs that must stay valid across runs.
inline Pkey ed25519_from_seed(std::string_view seed32) {
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, bytes(seed32), seed32.size());
  require(key != nullptr, "Ed25519 key from seed");
  return Pkey(key, EVP_PKEY_free);
}

// Standard base64 with padding, as GoHighLevel and CryptoJS write it.
inline std::string base64(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes(data), static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// The public half as GoHighLevel publishes its Ed25519 key: base64 of the SPKI DER.
inline std::string spki_base64(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  require(n > 0, "i2d_PUBKEY");
  std::string out = base64(std::string_view(reinterpret_cast<char*>(der), static_cast<std::size_t>(n)));
  OPENSSL_free(der);
  return out;
}

// The public half as GoHighLevel publishes its RSA key: PEM.
inline std::string public_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  require(bio && PEM_write_bio_PUBKEY(bio, key) == 1, "PEM_write_bio_PUBKEY");
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(n));
  BIO_free(bio);
  return out;
}

// The signature GoHighLevel sends, base64: Ed25519 (x-ghl-signature) or RSA PKCS#1 v1.5 with
// SHA-256 (x-wh-signature), by the key's type.
inline std::string sign(EVP_PKEY* key, std::string_view body) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  const EVP_MD* md = EVP_PKEY_id(key) == EVP_PKEY_RSA ? EVP_sha256() : nullptr;
  std::size_t n = 0;
  require(ctx && EVP_DigestSignInit(ctx, nullptr, md, nullptr, key) == 1 &&
              EVP_DigestSign(ctx, nullptr, &n, bytes(body), body.size()) == 1,
          "EVP_DigestSignInit");
  std::string signature(n, '\0');
  require(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(signature.data()), &n, bytes(body), body.size()) == 1,
          "EVP_DigestSign");
  EVP_MD_CTX_free(ctx);
  signature.resize(n);
  return base64(signature);
}

// CryptoJS.AES.encrypt(plaintext, secret).toString(): base64 of "Salted__" + salt + AES-256-CBC,
// key and IV from EVP_BytesToKey(MD5, 1 round), PKCS#7 padding. `salt8` is 8 bytes (CryptoJS
// draws it at random).
inline std::string encrypt_like_cryptojs(std::string_view plaintext, std::string_view secret, std::string_view salt8) {
  require(salt8.size() == 8, "an 8-byte salt");
  unsigned char key[32];
  unsigned char iv[16];
  require(EVP_BytesToKey(EVP_aes_256_cbc(), EVP_md5(), bytes(salt8), bytes(secret), static_cast<int>(secret.size()), 1,
                         key, iv) == 32,
          "EVP_BytesToKey");
  std::string ciphertext(plaintext.size() + 16, '\0');
  int n = 0;
  int tail = 0;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  require(ctx && EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key, iv) == 1 &&
              EVP_EncryptUpdate(ctx, reinterpret_cast<unsigned char*>(ciphertext.data()), &n, bytes(plaintext),
                                static_cast<int>(plaintext.size())) == 1 &&
              EVP_EncryptFinal_ex(ctx, reinterpret_cast<unsigned char*>(ciphertext.data()) + n, &tail) == 1,
          "AES-256-CBC encryption");
  EVP_CIPHER_CTX_free(ctx);
  ciphertext.resize(static_cast<std::size_t>(n + tail));
  return base64("Salted__" + std::string(salt8) + ciphertext);
}

}  // namespace porchlight::test::ghl
