// http/server.cpp
//
// Sections:
//   [1] request ids, percent-decoding
//   [2] Router
//   [3] SseStream
//   [4] Exchange
//   [5] the connection loop and the listener

#include "http/server.hpp"
#include "http_wire.hpp"

#include "store/store_util.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <tuple>

namespace porchlight::proxy {

namespace {
constexpr auto kTuple = net::as_tuple(net::use_awaitable);
constexpr std::chrono::seconds kWriteTimeout{30};
std::atomic<int> g_in_flight{0};

struct InFlight {
  InFlight() { ++g_in_flight; }
  ~InFlight() { --g_in_flight; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;
};
}  // namespace

int requests_in_flight() { return g_in_flight.load(); }

// ---- [1] request ids, percent-decoding ---------------------------------------------------------

std::string new_request_id() { return store::detail::time_ordered_id("req_"); }

namespace {
std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') out += ' ';
    else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else out += s[i];
  }
  return out;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t end = path.find('/', start);
    out.push_back(path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}
}  // namespace

// ---- [2] Router --------------------------------------------------------------------------------

void Router::add(http::verb method, std::string pattern, Handler handler, std::size_t body_limit) {
  std::vector<std::string> parts;
  for (const auto part : segments(pattern)) parts.emplace_back(part);
  routes_.push_back({method, std::move(pattern), std::move(parts), std::move(handler), body_limit});
}

Router::Match Router::match(http::verb method, std::string_view path) const {
  Match result;
  const auto parts = segments(path);
  for (const auto& r : routes_) {
    const auto& pat = r.parts;
    std::vector<std::string> params;
    bool ok = true;
    std::size_t i = 0;
    for (; i < pat.size() && ok; ++i) {
      if (pat[i] == "**") {
        std::string rest;
        for (std::size_t k = i; k < parts.size(); ++k) {
          if (k > i) rest += '/';
          rest += parts[k];
        }
        params.push_back(percent_decode(rest));
        i = parts.size();
        break;
      }
      if (i >= parts.size()) ok = false;
      else if (pat[i] == "*") ok = !parts[i].empty() && (params.push_back(percent_decode(parts[i])), true);
      else ok = pat[i] == parts[i];
    }
    if (!ok || i != parts.size()) continue;
    if (r.method != method) { result.path_known = true; continue; }
    result.handler = &r.handler;
    result.body_limit = r.body_limit;
    result.params = std::move(params);
    result.pattern = r.pattern;
    return result;
  }
  return result;
}

std::size_t Router::max_body_limit() const {
  std::size_t m = 64 * 1024;
  for (const auto& r : routes_) m = std::max(m, r.body_limit);
  return m;
}

// ---- [3] SseStream -----------------------------------------------------------------------------

SseStream::SseStream(Connection& connection, std::chrono::seconds keepalive)
    : connection_(connection),
      keepalive_(keepalive),
      last_write_(std::chrono::steady_clock::now()),
      idle_(std::make_shared<net::steady_timer>(connection.stream.get_executor())),
      alive_(std::make_shared<bool>(true)) {}

SseStream::~SseStream() {
  *alive_ = false;
  idle_->cancel();
  if (watching_) {  // nothing else is pending on the socket by now: the answer has ended
    boost::system::error_code ec;
    connection_.stream.socket().cancel(ec);
  }
}

void SseStream::watch_hangup() {
  if (watching_ || !open_) return;
  watching_ = true;
  auto watch = [this, alive = alive_]() -> awaitable<void> {
    tcp::socket& socket = connection_.stream.socket();
    for (;;) {
      auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, kTuple);
      if (!*alive || ec == net::error::operation_aborted) co_return;
      char byte = 0;
      boost::system::error_code peek;
      const std::size_t n = ec ? 0 : socket.receive(net::buffer(&byte, 1), tcp::socket::message_peek, peek);
      if (peek == net::error::would_block || peek == net::error::try_again) continue;
      // Bytes to read mean the client is there (a pipelined request, left for the next read);
      // end of stream or an error mean it has gone.
      if (ec || peek || n == 0) open_ = false;
      co_return;
    }
  };
  net::co_spawn(connection_.stream.get_executor(), watch, net::detached);
}

