// porchlight-proxy: wires configuration to the components in src/. Nothing else lives here.
//
//   porchlight-proxy [serve] [options]      the server (default)
//   porchlight-proxy migrate                apply pending migrations (as the database owner)
//   porchlight-proxy locations create NAME  prints the new location's id, then its token secret
//   porchlight-proxy keys create --location ID --kind sk|pk [--origin URL]... [--scope S]...
//   porchlight-proxy keys revoke KEY_ID_OR_PREFIX
//   porchlight-proxy tokens mint --location ID --agent AGENT [--lead LEAD] [--ttl SECONDS]
//   porchlight-proxy admin-link --location ID   a one-use, 10-minute sign-in link for the dashboard

#include <sys/resource.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <functional>
#include <iostream>
#include <thread>

#include "app.hpp"
#include "auth/credentials.hpp"
#include "demo.hpp"
#include "log.hpp"
#include "store/migrate.hpp"

using namespace porchlight;
using namespace porchlight::proxy;

namespace {

int print_errors(const Errors& errors) {
  for (const auto& e : errors) std::cerr << "porchlight-proxy: " << e.code << ": " << e.message << "\n";
  return 1;
}

// Takes "--name VALUE" pairs out of args (repeatable); leaves the rest.
std::vector<std::string> take(std::vector<std::string>& args, const std::string& name) {
  std::vector<std::string> values, rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--" + name && i + 1 < args.size()) values.push_back(args[++i]);
    else if (args[i].rfind("--" + name + "=", 0) == 0) values.push_back(args[i].substr(name.size() + 3));
    else rest.push_back(args[i]);
  }
  args = rest;
  return values;
}

Result<std::unique_ptr<store::Store>> open_admin_store(const Config& c) {
  if (c.database_url.rfind("sqlite://", 0) == 0) {
    const std::filesystem::path file = c.database_url.substr(9);
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    auto migrated = store::migrate(c.database_url);
    if (!migrated) return migrated.errors();
  }
  return store::open_store(c.database_url, 1);
}

