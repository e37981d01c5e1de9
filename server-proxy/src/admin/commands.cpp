// admin/commands.cpp: the operator's commands (see the header).

#include "admin/commands.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>

#include "auth/credentials.hpp"
#include "auth/scopes.hpp"
#include "demo.hpp"
#include "error_codes.hpp"
#include "ghl/events.hpp"
#include "ghl/links.hpp"
#include "handlers/json_util.hpp"
#include "handlers/routes.hpp"
#include "store/migrate.hpp"
#include "store/store.hpp"

namespace porchlight::proxy::admin {

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

int migrate(const Config& c) {
  auto report = store::migrate(c.database_url);
  if (!report) return print_errors(report.errors());
  for (const auto& name : report->applied) std::cout << "applied " << name << "\n";
  std::cout << "migrations: " << report->applied.size() << " applied, " << report->already_applied.size()
            << " already applied (" << report->backend << ")\n";
  return 0;
}

int create_location(store::Store& store, const CommandLine& line) {
  if (line.positional.empty()) {
    std::cerr << "usage: porchlight-proxy locations create NAME\n";
    return 2;
  }
  auto loc = store.admin().create_location(line.positional[0]);
  if (!loc) return print_errors(loc.errors());
  std::cout << loc->id << "\n" << "agent-token-secret: " << loc->agent_token_secret << "\n";
  std::cerr << "Keep the agent-token secret on the CRM's server: it signs agent tokens. It is shown once here.\n";
  return 0;
}

// The location named by --location, or a printed error.
Result<store::Location> named_location(store::Store& store, const std::string& id) {
  auto found = store.admin().find_location(id);
  if (!found) return found.errors();
  if (!found.value()) return Error{"not_found", "no location " + id, "location"};
  return *found.value();
}

int create_key(store::Store& store, const CommandLine& line) {
  if (line.location.size() != 1 || line.kind.size() != 1 || (line.kind[0] != "sk" && line.kind[0] != "pk")) {
    std::cerr << "usage: porchlight-proxy keys create --location ID --kind sk|pk [--origin URL]... [--scope S]...\n";
    return 2;
  }
  const auto kind = line.kind[0] == "sk" ? store::KeyKind::secret : store::KeyKind::publishable;
  if (kind == store::KeyKind::publishable && line.origins.empty()) {
    std::cerr << "porchlight-proxy: publishable keys need at least one --origin (the CRM pages' origins)\n";
    return 2;
  }
  auto scopes = scopes_for_new_key(kind, line.scopes);
  if (!scopes) return print_errors(scopes.errors());
  auto location = named_location(store, line.location[0]);
  if (!location) return print_errors(location.errors());
  const NewApiKey fresh = generate_api_key(kind);
  store::ApiKey record;
  record.location_id = line.location[0];
  record.kind = kind;
  record.prefix = fresh.prefix;
  record.key_hash = fresh.hash;
  record.scopes = scopes.value();
  record.allowed_origins = line.origins;
  auto created = store.admin().create_api_key(record);
  if (!created) return print_errors(created.errors());
  std::cout << fresh.key << "\n";
  std::cerr << "key id " << created->id << " (prefix " << fresh.prefix << "); the key is shown once and stored hashed.\n";
  return 0;
}

int revoke_key(store::Store& store, const CommandLine& line) {
  if (line.positional.empty()) {
    std::cerr << "usage: porchlight-proxy keys revoke KEY_ID_OR_PREFIX\n";
    return 2;
  }
  auto revoked = store.admin().revoke_api_key(line.positional[0]);
  if (!revoked) return print_errors(revoked.errors());
  if (!revoked.value()) return print_errors({{"not_found", "no active key " + line.positional[0], "key"}});
  std::cout << "revoked " << line.positional[0] << " (proxies stop accepting it within 30 s)\n";
  return 0;
}

int admin_link(store::Store& store, const CommandLine& line, const Config& c) {
  if (line.location.size() != 1) {
    std::cerr << config_help();
    return 2;
  }
  auto location = named_location(store, line.location[0]);
  if (!location) return print_errors(location.errors());
  std::cout << (c.public_url.empty() ? "http://localhost:8080" : c.public_url)
            << admin_login_path(line.location[0], location->agent_token_secret) << "\n";
  return 0;
}

int mint_token(store::Store& store, const CommandLine& line) {
  if (line.location.size() != 1 || line.agent.size() != 1) {
    std::cerr << config_help();
    return 2;
  }
  auto location = named_location(store, line.location[0]);
  if (!location) return print_errors(location.errors());
  AgentClaims claims;
  claims.agent_id = line.agent[0];
  claims.location_id = line.location[0];
  if (!line.lead.empty()) claims.lead_id = line.lead[0];
  claims.issued_at = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  long long lifetime = 3600;
  try {
    if (!line.ttl.empty()) lifetime = std::stoll(line.ttl[0]);
  } catch (...) {
    lifetime = -1;
  }
  if (lifetime <= 0 || lifetime > 86400) {
    std::cerr << "porchlight-proxy: --ttl is 1-86400 seconds\n";
    return 2;
  }
  claims.expires_at = claims.issued_at + lifetime;
  std::cout << mint_agent_token(claims, location->agent_token_secret) << "\n";
  return 0;
}

}  // namespace

// ---- the webhook inbox and GoHighLevel links ----

