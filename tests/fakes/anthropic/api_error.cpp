// api_error.cpp: status → error type, default messages and the error body.
#include "api_error.hpp"

namespace porchlight::fake {

std::string_view error_type_for_status(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 409:
      return "conflict_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 500:
      return "api_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string_view default_error_message(std::string_view type) {
  if (type == "invalid_request_error") return "Invalid request";
  if (type == "authentication_error") return "invalid x-api-key";
  if (type == "billing_error") return "Your credit balance is too low to access the Anthropic API.";
  if (type == "permission_error")
    return "Your API key does not have permission to use the specified resource.";
  if (type == "not_found_error") return "Not found";
  if (type == "conflict_error") return "The request conflicts with the current state of the resource.";
  if (type == "request_too_large") return "Request exceeds the maximum allowed number of bytes.";
  if (type == "rate_limit_error")
    return "This request would exceed your organization's rate limit. Please try again later.";
  if (type == "timeout_error") return "Request timed out";
  if (type == "overloaded_error") return "Overloaded";
  return "Internal server error";
}

json error_object(const ApiError& error) {
  std::string type = error.type.empty() ? std::string(error_type_for_status(error.status)) : error.type;
  std::string message = error.message.empty() ? std::string(default_error_message(type)) : error.message;
  // Since late 2026 the API sends `details` on every error: null, or {"error_code": ...}.
  json details = error.error_code.empty() ? json(nullptr) : json{{"error_code", error.error_code}};
  return {{"type", type}, {"message", message}, {"details", details}};
}

json error_body(const ApiError& error, const std::string& request_id) {
  return {{"type", "error"}, {"error", error_object(error)}, {"request_id", request_id}};
}

}  // namespace porchlight::fake
