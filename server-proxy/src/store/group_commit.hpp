// store/group_commit.hpp: many small writes, few transactions. A write waits for the commit that
// carries it. One committer thread takes whatever queued while its previous commit ran and commits
// it (one transaction per location, each write in a savepoint of its own: store.atomically_each).
// Under load the queue, and so each commit, grows: writes share a fsync (about 0.2 ms here) taken
// under SQLite's one write lock. The queue is served in order, not by whichever waiting thread
// wins a mutex: with a mutex instead, commits carried 1.8 writes on average at 1,000 webhooks a
// second, and a background thread (niced) could wait 30 ms behind the requests' threads.
//
// Two lanes: a write that a request waits on (a webhook's acknowledgement) goes into the next
// commit before any background write (the webhook worker's effects), and a commit carries at most
// kMaxBackground of those. A request then waits for at most one short commit ahead of its own,
// however large the worker's backlog.
//
// On PostgreSQL each write is its own transaction (store.atomically): transactions run at once
// there, and the server groups their WAL flushes itself; a batch on one connection would turn
// that concurrency into a queue of round trips (measured: acknowledgements waiting seconds).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/store.hpp"

namespace porchlight::store {

class GroupCommit {
 public:
  static constexpr std::size_t kMaxBatch = 500;      // writes in one commit (the rest go in the next)
  // Of which background writes: bench/webhooks at 1,000/s (15 s on SQLite), acknowledgement p99
  // and card p95: 4 a commit 23-26 ms and 0.4-1 s (the worker falls behind); 8: 21-25 ms and
  // 60-90 ms; 16: 29 ms and 90-170 ms; 32: 40-50 ms and 0.6 s.
  static constexpr std::size_t kMaxBackground = 8;

  enum class Lane { request, background };

  explicit GroupCommit(Store& store);
  ~GroupCommit();  // commits what is queued, then stops the committer
  GroupCommit(const GroupCommit&) = delete;
  GroupCommit& operator=(const GroupCommit&) = delete;

  // Blocking (run it on a worker pool): returns once `work` has committed, with its result, or
  // with the error of the transaction that carried it (then nothing of it was written).
  Result<Done> write(const Scope& s, Store::Work work, Lane lane = Lane::request);

  // The same without a waiting thread (batching only): `done` gets the result on the committer's
  // thread once the commit has carried `work`; it must only hand the result on (post it).
  using Callback = std::function<void(Result<Done>)>;
  void submit(const Scope& s, Store::Work work, Lane lane, Callback done);
  bool batching() const { return batching_; }

 private:
  struct Pending {
    Scope scope;
    Store::Work work;
    Callback done;  // called by the commit that carried it
  };
  void run();  // the committer thread
  void commit(std::vector<Pending>& batch);

  Store& store_;
  const bool batching_;
  std::mutex mu_;  // guards the queues and the two flags below
  std::condition_variable queued_;
  std::deque<Pending> queue_[2];  // by Lane
  bool stopping_ = false;
  bool stopped_ = false;  // the committer has left: a late write commits on its caller's thread
  std::thread committer_;  // only when batching
};

}  // namespace porchlight::store
