// upstream/anthropic_client.cpp: AnthropicClient, the proxy's client for the Anthropic Messages API.
//
// Sections:
//   helpers · base URL · connections and the pool · Impl · one exchange (request → answer) ·
//   one attempt (connection + exchange) · retries, fallbacks and breakers · public API
//
// Threading: a request runs in the caller's coroutine and owns its connection while it runs; the
// only shared state is the idle pool and the breakers (each behind a mutex, never held across a
// co_await) and the counters (atomics).
#include "upstream/anthropic_client.hpp"
#include "http_wire.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <deque>
#include <mutex>
#include <random>

#include <nlohmann/json.hpp>

#include "upstream/circuit_breaker.hpp"
#include "porchlight/json_output.hpp"

namespace porchlight::upstream {

namespace {

// ---- Helpers ------------------------------------------------------------------------------------

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
using clock = std::chrono::steady_clock;
using HttpRequest = http::request<http::string_body>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr const char* kUserAgent = "porchlight-proxy/0.1";
constexpr std::uint32_t kHeaderLimit = 64 * 1024;
constexpr std::uint64_t kJsonBodyLimit = 32ULL * 1024 * 1024;  // a JSON answer or an error body
constexpr std::size_t kSseEventLimit = 16 * 1024 * 1024;       // one SSE event, held until complete
constexpr std::size_t kReadChunk = 16 * 1024;
// Servers drop idle keep-alive connections after a while; older ones are not worth the try.
constexpr auto kPoolMaxIdle = std::chrono::seconds(20);
constexpr auto kMaxDelay = std::chrono::hours(24);  // bounds parsed retry-after values

// Microseconds: on a fast upstream (or loopback) time to headers is well under a millisecond.
std::chrono::microseconds us_since(clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start);
}

std::string ms_text(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The statuses worth another try: timeout, conflict, rate limit, server errors and overload.
bool retryable_status(int status) {
  return status == 408 || status == 409 || status == 429 || (status >= 500 && status <= 599);
}

// A delay given as a non-negative decimal number of `unit`s; nullopt for anything else (an
// HTTP-date retry-after included: the API sends seconds).
std::optional<std::chrono::milliseconds> parse_delay(std::string_view text, double unit_ms) {
  text = trim(text);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value) || value < 0)
    return std::nullopt;
  const double ms = std::min(value * unit_ms, static_cast<double>(std::chrono::milliseconds(kMaxDelay).count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(ms)));
}

// retry-after-ms is the more precise of the two, so it wins (as in Anthropic's SDKs).
std::optional<std::chrono::milliseconds> retry_after(const http::response_header<>& head) {
  if (auto it = head.find("retry-after-ms"); it != head.end())
    if (auto delay = parse_delay(it->value(), 1.0)) return delay;
  if (auto it = head.find(http::field::retry_after); it != head.end()) return parse_delay(it->value(), 1000.0);
  return std::nullopt;
}

// Full jitter: uniform in [0, min(max, base * 2^(retry-1))].
std::chrono::milliseconds backoff(int retry, std::chrono::milliseconds base, std::chrono::milliseconds max) {
  std::int64_t cap = std::max<std::int64_t>(base.count(), 0);
  for (int i = 1; i < retry && cap < max.count(); ++i) cap *= 2;
  cap = std::min<std::int64_t>(cap, max.count());
  if (cap <= 0) return std::chrono::milliseconds(0);
  thread_local std::minstd_rand random{std::random_device{}()};
  return std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, cap)(random));
}

awaitable<void> sleep_for(std::chrono::milliseconds delay) {
  if (delay.count() <= 0) co_return;
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_after(delay);
  co_await timer.async_wait(use_tuple);
}

// The body with "model" replaced; false if the body is not a JSON object.
// The other keys keep their order (a JSON schema's properties are read in it).
bool rewrite_model(std::string& body, const std::string& model) {
  auto doc = nlohmann::ordered_json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  doc["model"] = model;
  body = doc.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return true;
}

// ---- Base URL -----------------------------------------------------------------------------------

