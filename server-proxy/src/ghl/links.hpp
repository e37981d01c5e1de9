// ghl/links.hpp: which Porchlight location a GoHighLevel location is, read through the cache:
// every webhook asks, at a thousand a second. A link changes at INSTALL, UNINSTALL and
// `porchlight-proxy ghl link`; put_link invalidates at once (across instances with Redis), and an
// entry lives a few seconds at most, which bounds what another process's change takes to show.
#pragma once

#include <optional>
#include <string>

#include "app.hpp"

namespace porchlight::proxy::ghl {

// Where events of GoHighLevel locations not linked yet wait (kept and reported, never dropped):
// a location of its own, made when the first such event arrives; no key is ever made for it.
inline constexpr const char* kIntakeLocation = "ghl-intake";

awaitable<Result<std::optional<store::GhlLink>>> find_link(App& app, const std::string& ghl_location_id);
awaitable<Result<store::GhlLink>> put_link(App& app, const store::GhlLink& link);

}  // namespace porchlight::proxy::ghl
