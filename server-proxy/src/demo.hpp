// demo.hpp: `porchlight-proxy --demo`: a demo location, its publishable key and a demo agent,
// provisioned idempotently on any fresh database, and the sample CRM lead page at /, whose agent
// token is minted here, server-side, the way a real CRM's backend mints it.
#pragma once

#include <filesystem>

#include "app.hpp"

namespace porchlight::proxy {

// Creates what is missing (safe to run on every start). Returns the demo's location id.
Result<std::string> provision_demo(App& app);
// "/dashboard/login?location=...&token=..." valid for 10 minutes: the way in for admins.
std::string admin_login_path(const std::string& location_id, const std::string& secret);
// (location id, session token) from a Cookie header, if it holds an admin session.
std::optional<std::pair<std::string, std::string>> admin_session_cookie(std::string_view cookies);
std::filesystem::path web_root(const Config& config);

}  // namespace porchlight::proxy
