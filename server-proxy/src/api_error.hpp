// api_error.hpp: the proxy's one error type. Codes map to HTTP through the registry in
// error_codes.hpp.
//
// On the wire every error is
//   {"type": "error", "error": {"type", "code", "message"}, "request_id"}
// which is both Porchlight's shape ({"error": {"type","code","message"}}) and the Anthropic
// Messages API's, so the official SDKs raise proper typed errors for our failures too.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "porchlight/error.hpp"

namespace porchlight::proxy {

struct ApiError {
  int status = 500;
  std::string type;     // Anthropic-style family: invalid_request_error, authentication_error, ...
  std::string code;     // stable and specific: "auth.invalid_key", "limits.location_tokens"
  std::string message;  // a diagnosis; never holds a secret
  bool retryable = false;
  std::optional<std::chrono::seconds> retry_after;
  Errors details;  // every problem, when there were several (validation)

  // From a code: status, type and retryability come from the registry (error_codes.hpp).
  static ApiError from_code(std::string code, std::string message);
  // From the core's or the store's errors (the first one leads; the rest join the message).
  static ApiError from(const Errors& errors);

  std::string body(const std::string& request_id) const;

  // How many errors were made with a code missing from the registry (each is a bug; /metrics).
  static std::uint64_t unregistered_codes();
};

}  // namespace porchlight::proxy
