// ghl/sso.hpp: GoHighLevel's user context, the sign-in from inside the CRM.
//
// A custom page asks its parent window for the user (REQUEST_USER_DATA) or custom JS calls
// window.exposeSessionDetails(APP_ID); either way GoHighLevel hands over
// CryptoJS.AES.encrypt(JSON, sharedSecret), made with the app's shared secret (its Advanced
// Settings, Auth). Only GoHighLevel and the proxy know the secret, so a payload that decrypts to
// a well-formed context came from GoHighLevel.
#pragma once

#include <string>
#include <string_view>

#include "porchlight/error.hpp"

namespace porchlight::proxy::ghl {

struct GhlUserContext {
  std::string user_id, company_id, role, type, user_name, email, active_location;  // active_location empty outside a location
  bool is_agency_owner = false;
};

inline constexpr std::size_t kMaxSsoPayload = 16 * 1024;

// Decrypts GoHighLevel's encrypted user context: base64 of "Salted__" + 8-byte salt + AES-256-CBC
// ciphertext, key and IV from EVP_BytesToKey(MD5, passphrase, salt, 1 round), PKCS#7 padding.
// Errors: auth.invalid_sso (a 401) for anything wrong: not base64, no "Salted__" header, bad
// padding (a wrong secret or a tampered payload), not a JSON object, no userId, a field of the
// wrong type or too long, over kMaxSsoPayload. Messages never include the secret or the plaintext.
Result<GhlUserContext> decrypt_user_context(std::string_view payload_b64, std::string_view shared_secret);

}  // namespace porchlight::proxy::ghl
