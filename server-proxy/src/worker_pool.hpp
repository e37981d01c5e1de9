// worker_pool.hpp: where blocking calls (the store, Redis) run, so that the event loop never
// blocks. A coroutine awaits the call and resumes on its own executor.
#pragma once

#include <cstddef>
#include <optional>
#include <type_traits>
#include <utility>

#include "net.hpp"

namespace porchlight::proxy {

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads) : pool_(threads) {}

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
