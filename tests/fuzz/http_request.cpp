// fuzz_http_request: the proxy's HTTP server, serve() in server-proxy/src/http/server.cpp, as it
// runs: Beast's request_parser under our header and body limits (parse_buffered, then Beast's
// reads), the Router, Exchange's path, headers and query parameters, and the answers it writes.
// One server listens on a loopback port for the whole run, with a small route table of the
// proxy's shapes (exact, "/*" and "/**" patterns, a tight body limit).
//
// Input: what a client sends on one connection (any number of requests, pipelined), after which
// the client stops sending and reads until the server closes. Beyond "no crash": the server
// never waits on a client that has stopped sending (libFuzzer's -timeout catches a stall), and
// whatever it answers is a sequence of well-formed HTTP/1.1 responses.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/server.hpp"

namespace {

using namespace porchlight;
using namespace porchlight::proxy;

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

[[noreturn]] void fail(const char* what, std::string_view answer) {
  std::fprintf(stderr, "fuzz_http_request: %s\n%.*s\n", what, static_cast<int>(answer.size()), answer.data());
  std::abort();
}

awaitable<void> echo(Exchange& ex) {
  // A query parameter goes back in a header: percent-decoding can make CR and LF, which must
  // never split the answer's head.
  ex.response_headers.emplace_back("x-echo", ex.query_param("q"));
  std::string body = ex.request().body();
  for (const auto& p : ex.params) body.append("\n").append(p);
  co_await ex.send(200, std::move(body), "text/plain");
}

awaitable<void> dispatch(Exchange& ex, const Router::Match& match) {
  if (match.handler) co_await (*match.handler)(ex);
  else if (match.path_known) co_await ex.send_error(ApiError::from_code("method_not_allowed", "no such method here"));
  else co_await ex.send_error(ApiError::from_code("not_found", "no such endpoint"));
}

struct Loopback {
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::address_v4::loopback(), 0)};
  Router router;

  Loopback() {
    router.add(http::verb::get, "/v1/health", echo);
    router.add(http::verb::post, "/v1/coach", echo, 1024);
    router.add(http::verb::get, "/v1/conversations/*/messages", echo);
    router.add(http::verb::put, "/v1/profiles/*", echo, 64 * 1024);
    router.add(http::verb::get, "/widget/**", echo);
    net::co_spawn(io, serve(acceptor, router, dispatch, ServerLimits{}, true), net::detached);
  }
};

awaitable<void> client(tcp::endpoint server, std::string_view request, std::string& answer, bool& done) {
  tcp::socket socket(co_await net::this_coro::executor);
  auto [ec] = co_await socket.async_connect(server, kTuple);
  if (ec) fail("cannot connect to the loopback server", ec.message());
  co_await net::async_write(socket, net::buffer(request), kTuple);  // it may close early: fine
  socket.shutdown(tcp::socket::shutdown_send, ec);
  char buffer[16384];
  for (;;) {
    auto [read_ec, n] = co_await socket.async_read_some(net::buffer(buffer), kTuple);
    answer.append(buffer, n);
    if (read_ec) break;
  }
  done = true;
}

// The answers, one after another, each a complete response; a reset connection may cut the last.
void check_answers(std::string_view answer) {
  beast::error_code ec;
  for (std::string_view rest = answer; !rest.empty();) {
    http::response_parser<http::string_body> parser;
    parser.eager(true);
    const std::size_t used = parser.put(net::buffer(rest.data(), rest.size()), ec);
    if (ec == http::error::need_more) return;
    if (ec) fail("the answer is not well-formed HTTP", answer);
    if (!parser.is_done()) return;
    rest.remove_prefix(used);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Loopback* loopback = new Loopback;  // for the whole run
  std::string answer;
  bool done = false;
  net::co_spawn(loopback->io,
                client(loopback->acceptor.local_endpoint(),
                       std::string_view(reinterpret_cast<const char*>(data), size), answer, done),
                net::detached);
  while (!done) loopback->io.run_one();
  loopback->io.poll();  // the server's side of the connection ends too
  check_answers(answer);
  return 0;
}
