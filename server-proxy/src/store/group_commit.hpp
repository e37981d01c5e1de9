// store/group_commit.hpp: many small writes, few transactions. A write waits for the commit that
// carries it: a caller that finds no commit under way commits everything queued meanwhile (one
// transaction per location, each write in a savepoint of its own: store.atomically_each), and
// the writes of the callers queued behind it ride along. At a thousand webhooks a second that is
// a few dozen commits instead of a thousand, each a fsync (about 0.2 ms here) taken under
// SQLite's one write lock.
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

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "store/store.hpp"

namespace porchlight::store {

class GroupCommit {
 public:
  static constexpr std::size_t kMaxBatch = 500;      // writes in one commit (the rest go in the next)
  static constexpr std::size_t kMaxBackground = 32;  // of which background writes

  enum class Lane { request, background };

  explicit GroupCommit(Store& store) : store_(store), batching_(store.backend() == "sqlite") {}

  // Blocking (run it on a worker pool): returns once `work` has committed, with its result, or
  // with the error of the transaction that carried it (then nothing of it was written).
  Result<Done> write(const Scope& s, Store::Work work, Lane lane = Lane::request);

 private:
  struct Pending {
    Scope scope;
    Store::Work work;
    std::optional<Result<Done>> result;  // set by the commit that carried it, under commit_mu_
  };
  void commit(std::vector<std::shared_ptr<Pending>>& batch);

  Store& store_;
  const bool batching_;
  std::mutex queue_mu_;
  std::vector<std::shared_ptr<Pending>> queue_[2];  // by Lane
  std::mutex commit_mu_;  // held by the caller committing a batch
};

}  // namespace porchlight::store
