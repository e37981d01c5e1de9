// server.hpp (internal to the fake): the HTTP side: listener, http_session, the control API and
// the state they share. Single-threaded: every coroutine runs on one io_context thread, so the
// shared state needs no locks.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "api_error.hpp"

#include "knobs.hpp"
#include "messages.hpp"
#include "net.hpp"
#include "prompt_cache.hpp"

namespace porchlight::fake {

struct Options {
  std::string api_key;  // empty: any key (or none) is accepted
};

struct Stats {
  std::uint64_t requests = 0;
  std::map<std::string, std::uint64_t> by_path;
  std::map<int, std::uint64_t> by_status;
  std::uint64_t messages = 0, streaming = 0, non_streaming = 0, tool_use = 0;
  std::uint64_t count_tokens = 0;
  std::uint64_t injected_errors = 0, injected_disconnects = 0, injected_error_events = 0;
  std::uint64_t streams_completed = 0, streams_aborted_by_client = 0;
  std::uint64_t active_streams = 0, max_active_streams = 0;
  std::uint64_t active_connections = 0, max_active_connections = 0, connections = 0;
  std::uint64_t cache_reads = 0, cache_writes = 0, cache_read_tokens = 0, cache_write_tokens = 0;
  std::uint64_t input_tokens = 0, output_tokens = 0;
  std::uint64_t internal_errors = 0;
};

// A request as it arrived, for GET /_fake/requests: its JSON is built only when the log is read,
// so that a load test does not pay for a log nobody reads.
struct LoggedRequest {
  std::string request_id, time, method, path;
  std::vector<std::pair<std::string, std::string>> headers;  // lower-case names, credentials redacted
  std::optional<std::string> body;  // nullopt: too large to read; else whole, or its head when body_truncated
  std::size_t body_bytes = 0;
  bool body_truncated = false;  // kept only the head: the log holds 100 requests, a body may be 32 MiB
  json to_json() const;
};

struct SharedState {
  Options options;
  std::deque<Behaviour> script;
  Behaviour defaults;
  std::deque<LoggedRequest> requests;  // the last kRequestLogSize requests, oldest first
  PromptCache cache;
  IdSource ids{0x5EED5EED5EED5EEDULL};
  std::chrono::seconds clock_offset{0};  // POST /_fake/clock moves prompt-cache time forward
  Stats stats;

  PromptCache::clock::time_point now() const { return PromptCache::clock::now() + clock_offset; }
  void reset();
  json stats_json() const;
};

inline constexpr std::size_t kRequestLogSize = 100;
inline constexpr std::uint64_t kMaxBodyBytes = 32ULL * 1024 * 1024;  // like the real API: 413 above

// Accepts connections until the acceptor is closed; each gets an http_session coroutine.
net::awaitable<void> listener(tcp::acceptor& acceptor, std::shared_ptr<SharedState> state);

}  // namespace porchlight::fake