struct Origin {
  bool tls = false;
  std::string host;         // without brackets; the TLS name and what the resolver gets
  std::string port;
  std::string host_header;  // as the URL spells it, port only when not the scheme's default
  std::string path_prefix;  // "" or "/something", no trailing slash
  bool host_is_ip = false;  // IP literals get no SNI (RFC 6066)
};

std::optional<Origin> parse_base_url(std::string_view url, std::string& problem) {
  const std::string expected = "; expected http(s)://host[:port][/prefix], like https://api.anthropic.com";
  Origin origin;
  const auto scheme_end = url.find("://");
  const std::string_view scheme = scheme_end == std::string_view::npos ? "" : url.substr(0, scheme_end);
  if (iequals(scheme, "https")) {
    origin.tls = true;
  } else if (!iequals(scheme, "http")) {
    problem = "base_url '" + std::string(url) + "' has no http:// or https:// scheme" + expected;
    return std::nullopt;
  }
  std::string_view rest = url.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (authority.find_first_of("@?# ") != std::string_view::npos || path.find_first_of("?# ") != std::string_view::npos) {
    problem = "base_url '" + std::string(url) + "' has user info, a query, a fragment or a space" + expected;
    return std::nullopt;
  }
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      problem = "base_url '" + std::string(url) + "' opens an IPv6 address with '[' but never closes it" + expected;
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && after.front() == ':') port = after.substr(1);
    else if (!after.empty()) host = "";  // junk after ']'
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  int port_number = origin.tls ? 443 : 80;
  if (!port.empty()) {
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), port_number);
    if (ec != std::errc() || end != port.data() + port.size() || port_number < 1 || port_number > 65535) host = "";
  }
  if (host.empty()) {
    problem = "base_url '" + std::string(url) + "' has no usable host or port" + expected;
    return std::nullopt;
  }
  origin.host = std::string(host);
  origin.port = std::to_string(port_number);
  origin.path_prefix = std::string(path);
  origin.host_header = std::string(authority.substr(0, authority.front() == '[' ? authority.find(']') + 1 : host.size()));
  if (port_number != (origin.tls ? 443 : 80)) origin.host_header += ":" + origin.port;
  beast::error_code ec;
  net::ip::make_address(origin.host, ec);
  origin.host_is_ip = !ec;
  return origin;
}

// ---- Connections and the pool -------------------------------------------------------------------

// Beast reads at most what the buffer has room for (512 bytes when it has none): with a few KB, a
// typical answer (headers about 1 KB, then the body) arrives in one read instead of three.
constexpr std::size_t kBufferRoom = 4096;
beast::flat_buffer with_room(std::size_t bytes) {
  beast::flat_buffer b;
  b.reserve(bytes);
  return b;
}

// One keep-alive connection: plain TCP or TLS, and the read buffer that belongs with it.
struct Connection {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<TlsStream> tls;
  beast::flat_buffer buffer = with_room(kBufferRoom);
  clock::time_point idle_since{};

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // An idle connection has nothing to read; if it has (the server's FIN, a reset, stray bytes),
  // it cannot carry a new request. A non-blocking peek sees that without consuming anything.
  bool looks_reusable() {
    if (buffer.size() != 0 || !tcp().socket().is_open()) return false;
    char byte;
    const auto n = ::recv(tcp().socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }
};

enum class Failure { none, connect, timeout, transport };

// What one request on one connection gave.
struct Outcome {
  int status = 0;
  std::string body;
  std::string request_id;
  std::optional<std::chrono::milliseconds> retry_after;
  std::chrono::microseconds ttfb{0};
  Failure failure = Failure::none;
  std::string detail;            // what went wrong, for Error::message (never holds the key)
  bool committed = false;        // an event reached the sink: no retry from here on
  bool stream_completed = false; // message_stop reached the sink
  bool sink_stopped = false;     // the sink returned false
  bool stale = false;            // a pooled connection failed before any byte of an answer came
  bool reusable = false;         // the connection may go back to the pool