int serve(const Config& config) {
  const int threads = config.threads > 0 ? config.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  net::io_context io(threads);
  App app(config, io);
  if (auto opened = app.open(); !opened) return print_errors(opened.errors());
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
            << ", upstream: " << (app.upstream() ? config.upstream_url : "offline playbooks") << ")" << std::endl;
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
  std::vector<std::string> positional;
  if (command == "locations" || command == "keys" || command == "tokens") {
    if (args.empty() || args[0].rfind("--", 0) == 0) {
      std::cerr << config_help();
      return 2;
    }
    command += " " + args[0];
    args.erase(args.begin());
    if (!args.empty() && args[0].rfind("--", 0) != 0) {
      positional.push_back(args[0]);
      args.erase(args.begin());
    }
  }
  // Subcommand options come out before the shared configuration is read.
  auto location = take(args, "location");
  auto kind = take(args, "kind");
  auto origins = take(args, "origin");
  auto scopes = take(args, "scope");
  auto agent = take(args, "agent");
  auto lead = take(args, "lead");
  auto ttl = take(args, "ttl");

  auto config = load_config(args);
  if (!config) {
    print_errors(config.errors());
    return 2;
  }
  const Config& c = config.value();
  log::set_level(c.log_level);

  if (command == "serve") return serve(c);
  if (command == "routes") {  // the route table, without opening the store or listening
    net::io_context io(1);
    const App app(c, io);
    for (const auto& r : app.router().list()) std::cout << r << "\n";
    return 0;
  }

  if (command == "migrate") {
    auto report = store::migrate(c.database_url);
    if (!report) return print_errors(report.errors());
    for (const auto& name : report->applied) std::cout << "applied " << name << "\n";
    std::cout << "migrations: " << report->applied.size() << " applied, " << report->already_applied.size()
              << " already applied (" << report->backend << ")\n";
    return 0;
  }

  auto store = open_admin_store(c);
  if (!store) return print_errors(store.errors());

  if (command == "locations create") {
    if (positional.empty()) { std::cerr << "usage: porchlight-proxy locations create NAME\n"; return 2; }
    auto loc = store.value()->admin().create_location(positional[0]);
    if (!loc) return print_errors(loc.errors());
    std::cout << loc->id << "\n" << "agent-token-secret: " << loc->agent_token_secret << "\n";
    std::cerr << "Keep the agent-token secret on the CRM's server: it signs agent tokens. It is shown once here.\n";
    return 0;
  }
  if (command == "keys create") {
    if (location.size() != 1 || kind.size() != 1 || (kind[0] != "sk" && kind[0] != "pk")) {
      std::cerr << "usage: porchlight-proxy keys create --location ID --kind sk|pk [--origin URL]... [--scope S]...\n";
      return 2;
    }
    const auto k = kind[0] == "sk" ? store::KeyKind::secret : store::KeyKind::publishable;
    if (k == store::KeyKind::publishable && origins.empty()) {
      std::cerr << "porchlight-proxy: publishable keys need at least one --origin (the CRM pages' origins)\n";
      return 2;
    }
    auto found = store.value()->admin().find_location(location[0]);
    if (!found) return print_errors(found.errors());
    if (!found.value()) return print_errors({{"not_found", "no location " + location[0], "location"}});
    const NewApiKey fresh = generate_api_key(k);
    store::ApiKey record;
    record.location_id = location[0];
    record.kind = k;
    record.prefix = fresh.prefix;
    record.key_hash = fresh.hash;
    record.scopes = scopes;
    record.allowed_origins = origins;
    auto created = store.value()->admin().create_api_key(record);
    if (!created) return print_errors(created.errors());
    std::cout << fresh.key << "\n";
    std::cerr << "key id " << created->id << " (prefix " << fresh.prefix << "); the key is shown once and stored hashed.\n";
    return 0;
  }
  if (command == "keys revoke") {
    if (positional.empty()) { std::cerr << "usage: porchlight-proxy keys revoke KEY_ID_OR_PREFIX\n"; return 2; }
    auto revoked = store.value()->admin().revoke_api_key(positional[0]);
    if (!revoked) return print_errors(revoked.errors());
    if (!revoked.value()) return print_errors({{"not_found", "no active key " + positional[0], "key"}});
    std::cout << "revoked " << positional[0] << " (proxies stop accepting it within 30 s)\n";
    return 0;
  }
  if (command == "tokens mint" || command == "admin-link") {
    if (location.size() != 1 || (command == "tokens mint" && agent.size() != 1)) {
      std::cerr << config_help();
      return 2;
    }
    auto found = store.value()->admin().find_location(location[0]);
    if (!found) return print_errors(found.errors());
    if (!found.value()) return print_errors({{"not_found", "no location " + location[0], "location"}});
    if (command == "admin-link") {
      std::cout << (c.public_url.empty() ? "http://localhost:8080" : c.public_url)
                << admin_login_path(location[0], found.value()->agent_token_secret) << "\n";
      return 0;
    }
    AgentClaims claims;
    claims.agent_id = agent[0];
    claims.location_id = location[0];
    if (!lead.empty()) claims.lead_id = lead[0];
    claims.issued_at = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    long long lifetime = 3600;
    try {
      if (!ttl.empty()) lifetime = std::stoll(ttl[0]);
    } catch (...) {
      lifetime = -1;
    }
    if (lifetime <= 0 || lifetime > 86400) { std::cerr << "porchlight-proxy: --ttl is 1-86400 seconds\n"; return 2; }
    claims.expires_at = claims.issued_at + lifetime;
    std::cout << mint_agent_token(claims, found.value()->agent_token_secret) << "\n";
    return 0;
  }
  std::cerr << "porchlight-proxy: unknown command '" << command << "'\n" << config_help();
  return 2;
}
