// ledger/usage_ledger.hpp: the usage ledger's writer. Every answered call to Claude leaves a usage
// record; the answer has been sent by then (keep-alive clients move on), so records are queued
// and written in batches, one transaction per location, instead of one per request.
//
// While the store is down the records are kept (up to kMaxQueued) and retried every second, and
// writable() turns false: callers refuse work whose usage could not be recorded until the retry
// gets them in. An invalid record is logged and counted without taking its batch with it. On
// destruction everything still queued is written, or reported on stderr: never dropped silently.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <vector>

#include "metrics.hpp"
#include "net.hpp"
#include "store/ledger.hpp"
#include "worker_pool.hpp"

namespace porchlight::proxy {

class UsageLedger {
 public:
  static constexpr std::chrono::milliseconds kFlushDelay{50};
  static constexpr std::chrono::seconds kRetryDelay{1};
  static constexpr std::size_t kMaxQueued = 200000;  // kept while the store is down
  // Up to this many queued records a batch is written on the ledger's own idle-priority thread;
  // beyond it (the writer is falling behind) on the worker pool, so a busy machine cannot starve it.
  static constexpr std::size_t kBackgroundLimit = 5000;

  // Timers run on `io`; batches on a thread of the ledger's own, or on `pool` when behind. With
  // `background_priority` that thread runs at SCHED_IDLE. Not on SQLite: there a batch holds the
  // database's one write lock, and a busy machine preempted the idle thread while it held it,
  // so every other writer waited (20-40 ms holds at a thousand webhooks a second).
  UsageLedger(store::Ledger& store, net::io_context& io, WorkerPool& pool, Metrics& metrics, bool background_priority);
  ~UsageLedger();
  UsageLedger(const UsageLedger&) = delete;
  UsageLedger& operator=(const UsageLedger&) = delete;

  // Queues a record (its location_id set) without holding up the caller.
  void record(store::UsageRecord record);
  // Blocking (call it on the worker pool): writes what is queued now, after any write under way,
  // so that a read of the ledger that follows sees every answered request (GET /v1/usage).
  void flush() { write_queued(Drain::all); }
  // False while usage records cannot be written (the store is down).
  bool writable() const { return writable_; }

 private:
  // Drain::one_batch (the flush timer): writes what is queued, then leaves what arrived meanwhile
  // for the next tick, so a busy proxy commits once per kFlushDelay, not back to back.
  // Drain::all (flush, destruction): writes until the queue is empty.
  enum class Drain { one_batch, all };
  void write_queued(Drain drain);
  void write_after(std::chrono::milliseconds delay);  // on background_ or the pool

  store::Ledger& store_;
  net::io_context& io_;
  WorkerPool& pool_;
  Metrics& metrics_;
  // One thread for the batches. A batch is a millisecond or two of database work every 50 ms;
  // at normal priority it took a core from the requests in flight on a busy machine (slow
  // requests, over 1 ms, in 10-s runs at 1000 req/s on 2 cores: about 330 per 10,000 at normal
  // priority, about 200 at SCHED_IDLE, about 130 with no ledger at all). Hence SCHED_IDLE where
  // it holds no lock that others wait for (see the constructor).
  net::thread_pool background_{1};
  std::mutex queue_mutex_;
  std::mutex write_mutex_;  // one writer at a time: a flush waits for a batch under way
  std::vector<store::UsageRecord> queue_;  // each record carries its location
  bool writing_ = false;                   // a write is pending or under way (guarded by queue_mutex_)
  std::atomic<bool> writable_{true};
};

}  // namespace porchlight::proxy
