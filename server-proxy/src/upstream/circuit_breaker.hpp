// upstream/circuit_breaker.hpp (internal to the upstream client): the circuit breaker of one model.
//
// Closed: requests go. `failures` consecutive failures open it. Open: requests are refused until
// `cooldown` has passed; then it is half-open: exactly one trial request goes, and its verdict
// closes the circuit (success) or opens it for another cooldown (failure). Verdicts of requests
// that started before the circuit opened are ignored: only the trial decides.
//
// Not thread-safe: the client holds its lock around every call. Time is passed in, so that tests
// can drive it without sleeping.
#pragma once

#include <chrono>

namespace porchlight::upstream {

class CircuitBreaker {
 public:
  using clock = std::chrono::steady_clock;

  CircuitBreaker(int failures, clock::duration cooldown)
      : failures_to_open_(failures < 1 ? 1 : failures), cooldown_(cooldown) {}

  // Whether a request may go now. `trial` says whether it is the half-open trial, whose verdict
  // (or abandon_trial) must follow.
  bool try_acquire(clock::time_point now, bool& trial) {
    trial = false;
    if (!open_) return true;
    if (trial_in_flight_ || now < opened_at_ + cooldown_) return false;
    trial_in_flight_ = true;
    trial = true;
    return true;
  }

  // True while requests are refused: open and cooling down, or half-open with its trial running.
  bool refuses(clock::time_point now) const {
    return open_ && (trial_in_flight_ || now < opened_at_ + cooldown_);
  }

  // The verdict of a request that try_acquire let through. Returns true if it opened the circuit.
  bool record(bool success, bool trial, clock::time_point now) {
    if (open_) {
      if (!trial) return false;  // started before the circuit opened: not a verdict on now
      trial_in_flight_ = false;
      if (success) {
        open_ = false;
        consecutive_failures_ = 0;
        return false;
      }
      opened_at_ = now;
      return true;
    }
    if (success) {
      consecutive_failures_ = 0;
      return false;
    }
    if (++consecutive_failures_ < failures_to_open_) return false;
    open_ = true;
    opened_at_ = now;
    return true;
  }

  // Closed with no failure counted: nothing worth remembering.
  bool at_rest() const { return !open_ && consecutive_failures_ == 0; }

  // The trial ended without a verdict (the caller went away): the next request may try instead.
  void abandon_trial() { trial_in_flight_ = false; }

 private:
  int failures_to_open_;
  clock::duration cooldown_;
  int consecutive_failures_ = 0;
  bool open_ = false;
  bool trial_in_flight_ = false;
  clock::time_point opened_at_{};
};

}  // namespace porchlight::upstream
