// ghl/signature.hpp: GoHighLevel's webhook signatures.
//
// x-ghl-signature is Ed25519 over the body's raw bytes, base64; the legacy x-wh-signature is
// RSA PKCS#1 v1.5 with SHA-256 over the same bytes. The public keys come from GoHighLevel's
// webhook guide through configuration (never constants), parsed once at startup. Verify the bytes
// as received: re-serializing parsed JSON (as GoHighLevel's Node SDK does) breaks on any
// difference in spacing or key order.
#pragma once

#include <memory>
#include <string_view>

#include "porchlight/error.hpp"

namespace porchlight::proxy::ghl {

// A webhook public key: Ed25519 or RSA (at least 2048 bits). Opaque; holds an EVP_PKEY.
class PublicKey;

// `text` is the base64 of an SPKI DER key (GoHighLevel's Ed25519 form) or a PEM
// "-----BEGIN PUBLIC KEY-----" block (its RSA form); surrounding whitespace is ignored, and "\n"
// written as two characters (an environment variable) reads as a line break.
// Errors: config.invalid_ghl_key, at path `flag_name`; the message says which form was expected
// and never echoes the key.
Result<std::shared_ptr<const PublicKey>> parse_public_key(std::string_view text, std::string_view flag_name);

bool is_ed25519(const PublicKey& key);

// Ed25519 over `body`; the signature is base64 (standard alphabet, padding optional, whitespace
// around it ignored). False for a malformed signature and for a key that is not Ed25519.
bool verify_ed25519(const PublicKey& key, std::string_view body, std::string_view signature_b64);

// RSA PKCS#1 v1.5 with SHA-256 over `body` (the legacy x-wh-signature). False for a malformed
// signature and for a key that is not RSA.
bool verify_rsa_sha256(const PublicKey& key, std::string_view body, std::string_view signature_b64);

}  // namespace porchlight::proxy::ghl
