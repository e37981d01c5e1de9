// proxy_client.cpp: the HTTP client behind the send panel and `--send`.
//
// Sections:
//   [1] URL and SSE parsing
//   [2] Messages API events -> SendResult
//   [3] the exchange (one coroutine on the worker's io_context)
//   [4] ProxyClient

#include "proxy_client.hpp"

#include <condition_variable>
#include <mutex>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace porchlight::playground {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr auto use_tuple = net::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxErrorBody = 1 << 20;
constexpr std::size_t kMaxSseLine = 4 << 20;

struct ProxyClient::Shared {
  mutable std::mutex mu;
  std::condition_variable done;
  SendResult result;
  Clock::time_point started;
  net::io_context* ioc = nullptr;  // set while the worker runs; stop() is thread-safe
  bool running = false;
};

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

// ---- [1] URL and SSE parsing -------------------------------------------------------------------

struct Endpoint {
  std::string host, port, target, host_header;
};

std::optional<Endpoint> parse_url(std::string_view url, std::string& error) {
  constexpr std::string_view scheme = "http://";
  error = "the proxy URL must look like http://127.0.0.1:8080 (plain HTTP; https is not supported here)";
  if (url.substr(0, scheme.size()) != scheme) return std::nullopt;
  std::string_view rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path(slash == std::string_view::npos ? "" : rest.substr(slash));
  if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
  Endpoint e;
  e.host_header = std::string(authority);
  std::string_view port = "80";
  if (authority.front() == '[') {  // [::1]:8080
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    e.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return std::nullopt;
      port = authority.substr(close + 2);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    e.host = std::string(authority.substr(0, colon));
    port = authority.substr(colon + 1);
  } else {
    e.host = std::string(authority);
  }
  if (e.host.empty() || port.empty() || port.size() > 5 ||
      port.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  e.port = std::string(port);
  while (!path.empty() && path.back() == '/') path.pop_back();
  const std::string_view suffix = "/v1/messages";
  if (path.size() < suffix.size() || path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0)
    path += suffix;
  e.target = path;
  error.clear();
  return e;
}

// Server-sent events: "event:" and "data:" lines, an empty line ends an event.
class SseParser {
 public:
  // Returns false when a line grows past the limit (not an event stream).
  template <class F> bool feed(std::string_view bytes, F&& on_event) {
    buf_.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl; (nl = buf_.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(buf_.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) {
        if (!data_.empty() || !event_.empty()) on_event(event_, data_);
        event_.clear();
        data_.clear();
        continue;
      }
      if (line.front() == ':') continue;  // keep-alive comment
      const auto colon = line.find(':');
      std::string_view field = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (field == "event") event_ = std::string(value);
      else if (field == "data") { if (!data_.empty()) data_ += '\n'; data_.append(value); }
    }
    buf_.erase(0, start);
    return buf_.size() <= kMaxSseLine && data_.size() <= kMaxSseLine;
  }

 private:
  std::string buf_, event_, data_;
};

// ---- [2] Messages API events -> SendResult -----------------------------------------------------

std::int64_t int_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : -1;
}

// Usage objects come whole in message_start and partly (output_tokens, sometimes more) in
// message_delta; a field that is present replaces the one we have.
void merge_usage(Usage& u, const json& j) {
  if (!j.is_object()) return;
  if (auto v = int_field(j, "input_tokens"); v >= 0) u.input_tokens = v;
  if (auto v = int_field(j, "output_tokens"); v >= 0) u.output_tokens = v;
  if (auto v = int_field(j, "cache_creation_input_tokens"); v >= 0) u.cache_creation_input_tokens = v;
  if (auto v = int_field(j, "cache_read_input_tokens"); v >= 0) u.cache_read_input_tokens = v;
  if (auto c = j.find("cache_creation"); c != j.end() && c->is_object())
    if (auto v = int_field(*c, "ephemeral_1h_input_tokens"); v >= 0) u.cache_creation_1h_input_tokens = v;
}

std::string api_error_text(const json& j) {
  const json* e = j.is_object() && j.contains("error") && j["error"].is_object() ? &j["error"] : nullptr;
  if (!e) return "";
  std::string type = e->value("type", std::string("error"));
  std::string message = e->value("message", std::string());
  return message.empty() ? type : type + ": " + message;
}

