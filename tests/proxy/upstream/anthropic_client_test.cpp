// Tests for AnthropicClient (server-proxy/src/upstream/anthropic_client.cpp), against the real
// fake upstream (porchlight-fake-anthropic) started as a child process.
//
// Sections: helpers · answers · retries · fallbacks and breakers · timeouts and cuts ·
//           connections · concurrency · configuration, secrets and TLS
#include <doctest/doctest.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <atomic>
#include <future>
#include <thread>

#include "fake_upstream.hpp"
#include "upstream/anthropic_client.hpp"

namespace porchlight::upstream {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using test::FakeUpstream;

// ---- Helpers ------------------------------------------------------------------------------------

constexpr const char* kSecret = "sk-ant-api03-SECRET-never-print-me";
constexpr const char* kModel = "claude-sonnet-4-5";
constexpr const char* kFallbackModel = "claude-haiku-4-5";

FakeUpstream& fresh_fake() {
  auto& fake = FakeUpstream::shared();
  fake.reset();
  return fake;
}

// Short delays so that the tests run fast; generous timeouts so that they do not flake.
ClientConfig test_config(const std::string& base_url) {
  ClientConfig config;
  config.base_url = base_url;
  config.api_key = kSecret;
  config.connect_timeout = 2s;
  config.first_byte_timeout = 10s;
  config.idle_timeout = 10s;
  config.backoff_base = 5ms;
  config.backoff_max = 20ms;
  config.breaker_failures = 100;
  return config;
}

Request messages_request(bool stream, const std::string& model = kModel) {
  json body = {{"model", model},
               {"max_tokens", 64},
               {"messages", json::array({{{"role", "user"}, {"content", "Say hello."}}})}};
  if (stream) body["stream"] = true;
  Request request;
  request.body = body.dump();
  request.model = model;
  request.stream = stream;
  return request;
}

// Runs one awaitable to completion on `io` (its own thread pool of `threads`).
template <class T>
T run(net::io_context& io, awaitable<T> task) {
  auto future = net::co_spawn(io, std::move(task), net::use_future);
  io.restart();
  io.run();
  return future.get();
}

struct Collected {
  std::vector<SseEvent> events;
  Response response;
  std::string text() const {
    std::string text;
    for (const auto& e : events) {
      if (e.event != "content_block_delta") continue;
      auto data = json::parse(e.data, nullptr, false);
      if (!data.is_discarded() && data["delta"].contains("text")) text += data["delta"]["text"].get<std::string>();
    }
    return text;
  }
};

// Streams one request and collects its events; `stop_after` > 0 makes the sink quit after that many.
Collected stream_once(net::io_context& io, AnthropicClient& client, Request request, std::size_t stop_after = 0) {
  Collected out;
  out.response = run(io, client.stream(std::move(request), [&out, stop_after](const SseEvent& e) -> awaitable<bool> {
    out.events.push_back(e);
    co_return stop_after == 0 || out.events.size() < stop_after;
  }));
  return out;
}

double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

std::size_t upstream_requests(FakeUpstream& fake) {
  std::size_t n = 0;
  for (const auto& r : fake.requests())
    if (r["path"] == "/v1/messages") ++n;
  return n;
}

// ---- Answers ------------------------------------------------------------------------------------

TEST_CASE("client: non-streaming create, with the headers the API needs") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"text", "Hello there."}}}));
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  Request request = messages_request(false);
  request.headers = {{"Anthropic-Beta", "prompt-caching-2024-07-31"}, {"x-not-forwarded", "1"}};
  const Response r = run(io, client.send(request));
  CHECK_FALSE(r.error);
  CHECK(r.status == 200);
  CHECK(r.attempts == 1);
  CHECK_FALSE(r.fell_back);
  CHECK(r.model == kModel);
  CHECK_FALSE(r.request_id.empty());
  const auto body = json::parse(r.body, nullptr, false);
  REQUIRE_FALSE(body.is_discarded());
  CHECK(body["type"] == "message");
  CHECK(body["content"][0]["text"] == "Hello there.");

  const auto log = fake.requests();
  REQUIRE(log.size() == 1);
  const auto& headers = log[0]["headers"];
  CHECK(headers["x-api-key"] == "sk-ant...");  // the fake logs only a prefix
  CHECK(headers["anthropic-version"] == "2023-06-01");
  CHECK(headers["anthropic-beta"] == "prompt-caching-2024-07-31");
  CHECK(headers["content-type"] == "application/json");
  CHECK(headers["user-agent"] == "porchlight-proxy/0.1");
  CHECK_FALSE(headers.contains("accept"));
  CHECK_FALSE(headers.contains("x-not-forwarded"));
  CHECK(client.stats().requests == 1);
}

