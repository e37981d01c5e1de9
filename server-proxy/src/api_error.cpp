#include "api_error.hpp"

#include <nlohmann/json.hpp>

namespace porchlight::proxy {

namespace {

struct Mapping {
  std::string_view prefix;  // a code, or a code family ending in '.'
  int status;
  std::string_view type;
  bool retryable;
};

// Longest matching prefix wins. Core validation codes ("profile.invalid_role") fall to the
// generic rows at the end.
constexpr Mapping kMappings[] = {
    {"request.too_large", 413, "request_too_large", false},
    {"request.", 400, "invalid_request_error", false},
    {"auth.missing_key", 401, "authentication_error", false},
    {"auth.invalid_key", 401, "authentication_error", false},
    {"auth.revoked_key", 401, "authentication_error", false},
    {"auth.invalid_token", 401, "authentication_error", false},
    {"auth.expired_token", 401, "authentication_error", false},
    {"auth.token_lifetime", 401, "authentication_error", false},
    {"auth.", 403, "permission_error", false},
    {"not_found", 404, "not_found_error", false},
    {"method_not_allowed", 405, "invalid_request_error", false},
    {"limits.", 429, "rate_limit_error", true},
    {"budget.", 429, "rate_limit_error", true},
    {"store.unavailable", 503, "overloaded_error", true},
    {"store.conflict", 409, "invalid_request_error", false},
    {"store.invalid", 400, "invalid_request_error", false},
    {"store.", 500, "api_error", true},
    {"upstream.timeout", 504, "api_error", true},
    {"upstream.circuit_open", 503, "overloaded_error", true},
    {"upstream.", 502, "api_error", true},
    {"shutting_down", 503, "overloaded_error", true},
    {"internal", 500, "api_error", true},
    {"cost.", 400, "invalid_request_error", false},
};

const Mapping& lookup(std::string_view code) {
  const Mapping* best = nullptr;
  for (const auto& m : kMappings) {
    const bool family = m.prefix.back() == '.';
    const bool hit = family ? code.substr(0, m.prefix.size()) == m.prefix : code == m.prefix;
    if (hit && (!best || m.prefix.size() > best->prefix.size())) best = &m;
  }
  // Validation codes from the core and any unknown code: the caller sent something wrong.
  static constexpr Mapping kInvalid{"", 400, "invalid_request_error", false};
  return best ? *best : kInvalid;
}

}  // namespace

ApiError ApiError::from_code(std::string code, std::string message) {
  const Mapping& m = lookup(code);
  ApiError e;
  e.status = m.status;
  e.type = std::string(m.type);
  e.retryable = m.retryable;
  e.code = std::move(code);
  e.message = std::move(message);
  return e;
}

ApiError ApiError::from(const Errors& errors) {
  if (errors.empty()) return from_code("internal", "an operation failed without saying why");
  std::string message = errors.front().message;
  for (std::size_t i = 1; i < errors.size() && i < 8; ++i) message += "; " + errors[i].message;
  if (errors.size() > 8) message += "; and " + std::to_string(errors.size() - 8) + " more";
  ApiError e = from_code(errors.front().code, std::move(message));
  // Field errors always come as a list too (with their paths), so a form can place each one.
  if (errors.size() > 1 || !errors.front().path.empty()) e.details = errors;
  return e;
}

std::string ApiError::body(const std::string& request_id) const {
  nlohmann::json j{{"type", "error"},
                   {"error", {{"type", type}, {"code", code}, {"message", message}}},
                   {"request_id", request_id}};
  if (!details.empty()) {
    auto& list = j["error"]["errors"] = nlohmann::json::array();
    for (const auto& d : details) list.push_back({{"code", d.code}, {"message", d.message}, {"path", d.path}});
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace porchlight::proxy