awaitable<bool> SseStream::write(std::string chunk) {
  if (!open_) co_return false;
  auto idle = idle_;
  auto alive = alive_;
  while (writing_) {  // one write at a time: wait for the current one to end
    idle->expires_at(std::chrono::steady_clock::time_point::max());
    co_await idle->async_wait(kTuple);
    if (!*alive) co_return false;
  }
  if (!open_) co_return false;
  writing_ = true;
  connection_.stream.expires_after(kWriteTimeout);  // a client that stops reading is dropped
  auto [ec, n] = co_await net::async_write(connection_.stream, http::make_chunk(net::buffer(chunk)), kTuple);
  (void)n;
  writing_ = false;
  idle->cancel();
  if (ec) open_ = false;
  last_write_ = std::chrono::steady_clock::now();
  co_return open_;
}

awaitable<bool> SseStream::send(std::string_view event, std::string_view data, std::string_view id) {
  std::string chunk;
  chunk.reserve(data.size() + event.size() + id.size() + 32);
  if (!id.empty()) chunk.append("id: ").append(id).append("\n");
  if (!event.empty()) chunk.append("event: ").append(event).append("\n");
  std::size_t start = 0;
  for (;;) {  // one data line per line of the payload
    const std::size_t nl = data.find('\n', start);
    chunk.append("data: ").append(data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start)).append("\n");
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  chunk.append("\n");
  co_return co_await write(std::move(chunk));
}

awaitable<void> SseStream::keepalive_loop() {
  auto alive = alive_;
  net::steady_timer timer(connection_.stream.get_executor());
  while (*alive && open_ && !finished_) {
    timer.expires_after(keepalive_);
    co_await timer.async_wait(kTuple);
    if (!*alive || !open_ || finished_) co_return;
    if (!writing_ && std::chrono::steady_clock::now() - last_write_ >= keepalive_)
      co_await write(": keep-alive\n\n");
  }
}

awaitable<void> SseStream::finish() {
  if (finished_) co_return;
  finished_ = true;
  if (!open_) co_return;
  auto idle = idle_;
  while (writing_) {
    idle->expires_at(std::chrono::steady_clock::time_point::max());
    co_await idle->async_wait(kTuple);
  }
  writing_ = true;
  connection_.stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await net::async_write(connection_.stream, http::make_chunk_last(), kTuple);
  (void)n;
  writing_ = false;
  idle->cancel();
  if (ec) open_ = false;
  connection_.stream.expires_never();
}

// ---- [4] Exchange ------------------------------------------------------------------------------

Exchange::Exchange(Connection& connection, HttpRequest& request, std::string request_id)
    : connection_(connection), request_(request), request_id_(std::move(request_id)) {
  const std::string_view target = request_.target();
  path_ = target.substr(0, target.find('?'));
}

std::string_view Exchange::header(std::string_view name) const {
  auto it = request_.find(name);
  return it == request_.end() ? std::string_view{} : std::string_view(it->value());
}

bool Exchange::from_loopback() const {
  beast::error_code ec;
  const auto peer = connection_.stream.socket().remote_endpoint(ec);
  if (ec) return false;
  const auto a = peer.address();
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).is_loopback();
  return a.is_loopback();
}

std::string Exchange::query_param(std::string_view name) const {
  const std::string_view target = request_.target();
  const std::size_t q = target.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (percent_decode(pair.substr(0, eq)) == name)
      return eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return {};
}

bool Exchange::keep_alive() const { return request_.keep_alive() && status_ != 413; }

awaitable<void> Exchange::send(int status, std::string body, std::string_view content_type,
                               const Headers& extra) {
  if (responded_) co_return;
  responded_ = true;
  status_ = status;
  const bool http10 = request_.version() == 10;
  std::string head;
  head.reserve(256);
  head.append(http10 ? "HTTP/1.0 " : "HTTP/1.1 ")
      .append(std::to_string(status))
      .append(" ")
      .append(http::obsolete_reason(static_cast<http::status>(status)))
      .append("\r\n");
  // In order: the content type, the request id, response_headers, extra. A name given twice keeps
  // its last value, as Beast's set() did.
  std::vector<std::pair<std::string_view, std::string_view>> fields;
  fields.reserve(2 + response_headers.size() + extra.size());
  fields.emplace_back("Content-Type", content_type);
  fields.emplace_back("request-id", request_id_);
  for (const auto& [name, value] : response_headers) fields.emplace_back(name, value);
  for (const auto& [name, value] : extra) fields.emplace_back(name, value);
  for (auto it = fields.begin(); it != fields.end(); ++it)
    if (std::none_of(it + 1, fields.end(), [&](const auto& later) { return beast::iequals(later.first, it->first); }))
      append_field(head, it->first, it->second);
  if (keep_alive() == http10) head.append(http10 ? "Connection: keep-alive\r\n" : "Connection: close\r\n");
  if (status / 100 == 1 || status == 204 || status == 304) body.clear();  // these have no body, nor a length
  else head.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  head.append("\r\n");
  connection_.stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await async_write_message(connection_.stream, head, body, kTuple);
  (void)ec;
  (void)n;
  connection_.stream.expires_never();
}

