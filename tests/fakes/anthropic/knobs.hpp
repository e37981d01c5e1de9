// knobs.hpp (internal to the fake): behaviours that tests script, and where they come from.
//
// A behaviour changes how one /v1/messages request is answered. Every field is optional:
//   status, error_type, error_message   answer with this HTTP error instead (error_type defaults
//                                       to the type of the status)
//   retry_after (seconds), retry_after_ms   add the `retry-after` / `retry-after-ms` headers
//   latency_ms                          wait this long before the response headers
//   ttft_ms                             wait this long before the first content delta (streams),
//                                       or before the body (non-streaming)
//   tokens_per_second                   pace content deltas (and non-streaming generation)
//   disconnect_after_events             cut the TCP connection after N SSE events (0: right after
//                                       the headers; non-streaming: without any response)
//   error_event_after_events            after N SSE events, send `event: error` (error_type, or
//                                       overloaded_error) and end the stream
//   text                                answer with this text
//   match                               applies only to a request whose body contains this text
//                                       (a script takes its first item that applies: parallel
//                                       requests can be told apart)
// Sources, most specific first: `x-fake-*` request headers, then the next item of the script
// (POST /_fake/script), then the defaults (POST /_fake/defaults). They merge field by field.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "api_error.hpp"

#include "net.hpp"

namespace porchlight::fake {

struct Behaviour {
  std::optional<int> status;
  std::optional<std::string> error_type;
  std::optional<std::string> error_message;
  std::optional<json> retry_after;  // a number of seconds, or a string sent as is
  std::optional<std::int64_t> retry_after_ms;
  std::optional<std::int64_t> latency_ms;
  std::optional<std::int64_t> ttft_ms;
  std::optional<double> tokens_per_second;
  std::optional<std::int64_t> disconnect_after_events;
  std::optional<std::int64_t> error_event_after_events;
  std::optional<std::string> text;
  std::optional<std::string> match;  // not merged by fill_from: it selects, it does not shape

  bool applies_to(std::string_view body) const { return !match || body.find(*match) != std::string_view::npos; }

  // Fields this behaviour leaves unset are taken from `base`.
  void fill_from(const Behaviour& base);
  bool empty() const;
  json to_json() const;
};

// Parses one behaviour; on failure returns nullopt and says what is wrong in `error`, with `where`
// as the path prefix ("script[2]").
std::optional<Behaviour> parse_behaviour(const json& value, const std::string& where, std::string& error);

// The `x-fake-*` headers of a request (x-fake-status, x-fake-error-type, x-fake-error-message,
// x-fake-retry-after, x-fake-retry-after-ms, x-fake-latency-ms, x-fake-ttft-ms,
// x-fake-tokens-per-second, x-fake-disconnect-after-events, x-fake-error-event-after-events,
// x-fake-text).
std::optional<Behaviour> behaviour_from_headers(const http::fields& headers, std::string& error);

// The header value for retry_after: integers without a fraction, strings as given.
std::string retry_after_header(const json& value);

}  // namespace porchlight::fake
