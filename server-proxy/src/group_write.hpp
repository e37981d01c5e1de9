// group_write.hpp: a coroutine's write in the group commit (store/group_commit.hpp), awaited
// without holding a pool thread while the committer gets to it. Each waiting thread was a thread
// the pool lacked: at 1,000 webhooks a second the acknowledgements, the agents' card receipts and
// the worker's events held the pools' threads in the committer's queue, and the rest waited for
// threads. Where there is no group commit (PostgreSQL) the write is a transaction on `pool`.
//
// Pass a named Work, as with WorkerPool::blocking: GCC 12 destroys temporaries made inside a
// co_await expression twice, and a std::function made there from a lambda is one.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>

#include "net.hpp"
#include "store/group_commit.hpp"
#include "worker_pool.hpp"

namespace porchlight::proxy {

// Writes whose completions have not run yet, for an owner whose event loop goes before the
// committer does (the webhook worker waits for none to be left before its loop is destroyed).
class PendingWrites {
 public:
  void begin() {
    std::lock_guard lock(mu_);
    ++n_;
  }
  void end() {
    std::lock_guard lock(mu_);
    if (--n_ == 0) idle_.notify_all();
  }
  void wait_idle() {
    std::unique_lock lock(mu_);
    idle_.wait(lock, [&] { return n_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable idle_;
  std::size_t n_ = 0;
};

inline awaitable<Result<store::Done>> group_write(store::GroupCommit& commits, WorkerPool& pool, const store::Scope& s,
                                                  const store::Store::Work& named, store::GroupCommit::Lane lane,
                                                  PendingWrites* pending = nullptr) {
  store::Store::Work work = named;
  if (!commits.batching()) {
    auto write = [&] { return commits.write(s, work, lane); };
    co_return co_await pool.blocking(write);
  }
  using Outcome = std::optional<Result<store::Done>>;  // optional: the awaitable default-constructs it
  auto executor = co_await net::this_coro::executor;
  Outcome out = co_await net::async_initiate<const net::use_awaitable_t<>&, void(Outcome)>(
      [&](auto handler) {
        // Owned by the callback, which the committer calls once: it hands the coroutine back to its
        // executor and drops its copy of that executor there, so that what the group commit keeps
        // afterwards holds nothing of the event loop.
        struct Waiting {
          decltype(handler) resume;
          decltype(executor) on;
        };
        auto* waiting = new Waiting{std::move(handler), executor};
        if (pending) pending->begin();
        commits.submit(s, std::move(work), lane, [waiting, pending](Result<store::Done> r) {
          std::unique_ptr<Waiting> w(waiting);
          net::post(w->on, [resume = std::move(w->resume), r = std::move(r)]() mutable { std::move(resume)(Outcome(std::move(r))); });
          w.reset();
          if (pending) pending->end();
        });
      },
      net::use_awaitable);
  co_return std::move(*out);
}

}  // namespace porchlight::proxy