awaitable<void> Exchange::send_error(const ApiError& e) {
  Headers extra;
  if (e.retry_after) extra.emplace_back("retry-after", std::to_string(e.retry_after->count()));
  // The official SDKs obey x-should-retry, and sleep for all of retry-after however long it is:
  // a refusal that lasts longer than a minute (a budget spent until the month turns) says false,
  // or a default client would hang for days.
  if (e.status == 503 || e.status == 429) {
    const bool soon = !e.retry_after || *e.retry_after <= std::chrono::seconds(60);
    extra.emplace_back("x-should-retry", soon ? "true" : "false");
  }
  co_await send(e.status, e.body(request_id_), "application/json", extra);
}

awaitable<SseStream*> Exchange::start_sse(std::chrono::seconds keepalive) {
  responded_ = true;
  status_ = 200;
  http::response<http::empty_body> res{http::status::ok, request_.version()};
  res.set(http::field::content_type, "text/event-stream; charset=utf-8");
  res.set(http::field::cache_control, "no-cache");
  res.set("x-accel-buffering", "no");  // proxies in front must not buffer the stream
  res.set("request-id", request_id_);
  for (const auto& [k, v] : response_headers) res.set(k, v);
  res.keep_alive(request_.keep_alive());
  res.chunked(true);
  http::response_serializer<http::empty_body> sr{res};
  connection_.stream.expires_after(kWriteTimeout);
  auto [ec, n] = co_await http::async_write_header(connection_.stream, sr, kTuple);
  (void)n;
  connection_.stream.expires_never();
  sse_ = std::make_unique<SseStream>(connection_, keepalive);
  if (ec) sse_->open_ = false;
  else net::co_spawn(connection_.stream.get_executor(), sse_->keepalive_loop(), net::detached);
  co_return sse_.get();
}

Connection& Exchange::upgrade() {
  responded_ = true;
  status_ = 101;
  connection_.upgraded = true;
  return connection_;
}

// ---- [5] the connection loop and the listener --------------------------------------------------

