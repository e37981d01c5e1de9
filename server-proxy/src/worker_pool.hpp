// worker_pool.hpp: where blocking calls (the store, Redis) run, so that the event loop never
// blocks. A coroutine awaits the call and resumes on its own executor.
#pragma once

#include <cstddef>
#include <latch>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#ifdef __linux__
#include <sys/resource.h>
#include <unistd.h>
#endif

#include "net.hpp"

namespace porchlight::proxy {

// Background work (the webhook worker) runs this much nicer than the requests: when both are
// ready, a request takes the core first.
inline constexpr int kBelowRequests = 5;

// Lowers the calling thread's priority by `niceness` (Linux; elsewhere nothing). False if refused.
inline bool lower_this_thread(int niceness) {
#ifdef __linux__
  return setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), niceness) == 0;
#else
  (void)niceness;
  return true;
#endif
}

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads) : pool_(threads) {}
  // Each of the pool's threads lowered by `niceness` (lower_this_thread), before any work.
  WorkerPool(std::size_t threads, int niceness) : pool_(threads) {
    // One task per thread, each held until all have started, so that every thread runs one. The
    // tasks share the latch: one may still be leaving arrive_and_wait when this constructor returns.
    auto started = std::make_shared<std::latch>(static_cast<std::ptrdiff_t>(threads));
    for (std::size_t i = 0; i < threads; ++i)
      net::post(pool_, [started, niceness] {
        (void)lower_this_thread(niceness);
        started->arrive_and_wait();
      });
    started->wait();
  }

  // Runs `f` on the pool and resumes the caller with its result.
  //
  // Pass a named lambda: `auto q = [..] {..}; co_await pool.blocking(q);`. GCC 12 destroys a
  // lambda's captures twice when the lambda is created inside a co_await expression (a double
  // free); a named lambda, taken by reference and copied here in a statement of its own, is safe.
  template <class F>
  awaitable<std::invoke_result_t<F&>> blocking(const F& f) {
    using R = std::invoke_result_t<F&>;
    auto task = [fn = f]() mutable -> awaitable<std::optional<R>> { co_return fn(); };
    auto operation = net::co_spawn(pool_.get_executor(), std::move(task), net::use_awaitable);
    std::optional<R> out = co_await std::move(operation);
    co_return std::move(*out);
  }

  net::thread_pool& threads() { return pool_; }
  void join() { pool_.join(); }

 private:
  net::thread_pool pool_;
};

}  // namespace porchlight::proxy
