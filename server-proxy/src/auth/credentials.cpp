#include "auth/credentials.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

namespace porchlight::proxy {

namespace {

std::string random_base62(std::size_t n) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string out;
  out.reserve(n);
  unsigned char buf[64];
  while (out.size() < n) {
    if (RAND_bytes(buf, sizeof buf) != 1) std::abort();  // no entropy: refuse to mint weak keys
    for (unsigned char b : buf)
      if (b < 248 && out.size() < n) out += kAlphabet[b % 62];  // 248 = 4 * 62: no modulo bias
  }
  return out;
}

std::string hex(const unsigned char* data, std::size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (std::size_t i = 0; i < n; ++i) {
    out += kHex[data[i] >> 4];
    out += kHex[data[i] & 0xF];
  }
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

Error invalid_token(std::string why) { return Error{"auth.invalid_token", "agent token: " + std::move(why), "token"}; }

}  // namespace

NewApiKey generate_api_key(store::KeyKind kind) {
  NewApiKey k;
  k.key = std::string(kind == store::KeyKind::secret ? "sk_" : "pk_") + random_base62(40);
  k.prefix = k.key.substr(0, 10);
  k.hash = hash_api_key(k.key);
  return k;
}

std::string hash_api_key(std::string_view key) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return hex(digest, sizeof digest);
}

std::optional<store::KeyKind> api_key_kind(std::string_view key) {
  if (key.size() != 43) return std::nullopt;
  if (key.substr(0, 3) == "sk_") return store::KeyKind::secret;
  if (key.substr(0, 3) == "pk_") return store::KeyKind::publishable;
  return std::nullopt;
}

std::string generate_secret(std::string_view prefix) { return std::string(prefix) + random_base62(43); }

bool secure_equals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64url_encode(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
  } else if (i + 2 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64url_decode(std::string_view in) {
  std::string out;
  unsigned value = 0;
  int bits = -8;
  for (char c : in) {
    int d;
    if (c >= 'A' && c <= 'Z') d = c - 'A';
    else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
    else if (c >= '0' && c <= '9') d = c - '0' + 52;
    else if (c == '-') d = 62;
    else if (c == '_') d = 63;
    else return std::nullopt;  // no padding, no other characters in a JWT
    value = (value << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 0) {
      out += static_cast<char>((value >> bits) & 0xFF);
      bits -= 8;
    }
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  const std::size_t first = in.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return std::string();
  in = in.substr(first, in.find_last_not_of(" \t\r\n") - first + 1);
  // Padding, when present, must complete the last group of four.
  std::size_t padding = 0;
  while (padding < 2 && padding < in.size() && in[in.size() - 1 - padding] == '=') ++padding;
  if (padding > 0 && in.size() % 4 != 0) return std::nullopt;
  in.remove_suffix(padding);
  if (in.size() % 4 == 1) return std::nullopt;  // no whole byte in the last group
  // The URL-safe decoder does the work; its two letters are not in this alphabet.
  std::string url(in);
  for (char& c : url) {
    if (c == '-' || c == '_') return std::nullopt;
    c = c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return base64url_decode(url);
}

std::string mint_agent_token(const AgentClaims& c, std::string_view secret) {
  const std::string header = base64url_encode(R"({"alg":"HS256","typ":"JWT"})");
  nlohmann::json payload{{"sub", c.agent_id}, {"location_id", c.location_id}, {"iat", c.issued_at}, {"exp", c.expires_at}};
  if (!c.lead_id.empty()) payload["lead_id"] = c.lead_id;
  if (!c.name.empty()) payload["name"] = c.name;
  if (c.kind != "agent") payload["pl_kind"] = c.kind;
  if (!c.token_id.empty()) payload["jti"] = c.token_id;
  const std::string signing_input = header + "." + base64url_encode(payload.dump());
  return signing_input + "." + base64url_encode(hmac_sha256(secret, signing_input));
}

Result<AgentClaims> verify_agent_token(std::string_view token, std::string_view secret, std::int64_t now,
                                       std::chrono::seconds max_age, std::string_view kind) {
  constexpr std::int64_t kLeeway = 60;  // clock skew between the CRM's backend and us
  if (token.size() > 4096) return invalid_token("longer than 4096 bytes");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return invalid_token("expected three dot-separated parts (a JWT)");
  const auto header = base64url_decode(token.substr(0, dot1));
  const auto payload = base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  const auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !signature) return invalid_token("a part is not base64url");
  const auto h = nlohmann::json::parse(*header, nullptr, false);
  // (Compared as JSON: value("alg", "") would throw on an alg that is not a string.)
  if (h.is_discarded() || !h.is_object() || !h.contains("alg") || h["alg"] != "HS256")
    return invalid_token("the header must say alg HS256");  // never "none", never RS/HS confusion
  if (!secure_equals(*signature, hmac_sha256(secret, token.substr(0, dot2))))
    return invalid_token("the signature does not match this location's secret");
  const auto p = nlohmann::json::parse(*payload, nullptr, false);
  if (p.is_discarded() || !p.is_object()) return invalid_token("the payload is not a JSON object");
  AgentClaims c;
  if (!p.contains("sub") || !p["sub"].is_string() || !is_valid_id(p["sub"].get<std::string>()))
    return invalid_token("sub must be the agent's id");
  if (!p.contains("location_id") || !p["location_id"].is_string())
    return invalid_token("location_id is required");
  if (!p.contains("exp") || !p["exp"].is_number_integer() || !p.contains("iat") || !p["iat"].is_number_integer())
    return invalid_token("iat and exp are required, in seconds since the epoch");
  c.agent_id = p["sub"];
  c.location_id = p["location_id"];
  c.issued_at = p["iat"];
  c.expires_at = p["exp"];
  if (p.contains("lead_id") && p["lead_id"].is_string()) c.lead_id = p["lead_id"];
  if (p.contains("name") && p["name"].is_string()) c.name = p["name"];
  if (p.contains("jti") && p["jti"].is_string()) c.token_id = p["jti"];
  c.kind = p.contains("pl_kind") && p["pl_kind"].is_string() ? p["pl_kind"].get<std::string>() : "agent";
  if (c.kind != kind) return invalid_token("this is not an " + std::string(kind) + " token");
  // iat and exp can be any 64-bit integers (the signer's choice): arithmetic is on `now`, or on iat
  // once it is known to be at most now + kLeeway, so none of it can overflow.
  if (c.expires_at < now - kLeeway) return Error{"auth.expired_token", "agent token: expired; mint a new one", "token"};
  if (c.issued_at > now + kLeeway) return invalid_token("issued in the future (check the CRM server's clock)");
  if (c.expires_at > c.issued_at + max_age.count())
    return Error{"auth.token_lifetime",
                 "agent token: lives longer than " + std::to_string(max_age.count()) + " s; mint short-lived tokens",
                 "token"};
  return c;
}

}  // namespace porchlight::proxy
