// porchlight-fake-anthropic: a stand-in for the Claude Messages API, for tests and benchmarks.
//
//   porchlight-fake-anthropic --listen 127.0.0.1:0 [--api-key KEY]
//
// Prints one line, `listening on HOST:PORT`, once it accepts connections. The behaviour lives in
// messages.cpp (the API) and server.cpp (HTTP, SSE and the /_fake control API); this file only
// wires the command line to them.
#include <sys/resource.h>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "net.hpp"
#include "server.hpp"

namespace {

constexpr const char* kUsage = R"(usage: porchlight-fake-anthropic [--listen HOST:PORT] [--api-key KEY]

A fake Claude Messages API for tests: POST /v1/messages (JSON and SSE), POST /v1/messages/count_tokens,
GET /v1/models, with prompt caching, tool use and the API's errors.

  --listen HOST:PORT  address to listen on (default 127.0.0.1:0; port 0 picks a free port).
                      Prints "listening on HOST:PORT" when ready.
  --api-key KEY       require this key (x-api-key, or Authorization: Bearer); otherwise any key.
  --help              this text.

Control API on the same port: POST /_fake/script (a JSON list of behaviours, used in order by the
next /v1/messages requests), POST /_fake/defaults (one behaviour for every request), POST
/_fake/reset, POST /_fake/clock {"advance_seconds": N}, GET /_fake/requests, GET /_fake/stats.
Behaviour fields: status, error_type, error_message, retry_after, retry_after_ms, latency_ms,
ttft_ms, tokens_per_second, disconnect_after_events, error_event_after_events, text; the same as
x-fake-* request headers (x-fake-ttft-ms: 200).
)";

bool split_host_port(const std::string& value, std::string& host, unsigned& port) {
  auto colon = value.rfind(':');
  if (colon == std::string::npos) return false;
  host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port_text = value.substr(colon + 1);
  if (port_text.empty() || port_text.size() > 5 ||
      port_text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  port = static_cast<unsigned>(std::stoul(port_text));
  return port <= 65535 && !host.empty();
}

// Thousands of concurrent streams need thousands of descriptors.
void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace porchlight::fake;
  std::string listen = "127.0.0.1:0";
  auto state = std::make_shared<SharedState>();
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](const char* name) -> std::string {
      if (i + 1 >= argc) {
        std::cerr << "porchlight-fake-anthropic: " << name << " needs a value\n" << kUsage;
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--listen") {
      listen = value("--listen");
    } else if (arg.rfind("--listen=", 0) == 0) {
      listen = arg.substr(9);
    } else if (arg == "--api-key") {
      state->options.api_key = value("--api-key");
    } else if (arg.rfind("--api-key=", 0) == 0) {
      state->options.api_key = arg.substr(10);
    } else {
      std::cerr << "porchlight-fake-anthropic: unknown argument '" << arg << "'\n" << kUsage;
      return 2;
    }
  }
  std::string host;
  unsigned port = 0;
  if (!split_host_port(listen, host, port)) {
    std::cerr
        << "porchlight-fake-anthropic: --listen expects HOST:PORT (like 127.0.0.1:0 or [::1]:8080), got '"
        << listen << "'\n";
    return 2;
  }

  std::signal(SIGPIPE, SIG_IGN);
  raise_file_limit();
  net::io_context io{1};
  tcp::acceptor acceptor(io);
  try {
    tcp::resolver resolver(io);
    auto endpoints =
        resolver.resolve(host, std::to_string(port), tcp::resolver::passive | tcp::resolver::numeric_service);
    tcp::endpoint endpoint = endpoints.begin()->endpoint();
    acceptor.open(endpoint.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    std::cerr << "porchlight-fake-anthropic: cannot listen on " << listen << ": " << e.what() << "\n";
    return 1;
  }
  const auto bound = acceptor.local_endpoint();
  const std::string address =
      bound.address().is_v6() ? "[" + bound.address().to_string() + "]" : bound.address().to_string();
  std::cout << "listening on " << address << ":" << bound.port() << std::endl;

  net::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) {
    beast::error_code ignored;
    acceptor.close(ignored);
    io.stop();
  });
  net::co_spawn(io, listener(acceptor, state), net::detached);
  io.run();
  return 0;
}
