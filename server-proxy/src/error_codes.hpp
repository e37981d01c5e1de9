// error_codes.hpp: the registry of error codes, the one place that says what each code means on
// the wire: its HTTP status, its Anthropic-style type and whether a retry may succeed.
//
// Exact codes for everything the proxy, its store and its upstream client raise; families
// ("profile.*") only where codes are generated at run time (the core's JSON readers make
// "<kind>.invalid_<field>", and a few callers add a name to a prefix: "limits." + bucket).
// tests/integration/error-codes.test.mjs holds this table against the codes the sources raise and
// against docs/api/openapi.yaml (components.schemas.ErrorCode); `porchlight-proxy errors` prints it.
#pragma once

#include <iosfwd>
#include <span>
#include <string_view>

namespace porchlight::proxy {

struct ErrorCode {
  std::string_view code;     // "auth.invalid_key", or a family: a prefix and '*' ("profile.*")
  int status;                // the HTTP status of an answer with this code
  std::string_view type;     // Anthropic-style: invalid_request_error, authentication_error, ...
  bool retryable;            // the same request may succeed later
  std::string_view meaning;  // one line, for people: the docs repeat it
};

// Every row, in the table's order.
std::span<const ErrorCode> error_codes();

// The exact row for `code`, else the family with the longest matching prefix; nullptr when the
// code is not registered (a bug: ApiError::from_code logs and counts it).
const ErrorCode* find_error_code(std::string_view code);

// `porchlight-proxy errors`: the table as a JSON array on `out`. Returns the exit status.
int print_error_codes(std::ostream& out);

}  // namespace porchlight::proxy
