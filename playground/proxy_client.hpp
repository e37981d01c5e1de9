// proxy_client.hpp: sends a built prompt to a running proxy's Anthropic-compatible
// POST /v1/messages (SSE) on a worker thread, and reports the answer while it streams: text,
// usage, latency, time to first token. Plain HTTP only (a proxy on this machine or a tunnel).
//
// The secret key goes in the x-api-key header and nowhere else: never in results, errors or logs.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "porchlight/model.hpp"

namespace porchlight::playground {

struct SendResult {
  enum class State { idle, sending, streaming, done, failed, cancelled };
  State state = State::idle;
  int http_status = 0;
  std::string url;          // where it went (no credentials: the URL may not carry any)
  std::string text;         // the answer so far
  std::string model;        // as reported by message_start
  std::string stop_reason;
  std::string request_id;   // the response's request-id header, to find the call in proxy logs
  Usage usage;
  std::optional<double> ttft_ms;  // request start to the first content delta
  double latency_ms = 0;          // request start to message_stop (so far, while streaming)
  std::string error;              // a diagnosis when failed
  bool in_flight() const { return state == State::sending || state == State::streaming; }
};

std::string_view state_name(SendResult::State state);
json to_json(const SendResult& result);  // without cost: the caller prices it with its policy

class ProxyClient {
 public:
  ProxyClient();
  ~ProxyClient();
  ProxyClient(const ProxyClient&) = delete;
  ProxyClient& operator=(const ProxyClient&) = delete;

  // `url`: http://host:port[/prefix]; "/v1/messages" is appended unless the path ends with it.
  // `body` is sent with "stream": true. A send already running is cancelled first.
  void start(const std::string& url, const std::string& secret_key, json body);
  void cancel();
  SendResult snapshot() const;
  // Blocks until the send ends, or cancels it after `timeout`. For the scriptable mode.
  SendResult wait(std::chrono::milliseconds timeout);

  struct Shared;  // state shared with the worker thread (proxy_client.cpp)

 private:
  void join();
  std::shared_ptr<Shared> shared_;
  std::thread worker_;
};

}  // namespace porchlight::playground