  bool sent = false;              // the whole request reached the upstream

  bool worth_retrying() const {
    if (committed || sink_stopped) return false;
    // Sent, then no answer in time: the upstream may be generating it (and billing it); another
    // try would pay for it again.
    if (failure == Failure::timeout && sent) return false;
    return failure != Failure::none || retryable_status(status);
  }
};

}  // namespace

// ---- Impl ---------------------------------------------------------------------------------------

struct AnthropicClient::Impl {
  net::any_io_executor executor;
  ClientConfig config;
  std::optional<Origin> origin;
  std::string setup_problem;  // why no request can go (bad base_url, TLS setup); empty when fine
  std::optional<ssl::context> tls_context;

  mutable std::mutex pool_mutex;
  std::deque<std::unique_ptr<Connection>> idle;  // most recently used at the back

  mutable std::mutex breaker_mutex;
  // Only models whose breaker is not at rest have an entry: callers choose model names, so the
  // map must not grow with every name it sees.
  std::map<std::string, CircuitBreaker, std::less<>> breakers;

  std::atomic<std::uint64_t> requests{0}, retries{0}, fallbacks{0}, breaker_opens{0}, pool_reuses{0};

  Impl(net::any_io_executor ex, ClientConfig cfg) : executor(std::move(ex)), config(std::move(cfg)) {
    origin = parse_base_url(config.base_url, setup_problem);
    if (origin && origin->tls) setup_tls();
  }

  void setup_tls() {
    tls_context.emplace(ssl::context::tls_client);
    beast::error_code ec;
    tls_context->set_default_verify_paths(ec);
    if (!ec) tls_context->set_verify_mode(ssl::verify_peer, ec);
    if (!ec && SSL_CTX_set_min_proto_version(tls_context->native_handle(), TLS1_2_VERSION) != 1)
      ec = net::error::invalid_argument;
    if (ec) setup_problem = "cannot set up TLS with the system's certificate store: " + ec.message();
  }

  // -- pool --

  std::unique_ptr<Connection> take_idle() {
    std::vector<std::unique_ptr<Connection>> dead;  // closed outside the lock
    std::unique_ptr<Connection> found;
    {
      std::lock_guard lock(pool_mutex);
      const auto now = clock::now();
      while (!idle.empty() && !found) {
        auto conn = std::move(idle.back());
        idle.pop_back();
        if (now - conn->idle_since < kPoolMaxIdle && conn->looks_reusable()) found = std::move(conn);
        else dead.push_back(std::move(conn));
      }
    }
    return found;
  }

  void give_back(std::unique_ptr<Connection> conn) {
    conn->idle_since = clock::now();
    std::unique_ptr<Connection> evicted;
    std::lock_guard lock(pool_mutex);
    if (config.pool_per_host == 0) return;
    if (idle.size() >= config.pool_per_host) {
      evicted = std::move(idle.front());  // the oldest is the likeliest to have been dropped
      idle.pop_front();
    }
    idle.push_back(std::move(conn));
  }

  // -- breakers --

  // A pass for one request through a model's breaker; reports its verdict once.
  class BreakerTicket {
   public:
    BreakerTicket(Impl& impl, std::string model, bool trial) : impl_(impl), model_(std::move(model)), trial_(trial) {}
    BreakerTicket(const BreakerTicket&) = delete;
    BreakerTicket& operator=(const BreakerTicket&) = delete;
    ~BreakerTicket() {
      if (!reported_ && trial_) impl_.abandon_trial(model_);
    }
    void report(bool success) {
      if (reported_) return;
      reported_ = true;
      impl_.record(model_, success, trial_);
    }

   private:
    Impl& impl_;
    std::string model_;
    bool trial_;
    bool reported_ = false;
  };

  std::optional<BreakerTicket> acquire(const std::string& model) {
    std::lock_guard lock(breaker_mutex);
    bool trial = false;
    auto it = breakers.find(model);
    if (it != breakers.end() && !it->second.try_acquire(clock::now(), trial)) return std::nullopt;
    return std::optional<BreakerTicket>(std::in_place, *this, model, trial);
  }