int list_webhooks(store::Store& store, const CommandLine& line) {
  std::int64_t limit = 100;
  if (line.limit.size() > 1 || (line.limit.size() == 1 && !parse_count(line.limit[0], 1, 1000, limit)) || line.state.size() > 1) {
    std::cerr << "usage: porchlight-proxy webhooks list [--state pending|processing|done|failed] [--limit 1..1000]\n";
    return 2;
  }
  auto rows = store.webhook_inbox().list(line.state.empty() ? "" : line.state[0], limit);
  if (!rows) return print_errors(rows.errors());
  for (const auto& w : rows.value())  // one JSON object a line: readable, and jq-able
    std::cout << nlohmann::ordered_json{{"id", w.id}, {"location_id", w.location_id}, {"external_location", w.external_location},
                                        {"type", w.event_type}, {"state", w.state}, {"attempts", w.attempts},
                                        {"received_at", w.received_at}, {"next_attempt_at", w.next_attempt_at},
                                        {"webhook_id", w.dedupe_key}, {"error", w.error}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  return 0;
}

int requeue_webhook(store::Store& store, const CommandLine& line) {
  const bool replay = line.command == "webhooks replay";
  if (line.positional.size() != 1) {
    std::cerr << "usage: porchlight-proxy webhooks " << (replay ? "replay" : "retry") << " ID\n";
    return 2;
  }
  auto done = store.webhook_inbox().requeue(line.positional[0], replay);
  if (!done) return print_errors(done.errors());
  if (!done.value()) {
    std::cerr << "porchlight-proxy: not_found: no webhook " << line.positional[0] << " in a state that may go back ("
              << (replay ? "failed or done" : "failed; use replay for a done one") << ")\n";
    return 1;
  }
  std::cout << line.positional[0] << " is pending again: a worker takes it within a second\n";
  return 0;
}

int link_ghl_location(store::Store& store, const CommandLine& line) {
  if (line.positional.size() != 1 || line.location.size() != 1 || line.maps.size() > 1) {
    std::cerr << "usage: porchlight-proxy ghl link GHL_LOCATION_ID --location ID [--maps FILE]\n";
    return 2;
  }
  auto location = named_location(store, line.location[0]);
  if (!location) return print_errors(location.errors());
  auto existing = store.ghl_links().find(line.positional[0]);
  if (!existing) return print_errors(existing.errors());
  store::GhlLink link = existing.value().value_or(store::GhlLink{});
  link.ghl_location_id = line.positional[0];
  link.location_id = line.location[0];
  link.installed = true;
  if (!line.maps.empty()) {
    std::ifstream f(line.maps[0]);
    std::stringstream text;
    text << f.rdbuf();
    const json maps = json::parse(text.str(), nullptr, false);
    if (!f || maps.is_discarded()) return print_errors({Error{"ghl.invalid_config", line.maps[0] + ": not a readable JSON file", "maps"}});
    if (auto errors = ghl::check_location_config(maps, "maps"); !errors.empty()) return print_errors(errors);
    link.config_json = maps.dump();
  }
  auto put = store.ghl_links().put(store::Scope{link.location_id}, link);
  if (!put) return print_errors(put.errors());
  // Events that waited for this link run now.
  auto requeued = store.webhook_inbox().requeue_location(store::Scope{ghl::kIntakeLocation}, link.ghl_location_id);
  if (!requeued) return print_errors(requeued.errors());
  std::cout << "GoHighLevel location " << link.ghl_location_id << " is location " << link.location_id << " ("
            << requeued.value() << " waiting events requeued)\n";
  return 0;
}

bool is_admin_command(const std::string& command) {
  static const char* const kCommands[] = {"migrate", "routes", "errors", "locations", "keys", "tokens", "admin-link",
                                          "webhooks", "ghl"};
  return std::any_of(std::begin(kCommands), std::end(kCommands), [&](const char* c) { return command == c; });
}

CommandLine parse(const std::string& command, std::vector<std::string> args) {
  CommandLine line;
  line.command = command;
  if (command == "locations" || command == "keys" || command == "tokens" || command == "webhooks" || command == "ghl") {
    if (args.empty() || args[0].rfind("--", 0) == 0) return CommandLine{};  // the verb is missing
    line.command += " " + args[0];
    args.erase(args.begin());
    if (!args.empty() && args[0].rfind("--", 0) != 0) {
      line.positional.push_back(args[0]);
      args.erase(args.begin());
    }
  }
  // Subcommand options come out before the shared configuration is read.
  line.location = take(args, "location");
  line.kind = take(args, "kind");
  line.origins = take(args, "origin");
  line.scopes = take(args, "scope");
  line.agent = take(args, "agent");
  line.lead = take(args, "lead");
  line.ttl = take(args, "ttl");
  line.state = take(args, "state");
  line.limit = take(args, "limit");
  line.maps = take(args, "maps");
  line.rest = std::move(args);
  return line;
}

int run(const CommandLine& line, const Config& c) {
  if (line.command == "routes") {  // the route table, without opening the store or listening
    for (const auto& r : route_table(c))  // METHOD PATTERN SCOPE ("-": open)
      std::cout << http::to_string(r.method) << " " << r.pattern << " " << (r.scope.empty() ? "-" : r.scope) << "\n";
    return 0;
  }
  if (line.command == "errors") return print_error_codes(std::cout);
  if (line.command == "migrate") return migrate(c);

  auto store = open_admin_store(c);
  if (!store) return print_errors(store.errors());
  store::Store& s = *store.value();
  if (line.command == "locations create") return create_location(s, line);
  if (line.command == "keys create") return create_key(s, line);
  if (line.command == "keys revoke") return revoke_key(s, line);
  if (line.command == "tokens mint") return mint_token(s, line);
  if (line.command == "admin-link") return admin_link(s, line, c);
  if (line.command == "webhooks list") return list_webhooks(s, line);
  if (line.command == "webhooks retry" || line.command == "webhooks replay") return requeue_webhook(s, line);
  if (line.command == "ghl link") return link_ghl_location(s, line);
  std::cerr << "porchlight-proxy: unknown command '" << line.command << "'\n" << config_help();
  return 2;
}

}  // namespace porchlight::proxy::admin