TEST_CASE("client: streaming passes every event in order, and the caller's anthropic-version") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"text", "Streaming works, même en UTF-8 🏠."}}}));
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  Request request = messages_request(true);
  request.headers = {{"anthropic-version", "2023-01-01"}};
  const auto got = stream_once(io, client, request);
  CHECK_FALSE(got.response.error);
  CHECK(got.response.status == 200);
  CHECK(got.response.stream_completed);
  CHECK(got.response.body.empty());
  REQUIRE(got.events.size() >= 5);
  CHECK(got.events.front().event == "message_start");
  CHECK(got.events[1].event == "content_block_start");
  CHECK(got.events.back().event == "message_stop");
  CHECK(got.events[got.events.size() - 2].event == "message_delta");
  CHECK(got.text() == "Streaming works, même en UTF-8 🏠.");
  const auto headers = fake.requests()[0]["headers"];
  CHECK(headers["accept"] == "text/event-stream");
  CHECK(headers["anthropic-version"] == "2023-01-01");
}

TEST_CASE("client: an error event mid-stream reaches the sink like any other event") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"error_event_after_events", 2}}}));
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  const auto got = stream_once(io, client, messages_request(true));
  CHECK_FALSE(got.response.error);  // the HTTP stream itself ended cleanly: the caller decides
  CHECK(got.response.status == 200);
  CHECK_FALSE(got.response.stream_completed);
  REQUIRE(got.events.size() == 3);
  CHECK(got.events[2].event == "error");
  CHECK(got.events[2].data.find("overloaded_error") != std::string::npos);
  CHECK(got.response.attempts == 1);
}

TEST_CASE("client: a sink that returns false stops the stream") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"tokens_per_second", 200}}}));
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  const auto got = stream_once(io, client, messages_request(true), 2);
  CHECK(got.events.size() == 2);
  CHECK_FALSE(got.response.stream_completed);
  CHECK_FALSE(got.response.error);
  // That connection was mid-answer: it must not be reused. The next request still works.
  const Response next = run(io, client.send(messages_request(false)));
  CHECK(next.status == 200);
  CHECK(client.stats().pool_reuses == 0);
}

// ---- Retries ------------------------------------------------------------------------------------

TEST_CASE("client: retries a 529, then succeeds") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"status", 529}}, json::object()}));
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  SUBCASE("non-streaming") {
    const Response r = run(io, client.send(messages_request(false)));
    CHECK_FALSE(r.error);
    CHECK(r.status == 200);
    CHECK(r.attempts == 2);
  }
  SUBCASE("streaming: the failed attempt never reaches the sink") {
    const auto got = stream_once(io, client, messages_request(true));
    CHECK(got.response.status == 200);
    CHECK(got.response.attempts == 2);
    CHECK(got.response.stream_completed);
    CHECK(got.events.front().event == "message_start");
    CHECK(std::count_if(got.events.begin(), got.events.end(),
                        [](const SseEvent& e) { return e.event == "message_start"; }) == 1);
  }
  CHECK(client.stats().retries == 1);
  CHECK(upstream_requests(fake) == 2);
}