  void record(const std::string& model, bool success, bool trial) {
    std::lock_guard lock(breaker_mutex);
    auto it = breakers.find(model);
    if (it == breakers.end()) {
      if (success) return;  // at rest, and stays so
      it = breakers.try_emplace(model, config.breaker_failures, config.breaker_cooldown).first;
    }
    if (it->second.record(success, trial, clock::now())) ++breaker_opens;
    if (it->second.at_rest()) breakers.erase(it);
  }

  void abandon_trial(const std::string& model) {
    std::lock_guard lock(breaker_mutex);
    if (auto it = breakers.find(model); it != breakers.end()) it->second.abandon_trial();
  }

  bool refuses(const std::string& model) const {
    std::lock_guard lock(breaker_mutex);
    auto it = breakers.find(model);
    return it != breakers.end() && it->second.refuses(clock::now());
  }

  // -- requests --

  HttpRequest build_request(const Request& request, const std::string& body) const {
    HttpRequest req{request.get ? http::verb::get : http::verb::post, origin->path_prefix + request.path, 11};
    req.set(http::field::host, origin->host_header);
    req.set("x-api-key", config.api_key);
    std::string version = config.default_anthropic_version;
    for (const auto& [name, value] : request.headers) {
      if (iequals(name, "anthropic-version")) version = value;
      else if (iequals(name, "anthropic-beta")) req.set("anthropic-beta", value);
    }
    req.set("anthropic-version", version);
    if (!request.get) req.set(http::field::content_type, "application/json");
    if (request.stream) req.set(http::field::accept, "text/event-stream");
    req.set(http::field::user_agent, kUserAgent);
    req.keep_alive(true);
    if (!request.get) req.body() = body;
    req.prepare_payload();
    return req;
  }

  awaitable<std::unique_ptr<Connection>> connect(Outcome& out);
  template <class Stream>
  awaitable<void> exchange(Stream& stream, beast::flat_buffer& buffer, const HttpRequest& request,
                           const EventSink* sink, std::chrono::milliseconds header_deadline, bool reused,
                           BreakerTicket& ticket, Outcome& out);
  awaitable<Outcome> attempt(const HttpRequest& request, const EventSink* sink, std::chrono::milliseconds header_deadline,
                             BreakerTicket& ticket);
  awaitable<Response> run(Request request, const EventSink* sink);

  // Fills `out` for a failed read or write; `doing` names the step for the message.
  void failed(Outcome& out, beast::error_code ec, std::string_view doing, std::chrono::milliseconds limit) const {
    if (ec == beast::error::timeout) {
      out.failure = Failure::timeout;
      out.detail = "no progress " + std::string(doing) + " from " + origin->host_header + " within " + ms_text(limit);
    } else {
      out.failure = Failure::transport;
      out.detail = "connection to " + origin->host_header + " failed " + std::string(doing) + ": " + ec.message();
    }
  }
};

// ---- One exchange (request → answer) ------------------------------------------------------------

namespace {

// Reads the rest of a body into `body`.
template <class Stream>
awaitable<beast::error_code> read_body(Stream& stream, beast::flat_buffer& buffer,
                                       http::response_parser<http::buffer_body>& parser, std::string& body,
                                       std::chrono::milliseconds idle_timeout) {
  // Straight into `body`, in steps of what Content-Length says is left (the usual case; at most
  // 1 MB a step, whatever a header claims) or else of kReadChunk: no scratch buffer to clear.
  while (!parser.is_done()) {
    const std::size_t used = body.size();
    const auto left = parser.content_length_remaining();
    const std::size_t room = left ? static_cast<std::size_t>(std::clamp<std::uint64_t>(*left, 1, 1u << 20)) : kReadChunk;
    body.resize(used + room);
    parser.get().body().data = body.data() + used;
    parser.get().body().size = room;
    beast::get_lowest_layer(stream).expires_after(idle_timeout);
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, use_tuple);
    body.resize(used + room - parser.get().body().size);
    if (ec && ec != http::error::need_buffer) co_return ec;
  }
  co_return beast::error_code{};
}

}  // namespace

