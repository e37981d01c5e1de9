// admin/commands.hpp: the operator's commands, run from the command line against the store
// (no server):
//
//   migrate                                   apply pending migrations (as the database owner)
//   routes                                    the route table, without opening the store
//   locations create NAME                     the new location's id, then its token secret
//   keys create --location ID --kind sk|pk [--origin URL]... [--scope S]...
//   keys revoke KEY_ID_OR_PREFIX
//   tokens mint --location ID --agent AGENT [--lead LEAD] [--ttl SECONDS]
//   admin-link --location ID                  a one-use, 10-minute sign-in link for the dashboard
//   errors                                    the error-code registry, as JSON
//   webhooks list [--state S] [--limit N]     the webhook inbox of every location, newest first (JSON lines)
//   webhooks retry ID                         a failed (dead-lettered or kept) event back to pending
//   webhooks replay ID                        a failed or done event processed again (its side
//                                             effects are keyed by the event: nothing twice)
//   ghl link GHL_LOCATION --location ID [--maps FILE]
//                                             a GoHighLevel location is this Porchlight location,
//                                             with its field, stage and user maps (docs/ghl.md)
#pragma once

#include <string>
#include <vector>

#include "config.hpp"

namespace porchlight::proxy::admin {

// A command line split into the command ("keys create"), its positional argument and its own
// options; `rest` keeps the shared configuration's flags for load_config.
struct CommandLine {
  std::string command;
  std::vector<std::string> positional;
  std::vector<std::string> location, kind, origins, scopes, agent, lead, ttl, state, limit, maps;
  std::vector<std::string> rest;
};

// nullopt-free: a malformed command line comes back with an empty command (print the help).
CommandLine parse(const std::string& command, std::vector<std::string> args);
bool is_admin_command(const std::string& command);  // "migrate", "routes", "locations", ...
// Runs an admin command; returns the process's exit status (0 ok, 1 failed, 2 usage).
int run(const CommandLine& line, const Config& config);

}  // namespace porchlight::proxy::admin
