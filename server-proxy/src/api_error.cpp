#include "api_error.hpp"

#include <atomic>
#include <mutex>
#include <set>

#include <nlohmann/json.hpp>

#include "error_codes.hpp"
#include "log.hpp"

namespace porchlight::proxy {

namespace {

// A code missing from the registry is a bug of ours (tests/integration/error-codes.test.mjs is
// there to catch it first): log it once per code, count every use, and keep answering as the
// proxy did before the registry: 400 invalid_request_error.
constexpr ErrorCode kUnregistered{"", 400, "invalid_request_error", false, "not in the registry"};
std::atomic<std::uint64_t> g_unregistered{0};

const ErrorCode& registered(std::string_view code) {
  if (const ErrorCode* row = find_error_code(code)) return *row;
  g_unregistered.fetch_add(1, std::memory_order_relaxed);
  static std::mutex mutex;
  static std::set<std::string, std::less<>> logged;  // a few: each is a bug to fix
  {
    std::lock_guard lock(mutex);
    if (logged.size() >= 64 || !logged.emplace(code).second) return kUnregistered;
  }
  log::write(log::Level::error, "bug: error code '" + std::string(code) +
                                    "' is not in the registry (server-proxy/src/error_codes.cpp); answering 400");
  return kUnregistered;
}

}  // namespace

std::uint64_t ApiError::unregistered_codes() { return g_unregistered.load(std::memory_order_relaxed); }

ApiError ApiError::from_code(std::string code, std::string message) {
  const ErrorCode& m = registered(code);
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