// Applies one SSE event. Returns true at message_stop or an error event (the stream is over).
bool apply_event(ProxyClient::Shared& s, const std::string& event, const std::string& data) {
  const json j = json::parse(data, nullptr, false);
  std::lock_guard lock(s.mu);
  SendResult& r = s.result;
  if (!r.in_flight()) return true;  // cancelled meanwhile
  if (j.is_discarded()) {
    r.state = SendResult::State::failed;
    r.error = "the proxy sent an event that is not JSON (event " + event + ")";
    return true;
  }
  const std::string type = event.empty() ? j.value("type", std::string()) : event;
  if (type == "message_start" && j.contains("message") && j["message"].is_object()) {
    r.model = j["message"].value("model", r.model);
    if (j["message"].contains("usage")) merge_usage(r.usage, j["message"]["usage"]);
  } else if (type == "content_block_delta") {
    if (!r.ttft_ms) r.ttft_ms = ms_since(s.started);
    const json& d = j.value("delta", json::object());
    if (d.value("type", std::string()) == "text_delta") r.text += d.value("text", std::string());
  } else if (type == "message_delta") {
    if (j.contains("delta") && j["delta"].is_object() && j["delta"].contains("stop_reason") &&
        j["delta"]["stop_reason"].is_string())
      r.stop_reason = j["delta"]["stop_reason"].get<std::string>();
    if (j.contains("usage")) merge_usage(r.usage, j["usage"]);
  } else if (type == "message_stop") {
    r.state = SendResult::State::done;
    r.latency_ms = ms_since(s.started);
    return true;
  } else if (type == "error") {
    r.state = SendResult::State::failed;
    r.error = "the stream ended with an error event: " + api_error_text(j);
    r.latency_ms = ms_since(s.started);
    return true;
  }
  return false;
}

// A whole (non-streamed) answer: an error object, or a Messages response.
void apply_body(ProxyClient::Shared& s, const std::string& body) {
  const json j = json::parse(body, nullptr, false);
  std::lock_guard lock(s.mu);
  SendResult& r = s.result;
  if (!r.in_flight()) return;
  r.latency_ms = ms_since(s.started);
  if (r.http_status != 200 || j.is_discarded() || !j.is_object() || j.value("type", "") != "message") {
    r.state = SendResult::State::failed;
    std::string why = j.is_discarded() ? "" : api_error_text(j);
    if (why.empty()) why = body.substr(0, 200);
    r.error = "HTTP " + std::to_string(r.http_status) + (why.empty() ? "" : ": " + why);
    return;
  }
  r.model = j.value("model", r.model);
  r.stop_reason = j.value("stop_reason", std::string());
  if (j.contains("usage")) merge_usage(r.usage, j["usage"]);
  if (j.contains("content") && j["content"].is_array())
    for (const auto& b : j["content"])
      if (b.is_object() && b.value("type", "") == "text") r.text += b.value("text", std::string());
  r.state = SendResult::State::done;
}

void fail(ProxyClient::Shared& s, std::string why) {
  std::lock_guard lock(s.mu);
  if (!s.result.in_flight()) return;
  s.result.state = SendResult::State::failed;
  s.result.error = std::move(why);
  s.result.latency_ms = ms_since(s.started);
}

// ---- [3] the exchange --------------------------------------------------------------------------

net::awaitable<void> exchange(std::shared_ptr<ProxyClient::Shared> s, Endpoint ep, std::string key,
                              std::string body) {
  auto ex = co_await net::this_coro::executor;
  tcp::resolver resolver(ex);
  beast::tcp_stream stream(ex);
  const std::string where = ep.host + ":" + ep.port;

  // Resolving has no timeout of its own; Cancel (or wait()'s deadline) stops a slow lookup.
  auto [rec, results] = co_await resolver.async_resolve(ep.host, ep.port, use_tuple);
  if (rec) { fail(*s, "cannot resolve " + ep.host + ": " + rec.message()); co_return; }
  stream.expires_after(std::chrono::seconds(10));
  auto [cec, connected] = co_await stream.async_connect(results, use_tuple);
  if (cec) {
    fail(*s, "cannot connect to " + where + ": " + cec.message() + " (is the proxy running?)");
    co_return;
  }

  http::request<http::string_body> req{http::verb::post, ep.target, 11};
  req.set(http::field::host, ep.host_header);
  req.set(http::field::user_agent, "porchlight-playground");
  req.set(http::field::content_type, "application/json");
  req.set(http::field::accept, "text/event-stream");
  req.set("anthropic-version", "2023-06-01");
  if (!key.empty()) req.set("x-api-key", key);
  req.body() = std::move(body);
  req.prepare_payload();
  stream.expires_after(std::chrono::seconds(30));
  auto [wec, written] = co_await http::async_write(stream, req, use_tuple);
  if (wec) { fail(*s, "cannot send the request to " + where + ": " + wec.message()); co_return; }

  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);  // a long stream is fine; error bodies are capped below
  stream.expires_after(std::chrono::seconds(120));  // the proxy may wait on the upstream
  auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
  if (hec) { fail(*s, "no response from " + where + ": " + hec.message()); co_return; }
  const auto& head = parser.get();
  const bool sse = head.result_int() == 200 &&
                   std::string_view(head[http::field::content_type]).find("text/event-stream") == 0;
  {
    std::lock_guard lock(s->mu);
    if (!s->result.in_flight()) co_return;
    s->result.http_status = static_cast<int>(head.result_int());
    s->result.request_id = std::string(head["request-id"]);
    if (sse) s->result.state = SendResult::State::streaming;
  }

  SseParser events;
  std::string whole;  // the body when it is not an event stream
  bool finished = false;
  char chunk[16384];
  while (!parser.is_done() && !finished) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    stream.expires_after(std::chrono::seconds(120));  // SSE pings keep a healthy stream alive
    // read_some, not read: read would fill the whole chunk before returning, and a token that
    // arrived would wait for the ones after it.
    auto [rec2, n] = co_await http::async_read_some(stream, buffer, parser, use_tuple);
    if (rec2 == http::error::need_buffer) rec2 = {};
    if (rec2) { fail(*s, "the connection to " + where + " broke: " + rec2.message()); co_return; }
    const std::string_view got(chunk, sizeof chunk - parser.get().body().size);
    if (!sse) {
      whole.append(got);
      if (whole.size() > kMaxErrorBody) { fail(*s, "the response body is too large"); co_return; }
      continue;
    }
    const bool ok = events.feed(got, [&](const std::string& event, const std::string& data) {
      if (!finished) finished = apply_event(*s, event, data);
    });
    if (!ok) { fail(*s, "the response is not a Messages API event stream"); co_return; }
  }
  if (!sse) { apply_body(*s, whole); co_return; }
  if (!finished) fail(*s, "the stream ended before message_stop (the answer is incomplete)");
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace

