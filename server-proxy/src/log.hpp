// log.hpp: the running proxy's log lines, on stderr, filtered by --log-level. A line names ids,
// codes, routes and counts; never a key, a token, a prompt or a query string.
#pragma once

#include <string_view>

namespace porchlight::proxy::log {

enum class Level { error, warn, info, debug };

// "error", "warn", "info" or "debug" (the config has checked the name).
void set_level(std::string_view name);
bool enabled(Level level);
// Writes "porchlight-proxy: <level>: <text>" as one line (one write: lines from several threads
// do not interleave), when `level` is enabled.
void write(Level level, std::string_view text);

}  // namespace porchlight::proxy::log
