// limits/load_shedder.hpp: refusing work the proxy cannot do in time, instead of queueing it
// without bound. Two signals:
//   - the event loop's lag: a timer every 10 ms measures how late it fires. Under CPU overload
//     every ready handler waits its turn, and so does the timer, so its lateness is the queueing
//     delay a new request would meet;
//   - the requests in flight (streams and live sockets included): each holds memory, so their
//     number bounds it.
// While either is over its limit, new requests (health probes and metrics excepted) are answered
// at once with 503 `overloaded` and retry-after: 1; they cost a parse and a short write. Shedding
// stops by itself when the lag and the count come back down.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include "net.hpp"

namespace porchlight::proxy {

class LoadShedder {
 public:
  struct Limits {
    std::chrono::milliseconds max_lag{100};  // 0: the lag is not a signal
    std::int64_t max_in_flight = 16384;     // 0: no cap
  };
  LoadShedder(net::io_context& io, Limits limits);

  void start();  // begins measuring the lag (a timer on `io`)
  // Why a new request should be refused now ("lag", "in_flight"), or nullptr.
  const char* overloaded() const;
  std::chrono::microseconds lag() const { return std::chrono::microseconds(lag_us_.load()); }

  static constexpr std::chrono::milliseconds kTick{10};

 private:
  void arm();

  Limits limits_;
  net::steady_timer timer_;
  std::chrono::steady_clock::time_point due_;
  std::atomic<long long> lag_us_{0};  // the lag, smoothed over the last few ticks
  long long last_late_us_ = 0;        // how late the last tick fired (only the timer touches it)
};

}  // namespace porchlight::proxy