// ---- [4] ProxyClient ---------------------------------------------------------------------------

std::string_view state_name(SendResult::State s) {
  switch (s) {
    case SendResult::State::idle: return "idle";
    case SendResult::State::sending: return "sending";
    case SendResult::State::streaming: return "streaming";
    case SendResult::State::done: return "done";
    case SendResult::State::failed: return "failed";
    case SendResult::State::cancelled: return "cancelled";
  }
  return "failed";
}

json to_json(const SendResult& r) {
  return json{{"state", state_name(r.state)},
              {"url", r.url},
              {"http_status", r.http_status},
              {"request_id", r.request_id},
              {"model", r.model},
              {"text", r.text},
              {"stop_reason", r.stop_reason},
              {"usage", to_json(r.usage)},
              {"ttft_ms", r.ttft_ms ? json(*r.ttft_ms) : json(nullptr)},
              {"latency_ms", r.latency_ms},
              {"error", r.error}};
}

ProxyClient::ProxyClient() : shared_(std::make_shared<Shared>()) {}

ProxyClient::~ProxyClient() { cancel(); join(); }

void ProxyClient::join() {
  if (worker_.joinable()) worker_.join();
}

void ProxyClient::start(const std::string& url, const std::string& secret_key, json body) {
  cancel();
  join();
  std::string error;
  auto ep = parse_url(url, error);
  {
    std::lock_guard lock(shared_->mu);
    shared_->result = SendResult{};
    shared_->result.url = ep ? url : "";  // an unparsable URL might carry credentials: not echoed
    shared_->started = Clock::now();
    if (!ep) {
      shared_->result.state = SendResult::State::failed;
      shared_->result.error = error;
      return;
    }
    shared_->result.state = SendResult::State::sending;
    shared_->running = true;
  }
  body["stream"] = true;
  std::string text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  worker_ = std::thread([s = shared_, ep = *ep, key = secret_key, text = std::move(text)]() mutable {
    net::io_context ioc;
    bool cancelled_early;
    {
      std::lock_guard lock(s->mu);
      s->ioc = &ioc;
      cancelled_early = !s->result.in_flight();  // cancel() came before this thread started
    }
    if (!cancelled_early)
      net::co_spawn(ioc, exchange(s, std::move(ep), std::move(key), std::move(text)),
                  [s](std::exception_ptr e) {
                    if (e) fail(*s, "internal error in the HTTP client");
                  });
    ioc.run();
    std::lock_guard lock(s->mu);
    s->ioc = nullptr;
    s->running = false;
    if (s->result.in_flight()) {  // stopped without an outcome: only cancel() does that
      s->result.state = SendResult::State::cancelled;
      s->result.latency_ms = ms_since(s->started);
    }
    s->done.notify_all();
  });
}

void ProxyClient::cancel() {
  std::lock_guard lock(shared_->mu);
  if (!shared_->running) return;
  if (shared_->result.in_flight()) {
    shared_->result.state = SendResult::State::cancelled;
    shared_->result.latency_ms = ms_since(shared_->started);
  }
  if (shared_->ioc) shared_->ioc->stop();
}

SendResult ProxyClient::snapshot() const {
  std::lock_guard lock(shared_->mu);
  SendResult r = shared_->result;
  if (r.in_flight()) r.latency_ms = ms_since(shared_->started);
  return r;
}

SendResult ProxyClient::wait(std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(shared_->mu);
    if (!shared_->done.wait_for(lock, timeout, [&] { return !shared_->running; })) {
      lock.unlock();
      cancel();
      join();
      std::lock_guard again(shared_->mu);
      shared_->result.error = "no answer within " + std::to_string(timeout.count()) + " ms; cancelled";
      return shared_->result;
    }
  }
  join();
  return snapshot();
}

}  // namespace porchlight::playground