TEST_CASE("client: retry-after (seconds) and retry-after-ms are honoured") {
  auto& fake = fresh_fake();
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  SUBCASE("retry-after: 1") {
    fake.script(json::array({{{"status", 429}, {"retry_after", 1}}, json::object()}));
    const auto start = std::chrono::steady_clock::now();
    const Response r = run(io, client.send(messages_request(false)));
    CHECK(r.status == 200);
    CHECK(r.attempts == 2);
    CHECK(ms_since(start) >= 1000);
  }
  SUBCASE("retry-after-ms: 400 wins over retry-after: 0") {
    fake.script(json::array({{{"status", 503}, {"retry_after", 0}, {"retry_after_ms", 400}}, json::object()}));
    const auto start = std::chrono::steady_clock::now();
    const Response r = run(io, client.send(messages_request(false)));
    CHECK(r.status == 200);
    CHECK(r.attempts == 2);
    CHECK(ms_since(start) >= 400);
  }
}

TEST_CASE("client: a retry-after beyond max_retry_after is not waited for") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"status", 429}, {"retry_after", 30}}}));
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.max_retry_after = 1s;
  AnthropicClient client(io.get_executor(), config);
  const auto start = std::chrono::steady_clock::now();
  const Response r = run(io, client.send(messages_request(false)));
  CHECK(ms_since(start) < 5000);
  CHECK(r.status == 429);  // no fallback configured: the 429 itself is the answer
  CHECK(r.attempts == 1);
  CHECK_FALSE(r.error);
  CHECK(json::parse(r.body)["error"]["type"] == "rate_limit_error");
}

TEST_CASE("client: 400 is not retried, and a streaming 4xx never reaches the sink") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"status", 400}, {"error_message", "messages: bad"}}, {{"status", 400}}}));
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  const Response r = run(io, client.send(messages_request(false)));
  CHECK(r.status == 400);
  CHECK(r.attempts == 1);
  CHECK_FALSE(r.error);
  CHECK(json::parse(r.body)["error"]["type"] == "invalid_request_error");
  const auto got = stream_once(io, client, messages_request(true));
  CHECK(got.events.empty());
  CHECK(got.response.status == 400);
  CHECK(json::parse(got.response.body)["error"]["type"] == "invalid_request_error");
  CHECK(upstream_requests(fake) == 2);
  CHECK(client.stats().retries == 0);
}

TEST_CASE("client: when every attempt fails with 529, the last 529 comes back as the answer") {
  auto& fake = fresh_fake();
  fake.defaults({{"status", 529}});
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  const auto got = stream_once(io, client, messages_request(true));
  CHECK(got.events.empty());
  CHECK(got.response.status == 529);
  CHECK(got.response.attempts == 3);
  CHECK_FALSE(got.response.error);
  CHECK(json::parse(got.response.body)["error"]["type"] == "overloaded_error");
}

// ---- Fallbacks and breakers ---------------------------------------------------------------------

TEST_CASE("client: falls back to the next model when the first keeps failing") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"status", 529}}, {{"status", 500}}, json::object()}));
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.max_attempts = 2;
  config.fallbacks[kModel] = {kFallbackModel};
  AnthropicClient client(io.get_executor(), config);
  const Response r = run(io, client.send(messages_request(false)));
  CHECK_FALSE(r.error);
  CHECK(r.status == 200);
  CHECK(r.attempts == 3);
  CHECK(r.fell_back);
  CHECK(r.model == kFallbackModel);
  CHECK(json::parse(r.body)["model"] == kFallbackModel);
  const auto log = fake.requests();
  REQUIRE(log.size() == 3);
  CHECK(log[0]["body"]["model"] == kModel);
  CHECK(log[1]["body"]["model"] == kModel);
  CHECK(log[2]["body"]["model"] == kFallbackModel);
  CHECK(log[2]["body"]["max_tokens"] == 64);  // the rest of the body is kept
  CHECK(client.stats().fallbacks == 1);
}