template <class Stream>
awaitable<void> AnthropicClient::Impl::exchange(Stream& stream, beast::flat_buffer& buffer,
                                                const HttpRequest& request, const EventSink* sink,
                                                std::chrono::milliseconds header_deadline, bool reused,
                                                BreakerTicket& ticket, Outcome& out) {
  auto& tcp_layer = beast::get_lowest_layer(stream);
  // One deadline for sending the request and receiving the response headers.
  tcp_layer.expires_after(header_deadline);
  const std::string request_text = request_head(request);
  auto [write_ec, written] = co_await async_write_message(stream, request_text, request.body(), use_tuple);
  if (write_ec) {
    out.stale = reused && write_ec != beast::error::timeout;
    failed(out, write_ec, "sending the request", header_deadline);
    co_return;
  }
  out.sent = true;
  const auto sent_at = clock::now();
  http::response_parser<http::buffer_body> parser;
  parser.header_limit(kHeaderLimit);
  auto [header_ec, header_bytes] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
  if (header_ec) {
    out.stale = reused && header_ec != beast::error::timeout && !parser.got_some() && buffer.size() == 0;
    failed(out, header_ec, "waiting for the response headers", header_deadline);
    co_return;
  }
  out.ttfb = us_since(sent_at);
  const auto& head = parser.get().base();
  out.status = static_cast<int>(head.result_int());
  if (auto it = head.find("request-id"); it != head.end()) out.request_id = std::string(it->value());
  out.retry_after = retry_after(head);
  // The upstream answered: only its own failures (5xx, 529) count against the model.
  ticket.report(out.status < 500);
  const bool keep_alive = parser.get().keep_alive();

  constexpr std::string_view kEventStream = "text/event-stream";
  const bool events = sink && out.status / 100 == 2 &&
                      iequals(head[http::field::content_type].substr(0, kEventStream.size()), kEventStream);
  if (!events) {
    parser.body_limit(kJsonBodyLimit);
    if (auto ec = co_await read_body(stream, buffer, parser, out.body, config.idle_timeout)) {
      failed(out, ec, "reading the response body", config.idle_timeout);
      co_return;
    }
    out.reusable = keep_alive;
    co_return;
  }

  parser.body_limit(boost::none);  // a stream is as long as the answer; the idle timeout bounds it
  SseParser sse;
  std::vector<SseEvent> parsed;
  std::vector<char> chunk(kReadChunk);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    tcp_layer.expires_after(config.idle_timeout);
    auto [ec, n] = co_await http::async_read_some(stream, buffer, parser, use_tuple);
    if (ec == http::error::need_buffer) ec = {};
    sse.feed(std::string_view(chunk.data(), chunk.size() - parser.get().body().size), parsed);
    for (const auto& event : parsed) {
      out.committed = true;
      if (event.event == "message_stop") out.stream_completed = true;
      if (!co_await (*sink)(event)) {
        out.sink_stopped = true;
        co_return;
      }
    }
    parsed.clear();
    if (ec) {
      failed(out, ec, out.committed ? "in the middle of the stream" : "before the first event", config.idle_timeout);
      co_return;
    }
    if (sse.buffered() > kSseEventLimit) {
      out.failure = Failure::transport;
      out.detail = "the upstream sent an SSE event larger than " + std::to_string(kSseEventLimit) + " bytes";
      co_return;
    }
  }
  out.reusable = keep_alive;
}

// ---- One attempt (connection + exchange) --------------------------------------------------------

