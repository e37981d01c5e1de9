// limits/load_shedder_test.cpp: the event loop's lag as the overload signal (limits/load_shedder):
// it rises when handlers keep the loop busy tick after tick, not for one stall, and falls back
// when they stop.
#include <doctest/doctest.h>

#include <cstring>
#include <functional>
#include <thread>

#include "limits/load_shedder.hpp"

using namespace porchlight;
using namespace porchlight::proxy;
using namespace std::chrono_literals;

namespace {
// Keeps `io` busy: `count` handlers in a row, each holding the loop for `each`.
void keep_busy(net::io_context& io, int count, std::chrono::milliseconds each) {
  auto step = std::make_shared<std::function<void(int)>>();
  // The posted handlers own the step; the step itself holds it weakly (owning itself, it leaked).
  *step = [&io, each, self = std::weak_ptr(step)](int left) {
    std::this_thread::sleep_for(each);
    if (left > 1) net::post(io, [step = self.lock(), left] { (*step)(left - 1); });
  };
  net::post(io, [step, count] { (*step)(count); });
}
}  // namespace

TEST_CASE("load shedder: a loop kept busy tick after tick is overloaded until it catches up") {
  net::io_context io;
  LoadShedder shedder(io, {20ms, 0});
  shedder.start();
  io.run_for(60ms);
  CHECK(shedder.overloaded() == nullptr);

  keep_busy(io, 12, 40ms);  // every tick fires about 40 ms late, for half a second
  io.run_for(400ms);
  const char* why = shedder.overloaded();
  REQUIRE(why != nullptr);
  CHECK(std::strcmp(why, "lag") == 0);
  CHECK(shedder.lag() >= 20ms);

  io.run_for(600ms);  // quiet again: the smoothed lag decays within a few ticks
  CHECK(shedder.overloaded() == nullptr);
}

TEST_CASE("load shedder: one stall is not overload") {
  net::io_context io;
  LoadShedder shedder(io, {20ms, 0});
  shedder.start();
  io.run_for(30ms);
  net::post(io, [] { std::this_thread::sleep_for(150ms); });
  io.run_for(200ms);
  CHECK(shedder.overloaded() == nullptr);
}

TEST_CASE("load shedder: with the lag signal off nothing is measured and nothing shed") {
  net::io_context io;
  LoadShedder shedder(io, {0ms, 0});
  shedder.start();
  keep_busy(io, 5, 40ms);
  io.run_for(250ms);
  CHECK(shedder.overloaded() == nullptr);
}
