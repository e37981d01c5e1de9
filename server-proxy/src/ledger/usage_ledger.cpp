// ledger/usage_ledger.cpp: queueing usage records and writing them in batches (see the header).

#include "ledger/usage_ledger.hpp"

#include <pthread.h>
#include <sched.h>

#include <iterator>
#include <map>
#include <memory>
#include <string>

#include "log.hpp"

namespace porchlight::proxy {

namespace {
// SCHED_IDLE for the calling thread: any other thread that wakes up takes the core at once.
// (An unprivileged thread cannot switch back, so only a thread of its own is ever switched.)
void lower_to_background_priority() {
#ifdef __linux__
  sched_param none{};
  if (pthread_setschedparam(pthread_self(), SCHED_IDLE, &none) != 0)
    log::write(log::Level::warn, "the usage writer runs at normal priority (SCHED_IDLE refused)");
#endif
}
}  // namespace

UsageLedger::UsageLedger(store::Ledger& store, net::io_context& io, WorkerPool& pool, Metrics& metrics,
                         bool background_priority)
    : store_(store), io_(io), pool_(pool), metrics_(metrics) {
  if (background_priority) net::post(background_, lower_to_background_priority);
}

// The owner joins the worker pool first (a batch may run there); the event loop has stopped, so
// no flush timer fires again: what the last one did not get to is written here.
UsageLedger::~UsageLedger() {
  background_.join();
  write_queued(Drain::all);
  std::lock_guard lock(queue_mutex_);
  if (!queue_.empty())  // the store is down and there is no later retry: say so, never drop silently
    log::write(log::Level::error, "exiting with " + std::to_string(queue_.size()) +
                                      " usage records not written (the store is unavailable)");
}

void UsageLedger::record(store::UsageRecord record) {
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(record));
    if (writing_) return;  // the running writer takes it in its next batch
    writing_ = true;
  }
  // Wait a moment so that a busy proxy writes one batch per location every kFlushDelay instead
  // of one transaction (and one worker wake-up) per request.
  write_after(kFlushDelay);
}

void UsageLedger::write_after(std::chrono::milliseconds delay) {
  auto timer = std::make_shared<net::steady_timer>(io_, delay);
  timer->async_wait([this, timer](const boost::system::error_code&) {
    std::size_t queued = 0;
    {
      std::lock_guard lock(queue_mutex_);
      queued = queue_.size();
    }
    auto writer = queued <= kBackgroundLimit ? background_.get_executor() : pool_.threads().get_executor();
    net::post(writer, [this] { write_queued(Drain::one_batch); });
  });
}

// writing_ is true while a flush timer is pending; Drain::all leaves it to that timer.
void UsageLedger::write_queued(Drain drain) {
  const std::lock_guard writing(write_mutex_);
  for (;;) {
    std::vector<store::UsageRecord> batch;
    {
      std::lock_guard lock(queue_mutex_);
      batch.swap(queue_);
      if (batch.empty()) {
        if (drain == Drain::one_batch) writing_ = false;
        return;
      }
    }
    std::map<std::string, std::vector<store::UsageRecord>> by_location;
    for (auto& r : batch) by_location[r.location_id].push_back(std::move(r));
    std::vector<store::UsageRecord> unwritten;  // the store is down: kept, and retried
    for (auto& [location_id, records] : by_location) {
      const store::Scope scope{location_id};
      auto saved = store_.record_usage_batch(scope, records);
      if (saved) continue;
      if (saved.errors().front().code == "store.unavailable") {
        std::move(records.begin(), records.end(), std::back_inserter(unwritten));
        continue;
      }
      for (const auto& r : records) {  // an invalid record must not take the others with it
        auto one = store_.record_usage(scope, r);
        if (one) continue;
        metrics_.count("porchlight_usage_write_failures_total", {});
        log::write(log::Level::error, "usage for request " + r.request_id + " not recorded: " + one.errors().front().code);
      }
    }
    if (unwritten.empty()) {
      writable_ = true;
      if (drain == Drain::all) continue;
      std::lock_guard lock(queue_mutex_);
      if (queue_.empty()) {
        writing_ = false;
        return;
      }
      break;  // what arrived during this batch waits for the next tick
    }
    writable_ = false;
    {
      std::lock_guard lock(queue_mutex_);
      unwritten.insert(unwritten.end(), std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      if (unwritten.size() > kMaxQueued) {
        const std::size_t dropped = unwritten.size() - kMaxQueued;
        metrics_.count("porchlight_usage_write_failures_total", {}, static_cast<double>(dropped));
        log::write(log::Level::error, "the store has been down too long: " + std::to_string(dropped) + " usage records dropped");
        unwritten.erase(unwritten.begin(), unwritten.begin() + static_cast<std::ptrdiff_t>(dropped));
      }
      queue_ = std::move(unwritten);
      if (drain == Drain::all && writing_) return;  // the pending timer retries them
      writing_ = true;
    }
    write_after(kRetryDelay);
    return;  // still "writing": new records join the queue and wait for the retry
  }
  write_after(kFlushDelay);
}

}  // namespace porchlight::proxy