awaitable<std::unique_ptr<Connection>> AnthropicClient::Impl::connect(Outcome& out) {
  const std::string where = origin->host + ":" + origin->port;
  tcp::resolver resolver(executor);
  auto [resolve_ec, endpoints] = co_await resolver.async_resolve(origin->host, origin->port, use_tuple);
  if (resolve_ec) {
    out.failure = Failure::connect;
    out.detail = "cannot resolve " + origin->host + ": " + resolve_ec.message();
    co_return nullptr;
  }
  beast::tcp_stream tcp_stream(executor);
  // One deadline for TCP and TLS together.
  tcp_stream.expires_after(config.connect_timeout);
  auto [connect_ec, endpoint] = co_await tcp_stream.async_connect(endpoints, use_tuple);
  if (connect_ec) {
    out.failure = connect_ec == beast::error::timeout ? Failure::timeout : Failure::connect;
    out.detail = connect_ec == beast::error::timeout
                     ? "no connection to " + where + " within " + ms_text(config.connect_timeout)
                     : "cannot connect to " + where + ": " + connect_ec.message();
    co_return nullptr;
  }
  beast::error_code ignored;
  tcp_stream.socket().set_option(tcp::no_delay(true), ignored);
  auto conn = std::make_unique<Connection>();
  if (!origin->tls) {
    conn->plain = std::make_unique<beast::tcp_stream>(std::move(tcp_stream));
    co_return conn;
  }
  conn->tls = std::make_unique<TlsStream>(std::move(tcp_stream), *tls_context);
  if (!origin->host_is_ip && !SSL_set_tlsext_host_name(conn->tls->native_handle(), origin->host.c_str())) {
    out.failure = Failure::connect;
    out.detail = "cannot set the TLS server name (SNI) to " + origin->host;
    co_return nullptr;
  }
  conn->tls->set_verify_callback(ssl::host_name_verification(origin->host));
  auto [handshake_ec] = co_await conn->tls->async_handshake(ssl::stream_base::client, use_tuple);
  if (handshake_ec) {
    out.failure = handshake_ec == beast::error::timeout ? Failure::timeout : Failure::connect;
    out.detail = handshake_ec == beast::error::timeout
                     ? "no TLS session with " + where + " within " + ms_text(config.connect_timeout)
                     : "TLS handshake with " + where + " failed: " + handshake_ec.message();
    co_return nullptr;
  }
  co_return conn;
}

awaitable<Outcome> AnthropicClient::Impl::attempt(const HttpRequest& request, const EventSink* sink,
                                                  std::chrono::milliseconds header_deadline, BreakerTicket& ticket) {
  auto conn = take_idle();
  bool reused = conn != nullptr;
  for (;;) {
    Outcome out;
    if (!conn) conn = co_await connect(out);
    if (!conn) co_return out;
    if (conn->tls) co_await exchange(*conn->tls, conn->buffer, request, sink, header_deadline, reused, ticket, out);
    else co_await exchange(*conn->plain, conn->buffer, request, sink, header_deadline, reused, ticket, out);
    // The server closed a pooled connection as we picked it: once more on a fresh one, free.
    if (out.stale) {
      conn.reset();
      reused = false;
      continue;
    }
    if (reused && out.status != 0) ++pool_reuses;
    if (out.reusable && out.failure == Failure::none && !out.sink_stopped) give_back(std::move(conn));
    co_return out;
  }
}

// ---- Retries, fallbacks and breakers ------------------------------------------------------------

