// api_error.hpp (internal to the fake): the Claude API's error shape, and the one place where an
// HTTP status maps to an error type.
//
//   {"type":"error","error":{"type":"invalid_request_error","message":"...","details":null},
//    "request_id":"req_..."}
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace porchlight::fake {

// The fake's JSON keeps object keys in insertion order: requests keep the caller's order (tool
// schemas, prompt hashing) and responses list fields in the real API's order ("type" first).
using json = nlohmann::ordered_json;

struct ApiError {
  int status = 400;
  std::string type;        // empty: the type for `status`
  std::string message;     // empty: the default message for the type
  std::string error_code;  // optional error.details.error_code
};

// 400 invalid_request_error, 401 authentication_error, 402 billing_error, 403 permission_error,
// 404 not_found_error, 409 conflict_error, 413 request_too_large, 429 rate_limit_error,
// 500 api_error, 504 timeout_error, 529 overloaded_error; other 4xx invalid_request_error, other
// 5xx api_error.
std::string_view error_type_for_status(int status);
std::string_view default_error_message(std::string_view type);

// The error object `{"type": ..., "message": ..., "details": ...}` with the defaults filled in.
json error_object(const ApiError& error);
// The whole body, with request_id.
json error_body(const ApiError& error, const std::string& request_id);

inline ApiError invalid_request(std::string message) {
  return ApiError{400, "invalid_request_error", std::move(message), {}};
}

// Serializes without ever throwing: invalid UTF-8 (possible in echoed headers) is replaced.
inline std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace porchlight::fake
