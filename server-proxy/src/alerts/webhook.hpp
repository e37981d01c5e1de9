// alerts/webhook.hpp: posting a JSON notice to a URL a location configured (its budget alerts).
// One request, no pool: alerts are rare. https verifies the certificate and the host name against
// the system's store; http is allowed (an internal receiver). The URL itself is the credential, as
// with Slack's and Teams' incoming webhooks, so it is never logged.
#pragma once

#include <chrono>
#include <string>

#include "net.hpp"
#include "porchlight/error.hpp"

namespace porchlight::proxy {

// Errors: alerts.invalid_url (not http(s)://host[:port]/path), alerts.unreachable (resolve,
// connect, TLS or a timeout), alerts.rejected (an answer other than 2xx).
awaitable<Result<int>> post_json(net::any_io_executor executor, const std::string& url, const std::string& body,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace porchlight::proxy