awaitable<Response> AnthropicClient::Impl::run(Request request, const EventSink* sink) {
  ++requests;
  Response response;
  response.model = request.model;
  if (!setup_problem.empty()) {
    response.error = Error{"upstream.misconfigured", setup_problem, "base_url"};
    co_return response;
  }
  if (request.stream != (sink != nullptr)) {
    response.error = Error{"internal",
                           sink ? "stream() needs request.stream = true (and \"stream\": true in the body)"
                                : "send() needs request.stream = false (and no \"stream\": true in the body); "
                                  "use stream() with an EventSink for a streaming answer",
                           "request.stream"};
    co_return response;
  }
  if (request.path.empty() || request.path.front() != '/') {
    response.error = Error{"internal", "request.path must start with '/', like /v1/messages", "request.path"};
    co_return response;
  }

  std::vector<std::string> chain{request.model};
  if (auto it = config.fallbacks.find(request.model); request.fallback && it != config.fallbacks.end())
    for (const auto& model : it->second)
      if (std::find(chain.begin(), chain.end(), model) == chain.end()) chain.push_back(model);

  const int max_attempts = std::max(config.max_attempts, 1);
  // A non-streaming answer's headers come after its whole generation: the caller may allow longer.
  const auto header_deadline = sink ? config.first_byte_timeout : std::max(config.first_byte_timeout, request.answer_timeout);
  std::optional<Outcome> last;  // the final outcome, or the last retryable one once every try is spent
  std::string last_model = request.model;
  std::string body = std::move(request.body);
  bool answered = false;
  for (std::size_t index = 0; index < chain.size() && !answered; ++index) {
    const std::string& model = chain[index];
    if (index > 0 && !rewrite_model(body, model)) break;  // not a JSON object: no fallback possible
    const HttpRequest http_request = build_request(request, body);
    for (int try_number = 1; try_number <= max_attempts; ++try_number) {
      auto ticket = acquire(model);
      if (!ticket) break;
      if (try_number == 1 && index > 0) {
        ++fallbacks;
        response.fell_back = true;
      }
      if (try_number > 1) ++retries;
      ++response.attempts;
      Outcome out = co_await attempt(http_request, sink, header_deadline, *ticket);
      if (out.failure != Failure::none) ticket->report(false);  // no-op if the headers already did
      last_model = model;
      answered = !out.worth_retrying() || (!request.retry_answers && out.failure == Failure::none);
      const auto wait = out.retry_after;
      last = std::move(out);
      if (answered || try_number == max_attempts) break;
      if (wait && *wait > config.max_retry_after) break;  // too long to wait here: next model
      if (refuses(model)) break;                          // the failures opened the circuit
      co_await sleep_for(wait ? *wait : backoff(try_number, config.backoff_base, config.backoff_max));
    }
  }
  response.model = last_model;
  if (!last) {
    response.error = Error{"upstream.circuit_open",
                           "the circuit breaker of " + request.model +
                               (chain.size() > 1 ? " and of each of its fallbacks" : "") +
                               " is open after repeated upstream failures; try again after " +
                               ms_text(config.breaker_cooldown),
                           ""};
    response.retry_after = config.breaker_cooldown;
    co_return response;
  }
  Outcome& out = *last;
  response.status = out.status;
  response.body = std::move(out.body);
  response.request_id = std::move(out.request_id);
  response.ttfb = out.ttfb;
  response.retry_after = out.retry_after;
  response.stream_completed = out.stream_completed;
  if (out.failure != Failure::none) {
    const std::string tries = " (" + std::to_string(response.attempts) + " attempt" +
                              (response.attempts == 1 ? "" : "s") + ", last on " + last_model + ")";
    if (out.committed) response.error = Error{"upstream.interrupted", "the stream was cut: " + out.detail + tries, ""};
    else if (out.failure == Failure::timeout) response.error = Error{"upstream.timeout", out.detail + tries, ""};
    else response.error = Error{"upstream.unavailable", out.detail + tries, ""};
  }
  co_return response;
}

// ---- Public API ---------------------------------------------------------------------------------

AnthropicClient::AnthropicClient(net::any_io_executor executor, ClientConfig config)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config))) {}

AnthropicClient::~AnthropicClient() = default;

// Each call holds the Impl: a client destroyed mid-request leaves its requests a valid state.
awaitable<Response> AnthropicClient::send(Request request) {
  auto impl = impl_;
  co_return co_await impl->run(std::move(request), nullptr);
}

awaitable<Response> AnthropicClient::stream(Request request, EventSink sink) {
  auto impl = impl_;
  co_return co_await impl->run(std::move(request), &sink);
}

AnthropicClient::Stats AnthropicClient::stats() const {
  return Stats{impl_->requests.load(), impl_->retries.load(), impl_->fallbacks.load(), impl_->breaker_opens.load(),
               impl_->pool_reuses.load()};
}

bool AnthropicClient::circuit_open(const std::string& model) const { return impl_->refuses(model); }

}  // namespace porchlight::upstream
