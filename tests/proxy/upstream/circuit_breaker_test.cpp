// Tests for upstream/circuit_breaker.hpp, driven with explicit time (no sleeping).
#include <doctest/doctest.h>

#include "upstream/circuit_breaker.hpp"

using porchlight::upstream::CircuitBreaker;
using namespace std::chrono_literals;

namespace {

const auto t0 = CircuitBreaker::clock::time_point{} + 1h;

bool acquire(CircuitBreaker& breaker, CircuitBreaker::clock::time_point now, bool& trial) {
  return breaker.try_acquire(now, trial);
}

}  // namespace

TEST_CASE("circuit breaker: opens after N consecutive failures, not before") {
  CircuitBreaker breaker(3, 30s);
  bool trial = false;
  CHECK_FALSE(breaker.record(false, false, t0));
  CHECK_FALSE(breaker.record(false, false, t0));
  CHECK(acquire(breaker, t0, trial));
  CHECK_FALSE(trial);
  CHECK(breaker.record(false, false, t0));  // the third opens it
  CHECK(breaker.refuses(t0));
  CHECK_FALSE(acquire(breaker, t0 + 29s, trial));
}

TEST_CASE("circuit breaker: a success resets the count of consecutive failures") {
  CircuitBreaker breaker(2, 30s);
  breaker.record(false, false, t0);
  breaker.record(true, false, t0);
  CHECK(breaker.at_rest());
  CHECK_FALSE(breaker.record(false, false, t0));
  CHECK_FALSE(breaker.refuses(t0));
}

TEST_CASE("circuit breaker: half-open lets exactly one trial through; its success closes") {
  CircuitBreaker breaker(1, 30s);
  CHECK(breaker.record(false, false, t0));
  bool trial = false;
  CHECK_FALSE(breaker.refuses(t0 + 30s));
  REQUIRE(acquire(breaker, t0 + 30s, trial));
  CHECK(trial);
  bool second_trial = false;
  CHECK_FALSE(acquire(breaker, t0 + 31s, second_trial));  // the trial is still under way
  CHECK(breaker.refuses(t0 + 31s));
  CHECK_FALSE(breaker.record(true, false, t0 + 31s));  // a late verdict from before: ignored
  CHECK(breaker.refuses(t0 + 31s));
  CHECK_FALSE(breaker.record(true, true, t0 + 32s));
  CHECK_FALSE(breaker.refuses(t0 + 32s));
  CHECK(breaker.at_rest());
}

TEST_CASE("circuit breaker: a failed trial opens it for another cooldown") {
  CircuitBreaker breaker(1, 30s);
  breaker.record(false, false, t0);
  bool trial = false;
  REQUIRE(acquire(breaker, t0 + 30s, trial));
  CHECK(breaker.record(false, true, t0 + 31s));  // counts as an opening
  CHECK(breaker.refuses(t0 + 60s));
  CHECK_FALSE(breaker.refuses(t0 + 61s));
}

TEST_CASE("circuit breaker: an abandoned trial lets the next request try") {
  CircuitBreaker breaker(1, 30s);
  breaker.record(false, false, t0);
  bool trial = false;
  REQUIRE(acquire(breaker, t0 + 30s, trial));
  breaker.abandon_trial();
  REQUIRE(acquire(breaker, t0 + 30s, trial));
  CHECK(trial);
}
