// http/server.hpp: the proxy's HTTP/1.1 server on Beast: a listener, one coroutine per connection
// (on its own strand), a router, and the Exchange a handler sees: the request, and ways to answer
// (a body, an error, a stream of server-sent events, or a WebSocket upgrade).
//
// Every read has a deadline (an idle keep-alive wait, then the header timeout, then the body
// timeout) and every request a body limit chosen by its route, so slow or oversized clients cost
// little and get a clear answer.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/websocket.hpp>

#include "api_error.hpp"
#include "net.hpp"

namespace porchlight::proxy {

namespace websocket = boost::beast::websocket;
using HttpRequest = http::request<http::string_body>;
using Headers = std::vector<std::pair<std::string, std::string>>;

class Exchange;
using Handler = std::function<awaitable<void>(Exchange&)>;

struct Connection {
  explicit Connection(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool upgraded = false;  // handed to a WebSocket session
};

// Server-sent events over a chunked response. Writes are serialized (events and keep-alive
// comments never interleave) and all happen on the connection's strand.
class SseStream {
 public:
  SseStream(Connection& connection, std::chrono::seconds keepalive);
  ~SseStream();
  // False once the client has gone; the caller may keep working (e.g. to finish storing).
  awaitable<bool> send(std::string_view event, std::string_view data, std::string_view id = {});
  awaitable<void> finish();
  bool open() const { return open_; }
  // Watches the connection for the client hanging up, so that work done only for it can stop
  // early (a compound request's steps): open() turns false when it does, without a write.
  void watch_hangup();

 private:
  friend class Exchange;
  awaitable<bool> write(std::string chunk);
  awaitable<void> keepalive_loop();

  Connection& connection_;
  std::chrono::seconds keepalive_;
  bool open_ = true;
  bool writing_ = false;
  bool finished_ = false;
  bool watching_ = false;
  std::chrono::steady_clock::time_point last_write_;
  std::shared_ptr<net::steady_timer> idle_;   // wakes writers waiting for a write to end
  std::shared_ptr<bool> alive_;               // the keep-alive loop stops when this is false
};

class Exchange {
 public:
  Exchange(Connection& connection, HttpRequest& request, std::string request_id);

  const HttpRequest& request() const { return request_; }
  std::string_view path() const { return path_; }
  std::string_view header(std::string_view name) const;
  bool from_loopback() const;  // the peer is this machine (127.0.0.0/8, ::1, or ::ffff:127.x)
  std::string query_param(std::string_view name) const;  // percent-decoded; "" when absent
  const std::string& request_id() const { return request_id_; }
  std::vector<std::string> params;  // path segments matched by '*' in the route
  std::string route;                // the route pattern, for metrics

  // Headers added to whatever answer goes out (CORS, rate-limit headers).
  Headers response_headers;

  awaitable<void> send(int status, std::string body, std::string_view content_type = "application/json",
                       const Headers& extra = {});
  awaitable<void> send_error(const ApiError& error);
  // Sends the SSE response header; events follow through the returned stream.
  awaitable<SseStream*> start_sse(std::chrono::seconds keepalive = std::chrono::seconds(15));
  // Takes the connection for a WebSocket session (the HTTP loop ends after this request).
  Connection& upgrade();

  bool responded() const { return responded_; }
  int status() const { return status_; }
  bool keep_alive() const;

 private:
  Connection& connection_;
  HttpRequest& request_;
  std::string request_id_;
  std::string_view path_;
  bool responded_ = false;
  int status_ = 0;
  std::unique_ptr<SseStream> sse_;
};

class Router {
 public:
  // `pattern` is an exact path, or ends in "/*" (one segment) or "/**" (the rest).
  void add(http::verb method, std::string pattern, Handler handler, std::size_t body_limit = 1u << 20);

  struct Match {
    const Handler* handler = nullptr;
    std::size_t body_limit = 1u << 20;
    std::vector<std::string> params;
    std::string pattern;
    bool path_known = false;  // the path exists with another method (405)
  };
  Match match(http::verb method, std::string_view path) const;
  std::size_t max_body_limit() const;

 private:
  struct Route {
    http::verb method;
    std::string pattern;
    std::vector<std::string> parts;  // the pattern's segments, split once
    Handler handler;
    std::size_t body_limit;
  };
  std::vector<Route> routes_;
};

struct ServerLimits {
  std::chrono::milliseconds header_timeout{10000};
  std::chrono::milliseconds body_timeout{30000};
  std::chrono::milliseconds idle_timeout{75000};
  std::size_t header_limit = 16 * 1024;
};

// What runs every request: routing, then `dispatch` (auth, metrics and the handler live there).
using Dispatcher = std::function<awaitable<void>(Exchange&, const Router::Match&)>;

// Accepts connections until the acceptor closes. With several event-loop threads each connection
// runs on its own strand; with one (`one_thread`) the loop already runs one handler at a time,
// and a strand would only cost a lock and a queue per step (about 15% of a proxied request).
awaitable<void> serve(tcp::acceptor& acceptor, const Router& router, Dispatcher dispatch,
                      ServerLimits limits, bool one_thread);

std::string new_request_id();  // "req_" + 24 hex digits, time-ordered (store::detail::time_ordered_id)

// Requests being handled right now, streams and live sockets included: a graceful stop waits for
// them, and for nothing else.
int requests_in_flight();

}  // namespace porchlight::proxy
