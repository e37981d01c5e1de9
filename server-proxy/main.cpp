// porchlight-proxy: wires configuration to the components in src/. Nothing else lives here.
//
//   porchlight-proxy [serve] [options]      the server (default)
//   porchlight-proxy COMMAND ...            an operator's command: migrate, routes, locations,
//                                           keys, tokens, admin-link, errors (src/admin/commands.hpp)

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <functional>
#include <iostream>
#include <thread>

#include "admin/commands.hpp"
#include "app.hpp"
#include "demo.hpp"
#include "log.hpp"

using namespace porchlight;
using namespace porchlight::proxy;

namespace {

int print_errors(const Errors& errors) {
  for (const auto& e : errors) std::cerr << "porchlight-proxy: " << e.code << ": " << e.message << "\n";
  return 1;
}

int serve(const Config& config) {
  const int threads = config.threads > 0 ? config.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  net::io_context io(threads);
  auto made = make_app(config, io);
  if (!made) return print_errors(made.errors());
  App& app = *made.value();
  if (config.demo) {
    auto demo = provision_demo(app);
    if (!demo) return print_errors(demo.errors());
  }

  const auto colon = config.listen.rfind(':');
  std::string host = config.listen.substr(0, colon);
  if (host.size() > 1 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const auto port = static_cast<unsigned short>(std::stoi(config.listen.substr(colon + 1)));
  tcp::acceptor acceptor(io);
  boost::system::error_code ec;
  const auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  if (ec) return print_errors({{"config.invalid_listen", "--listen: " + host + " is not an IP address", "listen"}});
  const tcp::endpoint endpoint(address, port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(4096, ec);
  if (ec) return print_errors({{"config.listen_failed", "cannot listen on " + config.listen + ": " + ec.message(), "listen"}});

  const auto bound = acceptor.local_endpoint();
  std::cout << "porchlight-proxy listening on http://" << bound.address().to_string() << ":" << bound.port()
            << " (store: " << app.store().backend() << ", cache: " << app.cache().backend()
            << ", upstream: " << (app.upstream() ? config.upstream_url : std::string(app.upstream_name())) << ")" << std::endl;
  if (config.demo) {
    std::cout << "demo: open http://localhost:" << bound.port() << "/ (the dashboard is linked from the page)" << std::endl;
    if (!bound.address().is_loopback())
      log::write(log::Level::warn, "--demo on " + bound.address().to_string() +
                                       ": anyone who can load the demo page can sign in to its dashboard as an admin of the demo location");
  }

  ServerLimits limits;
  limits.header_timeout = config.header_timeout;
  limits.body_timeout = config.body_timeout;
  limits.idle_timeout = config.idle_timeout;
  net::co_spawn(io, proxy::serve(acceptor, app.router(), [&app](Exchange& ex, const Router::Match& m) { return app.dispatch(ex, m); }, limits, threads == 1),
                net::detached);

  // Graceful stop: refuse new work, let running requests and streams finish (for 5 s at most),
  // then exit; queued usage is written as the App closes.
  net::signal_set signals(io, SIGINT, SIGTERM);
  net::steady_timer grace(io);
  std::chrono::steady_clock::time_point deadline;
  std::function<void()> stop_when_idle = [&] {
    if (requests_in_flight() == 0 || std::chrono::steady_clock::now() >= deadline) return io.stop();
    grace.expires_after(std::chrono::milliseconds(20));
    grace.async_wait([&](const boost::system::error_code&) { stop_when_idle(); });
  };
  signals.async_wait([&](const boost::system::error_code&, int) {
    std::cout << "porchlight-proxy: stopping" << std::endl;
    app.shutdown();
    boost::system::error_code ignored;
    acceptor.close(ignored);
    deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    stop_when_idle();
  });

  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : pool) t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  // Every stream holds two sockets (client and upstream): take all the descriptors allowed.
  rlimit files{};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
    files.rlim_cur = files.rlim_max;
    setrlimit(RLIMIT_NOFILE, &files);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string command = "serve";
  if (!args.empty() && args[0].rfind("--", 0) != 0) {
    command = args[0];
    args.erase(args.begin());
  }
  if (command == "help" || command == "--help" || std::find(args.begin(), args.end(), "--help") != args.end()) {
    std::cout << config_help();
    return 0;
  }
  if (command != "serve" && !admin::is_admin_command(command)) {
    std::cerr << "porchlight-proxy: unknown command '" << command << "'\n" << config_help();
    return 2;
  }
  admin::CommandLine line = admin::parse(command, std::move(args));
  if (line.command.empty()) {
    std::cerr << config_help();
    return 2;
  }
  auto config = load_config(line.rest);
  if (!config) {
    print_errors(config.errors());
    return 2;
  }
  log::set_level(config->log_level);
  return command == "serve" ? serve(config.value()) : admin::run(line, config.value());
}
