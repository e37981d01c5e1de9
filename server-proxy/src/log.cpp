#include "log.hpp"

#include <unistd.h>

#include <cerrno>

#include <atomic>
#include <string>

namespace porchlight::proxy::log {

namespace {
constexpr std::string_view kNames[] = {"error", "warn", "info", "debug"};
std::atomic<int> g_level{static_cast<int>(Level::info)};
}  // namespace

void set_level(std::string_view name) {
  for (int i = 0; i < static_cast<int>(std::size(kNames)); ++i)
    if (kNames[i] == name) g_level.store(i, std::memory_order_relaxed);
}

bool enabled(Level level) { return static_cast<int>(level) <= g_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view text) {
  if (!enabled(level)) return;
  std::string line = "porchlight-proxy: ";
  line += kNames[static_cast<int>(level)];
  line += ": ";
  line += text;
  line += '\n';
  for (std::string_view rest = line; !rest.empty();) {
    const ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // stderr is gone: nothing else to tell
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace porchlight::proxy::log