TEST_CASE("client: the breaker opens after N failures, refuses, then half-opens after the cooldown") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"status", 500}}, {{"status", 500}}, {{"status", 500}}}));
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.max_attempts = 1;
  config.breaker_failures = 3;
  config.breaker_cooldown = 400ms;
  AnthropicClient client(io.get_executor(), config);
  for (int i = 0; i < 3; ++i) {
    CHECK_FALSE(client.circuit_open(kModel));
    CHECK(run(io, client.send(messages_request(false))).status == 500);
  }
  CHECK(client.circuit_open(kModel));
  CHECK_FALSE(client.circuit_open(kFallbackModel));
  CHECK(client.stats().breaker_opens == 1);

  const Response refused = run(io, client.send(messages_request(false)));
  REQUIRE(refused.error);
  CHECK(refused.error->code == "upstream.circuit_open");
  CHECK(refused.attempts == 0);
  CHECK(refused.status == 0);
  CHECK(upstream_requests(fake) == 3);  // nothing was sent

  std::this_thread::sleep_for(450ms);
  CHECK_FALSE(client.circuit_open(kModel));  // half-open: one trial may go
  const Response trial = run(io, client.send(messages_request(false)));
  CHECK(trial.status == 200);
  CHECK_FALSE(client.circuit_open(kModel));
  CHECK(upstream_requests(fake) == 4);
}

TEST_CASE("client: an open circuit sends the request straight to the fallback model") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"status", 503}}, {{"status", 503}}}));
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.max_attempts = 1;
  config.breaker_failures = 1;
  config.breaker_cooldown = 60s;
  config.fallbacks[kModel] = {kFallbackModel};
  AnthropicClient client(io.get_executor(), config);
  // The 503 opens the primary's circuit; the fallback model gets the second 503 and opens too.
  const Response first = run(io, client.send(messages_request(false)));
  CHECK(first.status == 503);
  CHECK(first.attempts == 2);
  CHECK(client.circuit_open(kModel));
  CHECK(client.circuit_open(kFallbackModel));
  const Response both_open = run(io, client.send(messages_request(false)));
  REQUIRE(both_open.error);
  CHECK(both_open.error->code == "upstream.circuit_open");
  CHECK(upstream_requests(fake) == 2);
}

TEST_CASE("client: 4xx answers do not count against the breaker") {
  auto& fake = fresh_fake();
  fake.defaults({{"status", 400}});
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.breaker_failures = 2;
  AnthropicClient client(io.get_executor(), config);
  for (int i = 0; i < 4; ++i) CHECK(run(io, client.send(messages_request(false))).status == 400);
  CHECK_FALSE(client.circuit_open(kModel));
  CHECK(client.stats().breaker_opens == 0);
}

// ---- Timeouts and cuts --------------------------------------------------------------------------

TEST_CASE("client: first-byte timeout") {
  auto& fake = fresh_fake();
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.first_byte_timeout = 300ms;
  SUBCASE("one attempt: upstream.timeout, quickly") {
    fake.script(json::array({{{"latency_ms", 3000}}}));
    config.max_attempts = 1;
    AnthropicClient client(io.get_executor(), config);
    const auto start = std::chrono::steady_clock::now();
    const Response r = run(io, client.send(messages_request(false)));
    REQUIRE(r.error);
    CHECK(r.error->code == "upstream.timeout");
    CHECK(r.status == 0);
    CHECK(ms_since(start) >= 300);
    CHECK(ms_since(start) < 2500);
  }
  SUBCASE("a request sent and not answered in time is not sent again (the upstream may be generating it, billed)") {
    fake.script(json::array({{{"latency_ms", 3000}}, json::object()}));
    AnthropicClient client(io.get_executor(), config);
    const Response r = run(io, client.send(messages_request(false)));
    REQUIRE(r.error);
    CHECK(r.error->code == "upstream.timeout");
    CHECK(r.attempts == 1);
  }
  SUBCASE("a non-streaming request may wait longer than the first-byte timeout when it says so") {
    fake.script(json::array({{{"latency_ms", 800}}}));
    AnthropicClient client(io.get_executor(), config);
    Request request = messages_request(false);
    request.answer_timeout = 2000ms;
    const Response r = run(io, client.send(std::move(request)));
    CHECK_FALSE(r.error);
    CHECK(r.status == 200);
  }
}