namespace {

awaitable<void> reject(Connection& conn, HttpRequest& req, const ApiError& error) {
  Exchange ex(conn, req, new_request_id());
  req.keep_alive(false);
  co_await ex.send_error(error);
}

// After refusing a body, read and drop what the client is still sending (for a bounded time and
// size) so that it sees our answer instead of a connection reset mid-upload.
awaitable<void> drain(Connection& conn) {
  beast::error_code ignored;
  conn.stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  std::size_t total = 0;
  std::array<char, 65536> sink;
  while (total < (64u << 20) && std::chrono::steady_clock::now() < deadline) {
    conn.stream.expires_at(deadline);
    auto [ec, n] = co_await conn.stream.async_read_some(net::buffer(sink), kTuple);
    if (ec) break;
    total += n;
  }
}

using RequestParser = http::request_parser<http::string_body>;

// The client closed, reset or stalled: there is no one to answer.
bool client_gone(const beast::error_code& ec) {
  return ec == beast::error::timeout || ec == net::error::eof || ec == net::error::connection_reset ||
         ec == http::error::end_of_stream || ec == http::error::partial_message;
}

// Feeds what the connection has already buffered to the parser, up to the end of the header or
// of the message. A small request arrives whole in one read: parsing it here, instead of through
// Beast's async reads, saves two handler posts and two timer arm/cancel pairs per request.
beast::error_code parse_buffered(Connection& conn, RequestParser& parser, bool header_only) {
  beast::error_code ec;
  while (conn.buffer.size() > 0 && !(header_only ? parser.is_header_done() : parser.is_done())) {
    const std::size_t used = parser.put(conn.buffer.data(), ec);
    conn.buffer.consume(used);
    if (ec == http::error::need_more) return {};
    if (ec || used == 0) break;
  }
  return ec;
}

awaitable<void> session(tcp::socket socket, const Router& router, Dispatcher dispatch, ServerLimits limits,
                        std::size_t max_body) {
  auto conn = std::make_unique<Connection>(std::move(socket));
  for (;;) {
    // Keep-alive: wait for the next request's first bytes, then allow only the header timeout.
    if (conn->buffer.size() == 0) {
      conn->stream.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await conn->stream.async_read_some(conn->buffer.prepare(8192), kTuple);
      if (ec) break;
      conn->buffer.commit(n);
    }
    RequestParser parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(max_body);
    beast::error_code ec = parse_buffered(*conn, parser, true);
    if (!ec && !parser.is_header_done()) {
      conn->stream.expires_after(limits.header_timeout);
      std::tie(ec, std::ignore) = co_await http::async_read_header(conn->stream, conn->buffer, parser, kTuple);
    }
    if (ec == http::error::body_limit) {  // Content-Length over every route's limit
      HttpRequest bad;
      co_await reject(*conn, bad, ApiError::from_code("request.too_large", "the request body is larger than any endpoint takes"));
      co_await drain(*conn);
      break;
    }
    if (ec) {
      HttpRequest bad;
      if (ec == http::error::header_limit)
        co_await reject(*conn, bad, ApiError::from_code("request.headers_too_large", "request headers exceed 16 KiB"));
      else if (!client_gone(ec))
        co_await reject(*conn, bad, ApiError::from_code("request.malformed_http", "the request is not valid HTTP/1.1"));
      break;
    }
    const std::string_view target = parser.get().target();
    const auto match = router.match(parser.get().method(), target.substr(0, target.find('?')));
    const std::size_t limit = match.handler ? match.body_limit : 64 * 1024;
    if (parser.content_length() && *parser.content_length() > limit) {
      HttpRequest req = parser.release();
      co_await reject(*conn, req, ApiError::from_code("request.too_large",
          "the request body is " + std::to_string(*parser.content_length()) + " bytes; this endpoint takes at most " +
              std::to_string(limit)));
      co_await drain(*conn);
      break;
    }
    parser.body_limit(limit);
    ec = parse_buffered(*conn, parser, false);
    if (!ec && !parser.is_done()) {
      conn->stream.expires_after(limits.body_timeout);
      std::tie(ec, std::ignore) = co_await http::async_read(conn->stream, conn->buffer, parser, kTuple);
    }
    if (ec == http::error::body_limit) {
      HttpRequest req = parser.release();
      co_await reject(*conn, req, ApiError::from_code("request.too_large",
          "the request body exceeds " + std::to_string(limit) + " bytes"));
      co_await drain(*conn);
      break;
    }
    if (ec) {
      if (!client_gone(ec)) {
        HttpRequest bad;
        co_await reject(*conn, bad, ApiError::from_code("request.malformed_http", "the request body is not valid HTTP/1.1"));
      }
      break;
    }
    conn->stream.expires_never();  // handlers set their own deadlines (streams can be long)
    HttpRequest req = parser.release();
    const InFlight in_flight;
    Exchange ex(*conn, req, new_request_id());
    ex.params = match.params;
    ex.route = match.pattern;
    co_await dispatch(ex, match);
    if (conn->upgraded) co_return;
    if (!ex.responded()) co_await ex.send_error(ApiError::from_code("internal", "the handler gave no answer"));
    if (!ex.keep_alive()) break;
  }
  beast::error_code ignored;
  conn->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

awaitable<void> serve(tcp::acceptor& acceptor, const Router& router, Dispatcher dispatch, ServerLimits limits,
                      bool one_thread) {
  const std::size_t max_body = router.max_body_limit();
  for (;;) {
    const net::any_io_executor executor =
        one_thread ? acceptor.get_executor() : net::any_io_executor(net::make_strand(acceptor.get_executor()));
    auto [ec, socket] = co_await acceptor.async_accept(executor, kTuple);
    if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
    if (ec) continue;  // e.g. too many open files: keep serving the others
    socket.set_option(tcp::no_delay(true), ec);
    net::co_spawn(socket.get_executor(), session(std::move(socket), router, dispatch, limits, max_body), net::detached);
  }
}

}  // namespace porchlight::proxy
