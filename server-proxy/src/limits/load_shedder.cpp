// limits/load_shedder.cpp: measuring the event loop's lag, and the decision (see the header).

#include "limits/load_shedder.hpp"

#include <algorithm>

#include "http/server.hpp"

namespace porchlight::proxy {

LoadShedder::LoadShedder(net::io_context& io, Limits limits) : limits_(limits), timer_(io) {}

void LoadShedder::start() {
  if (limits_.max_lag.count() > 0) arm();
}

void LoadShedder::arm() {
  due_ = std::chrono::steady_clock::now() + kTick;
  timer_.expires_at(due_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: the proxy is stopping
    const long long late = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - due_).count();
    // Rises when two ticks in a row were late (one stall, a page-fault storm or a descheduled
    // thread, is not overload), falls over several ticks (one quiet tick in a storm does not
    // reopen the gate).
    const long long rising = std::min(late, last_late_us_), before = lag_us_.load();
    lag_us_ = rising >= before ? rising : before - (before - late) / 8;
    last_late_us_ = late;
    arm();
  });
}

const char* LoadShedder::overloaded() const {
  if (limits_.max_in_flight > 0 && requests_in_flight() > limits_.max_in_flight) return "in_flight";
  if (limits_.max_lag.count() > 0 && lag() > limits_.max_lag) return "lag";
  return nullptr;
}

}  // namespace porchlight::proxy