TEST_CASE("client: idle timeout after the first event is an interruption") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"ttft_ms", 3000}}}));
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.idle_timeout = 300ms;
  AnthropicClient client(io.get_executor(), config);
  const auto got = stream_once(io, client, messages_request(true));
  REQUIRE(got.response.error);
  CHECK(got.response.error->code == "upstream.interrupted");
  CHECK_FALSE(got.response.stream_completed);
  CHECK(got.response.attempts == 1);  // never retried once an event went out
  CHECK_FALSE(got.events.empty());
}

TEST_CASE("client: a disconnect mid-stream is upstream.interrupted") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"disconnect_after_events", 3}}, json::object()}));
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  const auto got = stream_once(io, client, messages_request(true));
  REQUIRE(got.response.error);
  CHECK(got.response.error->code == "upstream.interrupted");
  CHECK_FALSE(got.response.stream_completed);
  CHECK(got.response.status == 200);
  CHECK(got.response.attempts == 1);
  CHECK(got.events.size() == 3);
  CHECK(upstream_requests(fake) == 1);
}

TEST_CASE("client: a disconnect before the first event is retried") {
  auto& fake = fresh_fake();
  fake.script(json::array({{{"disconnect_after_events", 0}}, json::object()}));
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  const auto got = stream_once(io, client, messages_request(true));
  CHECK_FALSE(got.response.error);
  CHECK(got.response.stream_completed);
  CHECK(got.response.attempts == 2);
  CHECK(got.events.front().event == "message_start");
}

// ---- Connections --------------------------------------------------------------------------------

TEST_CASE("client: keep-alive connections are reused") {
  auto& fake = fresh_fake();
  net::io_context io;
  AnthropicClient client(io.get_executor(), test_config(fake.base_url()));
  for (int i = 0; i < 3; ++i) CHECK(run(io, client.send(messages_request(false))).status == 200);
  (void)stream_once(io, client, messages_request(true));
  CHECK(run(io, client.send(messages_request(false))).status == 200);
  CHECK(client.stats().pool_reuses == 4);
}

TEST_CASE("client: a pooled connection the server dropped is retried once on a fresh one, free") {
  auto& fake = fresh_fake();
  // The second request arrives on the pooled connection, which the fake then cuts unanswered.
  fake.script(json::array({json::object(), {{"disconnect_after_events", 0}}, json::object()}));
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.max_attempts = 1;
  AnthropicClient client(io.get_executor(), config);
  CHECK(run(io, client.send(messages_request(false))).status == 200);
  const Response r = run(io, client.send(messages_request(false)));
  CHECK_FALSE(r.error);
  CHECK(r.status == 200);
  CHECK(r.attempts == 1);
  CHECK(upstream_requests(fake) == 3);
}

// ---- Concurrency --------------------------------------------------------------------------------

TEST_CASE("client: 200 concurrent streams on two threads all complete") {
  auto& fake = fresh_fake();
  fake.defaults({{"ttft_ms", 300}});  // keeps every stream open at once
  constexpr int kStreams = 200;
  net::io_context io;
  auto config = test_config(fake.base_url());
  config.connect_timeout = 10s;
  AnthropicClient client(io.get_executor(), config);
  std::atomic<int> completed{0}, failed{0}, events{0};
  for (int i = 0; i < kStreams; ++i) {
    net::co_spawn(io, [&]() -> awaitable<void> {
      const Response r = co_await client.stream(messages_request(true), [&](const SseEvent&) -> awaitable<bool> {
        ++events;
        co_return true;
      });
      if (r.stream_completed && !r.error) ++completed;
      else ++failed;
    }, net::detached);
  }
  std::thread second([&] { io.run(); });
  io.run();
  second.join();
  CHECK(completed == kStreams);
  CHECK(failed == 0);
  CHECK(events >= kStreams * 5);
  const auto stats = fake.stats();
  CHECK(stats["messages"]["streams_completed"] == kStreams);
  CHECK(stats["messages"]["max_active_streams"].get<int>() >= kStreams / 2);
  // The pool keeps at most pool_per_host of them; a follow-up request reuses one.
  CHECK(run(io, client.send(messages_request(false))).status == 200);
  CHECK(client.stats().pool_reuses >= 1);
}

