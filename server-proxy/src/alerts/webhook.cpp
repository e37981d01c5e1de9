// alerts/webhook.cpp: one JSON POST to a configured URL (see the header).

#include "alerts/webhook.hpp"

#include <openssl/ssl.h>

#include <optional>

namespace porchlight::proxy {

namespace {

constexpr auto kTuple = net::as_tuple(net::use_awaitable);

struct Target {
  bool tls = false;
  std::string host, port, path;
};

std::optional<Target> parse_url(const std::string& url) {
  Target t;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    t.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return std::nullopt;
  }
  const auto slash = rest.find('/');
  const std::string authority = rest.substr(0, slash);
  t.path = slash == std::string::npos ? "/" : rest.substr(slash);
  const auto colon = authority.rfind(':');
  t.host = colon == std::string::npos ? authority : authority.substr(0, colon);
  t.port = colon == std::string::npos ? (t.tls ? "443" : "80") : authority.substr(colon + 1);
  if (t.host.empty() || authority.find('@') != std::string::npos || t.port.empty() ||
      t.port.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return t;
}

template <class Stream>
awaitable<Result<int>> exchange(Stream& stream, const Target& t, const std::string& body) {
  http::request<http::string_body> req{http::verb::post, t.path, 11};
  req.set(http::field::host, t.host);
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "porchlight-proxy (budget alerts)");
  req.body() = body;
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(stream, req, kTuple);
  (void)wn;
  if (wec) co_return Error{"alerts.unreachable", "sending the alert failed: " + wec.message(), ""};
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  auto [rec, rn] = co_await http::async_read(stream, buffer, res, kTuple);
  (void)rn;
  if (rec) co_return Error{"alerts.unreachable", "reading the answer to the alert failed: " + rec.message(), ""};
  if (res.result_int() / 100 != 2)
    co_return Error{"alerts.rejected", "the alert's receiver answered HTTP " + std::to_string(res.result_int()), ""};
  co_return res.result_int();
}

}  // namespace

awaitable<Result<int>> post_json(net::any_io_executor executor, const std::string& url, const std::string& body,
                                 std::chrono::milliseconds timeout) {
  const auto target = parse_url(url);
  if (!target) co_return Error{"alerts.invalid_url", "the alert webhook is not an http(s)://host[:port]/path URL", ""};
  tcp::resolver resolver(executor);
  auto [dec, endpoints] = co_await resolver.async_resolve(target->host, target->port, kTuple);
  if (dec) co_return Error{"alerts.unreachable", "cannot resolve the alert webhook's host: " + dec.message(), ""};
  beast::tcp_stream tcp(executor);
  tcp.expires_after(timeout);
  auto [cec, ep] = co_await tcp.async_connect(endpoints, kTuple);
  (void)ep;
  if (cec) co_return Error{"alerts.unreachable", "cannot connect to the alert webhook: " + cec.message(), ""};
  if (!target->tls) co_return co_await exchange(tcp, *target, body);

  ssl::context context(ssl::context::tls_client);
  context.set_default_verify_paths();
  context.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> tls(std::move(tcp), context);
  SSL_set_tlsext_host_name(tls.native_handle(), target->host.c_str());
  tls.set_verify_callback(ssl::host_name_verification(target->host));
  auto [hec] = co_await tls.async_handshake(ssl::stream_base::client, kTuple);
  if (hec) co_return Error{"alerts.unreachable", "the TLS handshake with the alert webhook failed: " + hec.message(), ""};
  co_return co_await exchange(tls, *target, body);
}

}  // namespace porchlight::proxy
