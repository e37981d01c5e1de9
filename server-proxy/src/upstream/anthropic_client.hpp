// upstream/anthropic_client.hpp: the proxy's client for the Anthropic Messages API.
//
// Streaming or not, over HTTPS (or plain HTTP for the fake upstream in tests), with a keep-alive
// connection pool, connect / first-byte / idle timeouts, retries with jittered backoff honouring
// retry-after and retry-after-ms on 408, 409, 429, 5xx and 529 (only before the first byte of an
// answer has been relayed), a per-model fallback chain, and a circuit breaker per model.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net.hpp"
#include "porchlight/error.hpp"

namespace porchlight::upstream {

struct ClientConfig {
  // scheme://host[:port][/path-prefix]. https verifies the certificate against the system store
  // and the host name, and sends SNI; http:// is allowed (tests, local fakes).
  std::string base_url = "https://api.anthropic.com";
  std::string api_key;                                  // sent as x-api-key; never logged
  std::string default_anthropic_version = "2023-06-01";
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds first_byte_timeout{60000};  // request sent -> response headers
  std::chrono::milliseconds idle_timeout{30000};        // between stream chunks
  int max_attempts = 3;                                 // per model, first try included
  std::chrono::milliseconds backoff_base{250};
  std::chrono::milliseconds backoff_max{8000};
  std::chrono::milliseconds max_retry_after{20000};     // a longer retry-after fails over instead
  std::map<std::string, std::vector<std::string>> fallbacks;  // model -> models to try next
  int breaker_failures = 5;                             // consecutive failures that open it
  std::chrono::milliseconds breaker_cooldown{30000};    // then one trial request (half-open)
  std::size_t pool_per_host = 64;                       // idle keep-alive connections kept
};

struct Request {
  std::string path = "/v1/messages";  // or /v1/messages/count_tokens
  std::string body;                   // JSON; "model" inside is replaced when falling back
  std::string model;                  // the model in the body
  bool stream = false;                // must be what the method says: false for send(), true for stream()
  bool get = false;                   // a GET without a body (/v1/models), not a POST
  // Forwarded as given: anthropic-version, anthropic-beta (others are not forwarded).
  std::vector<std::pair<std::string, std::string>> headers;
  // Whether the configured fallback models may answer when this one keeps failing. The
  // Anthropic-compatible endpoint says no: its caller named the model and gets that model's error.
  bool fallback = true;
  // Whether a 429 or 5xx answer is retried here. The Anthropic-compatible endpoint says no: its
  // caller's SDK retries, honouring the answer's retry-after, as it would against the API (retrying
  // here too multiplied each SDK try by max_attempts). Failures with no answer are still retried.
  bool retry_answers = true;
  // A non-streaming answer's headers come after its whole generation: how long to wait for them
  // when that is longer than the client's first-byte timeout (the pass-through: the SDKs wait
  // ten minutes). Zero: the first-byte timeout.
  std::chrono::milliseconds answer_timeout{0};
};

struct SseEvent {
  std::string event;  // "message_start", "content_block_delta", ..., "error"; "" = "message"
  std::string data;   // the data lines joined with '\n'
};

struct Response {
  int status = 0;                // the upstream's final status (0: never reached)
  std::string body;              // non-streaming body, or an error body
  std::string request_id;        // the upstream's request-id header
  std::string model;             // the model that answered (after fallbacks)
  int attempts = 0;              // requests sent, all models together (not the free resend
                                 // after a pooled connection turned out closed)
  bool fell_back = false;
  std::chrono::microseconds ttfb{0};  // request sent -> response headers, for the answering attempt
  std::optional<std::chrono::milliseconds> retry_after;  // the answer's retry-after(-ms), if any
  bool stream_completed = false;  // streaming: message_stop seen
  // Typed failure when nothing usable came back: upstream.unavailable (connect or transport
  // failure), upstream.timeout, upstream.circuit_open (every model's circuit refused),
  // upstream.interrupted (stream cut, or idle too long, after the first event reached the sink),
  // upstream.misconfigured (base_url unusable); "internal" when request.stream does not match the
  // method or request.path does not start with '/'. An HTTP answer is not an error here, whatever its status: a 4xx the caller must see
  // (400, 401, 404, 413...) or the last 429/5xx once retries and fallbacks are spent comes back in
  // status and body (for streams too: the sink is not called then).
  std::optional<Error> error;
};

// Called for each SSE event of a streaming answer, in order; the client waits for it to finish
// (backpressure). Returning false stops the stream (the client went away).
using EventSink = std::function<awaitable<bool>(const SseEvent&)>;

class AnthropicClient {
 public:
  AnthropicClient(net::any_io_executor executor, ClientConfig config);
  ~AnthropicClient();
  AnthropicClient(const AnthropicClient&) = delete;
  AnthropicClient& operator=(const AnthropicClient&) = delete;

  awaitable<Response> send(Request request);
  awaitable<Response> stream(Request request, EventSink sink);

  // requests: send() and stream() calls; retries: attempts after a model's first; fallbacks:
  // models tried after the first; breaker_opens: transitions to open (a failed trial included);
  // pool_reuses: answers received on a pooled keep-alive connection.
  struct Stats {
    std::uint64_t requests = 0, retries = 0, fallbacks = 0, breaker_opens = 0, pool_reuses = 0;
  };
  Stats stats() const;
  // True while the model's circuit refuses requests: open and cooling down, or half-open with
  // its one trial request under way.
  bool circuit_open(const std::string& model) const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Incremental SSE parser (WHATWG event-stream rules): feed bytes in chunks split anywhere, even
// inside a UTF-8 sequence or a CRLF; complete events come out in order. Comments (": ping") are
// skipped; unknown fields ignored; a leading byte order mark dropped. Named events such as
// `event: ping` are events like any other: the caller decides what to do with them.
class SseParser {
 public:
  // Appends events completed by `chunk` to `out`.
  void feed(std::string_view chunk, std::vector<SseEvent>& out);
  // Bytes held until an event completes: its data so far and the incomplete line. The caller
  // bounds it (a stream that never ends an event must not grow without limit).
  std::size_t buffered() const { return buffer_.size() + current_.data.size(); }

 private:
  void process_line(std::string_view line, std::vector<SseEvent>& out);

  std::string buffer_;       // the incomplete last line
  SseEvent current_;         // the event being assembled
  bool has_data_ = false;    // a data field was seen since the last dispatch
  bool skip_lf_ = false;     // the last chunk ended with CR: a leading LF is part of that line end
  bool bom_checked_ = false; // a leading UTF-8 byte order mark has been dropped (or was absent)
};

}  // namespace porchlight::upstream