// ---- Configuration, secrets and TLS -------------------------------------------------------------

TEST_CASE("client: connection failures are typed and never show the API key") {
  net::io_context io;
  auto config = test_config(test::closed_base_url());
  config.max_attempts = 2;
  AnthropicClient client(io.get_executor(), config);
  const Response r = run(io, client.send(messages_request(false)));
  REQUIRE(r.error);
  CHECK(r.error->code == "upstream.unavailable");
  CHECK(r.error->message.find("cannot connect") != std::string::npos);
  CHECK(r.error->message.find(kSecret) == std::string::npos);
  CHECK(r.error->message.find("SECRET") == std::string::npos);
  CHECK(r.attempts == 2);
  CHECK(r.status == 0);
}

TEST_CASE("client: configuration and caller mistakes are typed errors") {
  net::io_context io;
  SUBCASE("a base_url without a usable scheme or host") {
    for (const char* url : {"ftp://example.com", "api.anthropic.com", "https://", "http://host:99999", "https://[::1"}) {
      CAPTURE(url);
      AnthropicClient client(io.get_executor(), test_config(url));
      const Response r = run(io, client.send(messages_request(false)));
      REQUIRE(r.error);
      CHECK(r.error->code == "upstream.misconfigured");
      CHECK(r.attempts == 0);
    }
  }
  SUBCASE("request.stream must match the method") {
    AnthropicClient client(io.get_executor(), test_config(test::closed_base_url()));
    const Response r = run(io, client.send(messages_request(true)));
    REQUIRE(r.error);
    CHECK(r.error->code == "internal");
    const auto got = stream_once(io, client, messages_request(false));
    REQUIRE(got.response.error);
    CHECK(got.response.error->code == "internal");
  }
}

// A TLS server with a self-signed certificate for "localhost": a client that verifies certificates
// against the system store must refuse it. It records the server name (SNI) the client sent.
class SelfSignedTlsServer {
 public:
  SelfSignedTlsServer() : context_(ssl::context::tls_server), acceptor_(io_, tcp::endpoint(tcp::v4(), 0)) {
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    SSL_CTX_use_certificate(context_.native_handle(), cert);
    SSL_CTX_use_PrivateKey(context_.native_handle(), key);
    X509_free(cert);
    EVP_PKEY_free(key);
    thread_ = std::thread([this] {
      tcp::socket socket(io_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec) return;
      ssl::stream<tcp::socket> stream(std::move(socket), context_);
      stream.handshake(ssl::stream_base::server, ec);  // fails: the client rejects the certificate
      const char* sni = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      sni_.set_value(sni ? sni : "");
    });
  }
  ~SelfSignedTlsServer() {
    beast::error_code ignored;
    acceptor_.close(ignored);
    thread_.join();
  }
  unsigned short port() const { return acceptor_.local_endpoint().port(); }
  std::future<std::string> sni() { return sni_.get_future(); }

 private:
  net::io_context io_;
  ssl::context context_;
  tcp::acceptor acceptor_;
  std::promise<std::string> sni_;
  std::thread thread_;
};

TEST_CASE("client: https verifies the certificate and sends SNI") {
  SelfSignedTlsServer server;
  auto sni = server.sni();
  net::io_context io;
  auto config = test_config("https://localhost:" + std::to_string(server.port()));
  config.max_attempts = 1;
  AnthropicClient client(io.get_executor(), config);
  const Response r = run(io, client.send(messages_request(false)));
  REQUIRE(r.error);
  CHECK(r.error->code == "upstream.unavailable");
  CHECK(r.error->message.find("certificate verify failed") != std::string::npos);
  CHECK(r.error->message.find(kSecret) == std::string::npos);
  REQUIRE(sni.wait_for(5s) == std::future_status::ready);
  CHECK(sni.get() == "localhost");
}

}  // namespace
}  // namespace porchlight::upstream
