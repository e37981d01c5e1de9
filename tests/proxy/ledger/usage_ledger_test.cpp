// ledger/usage_ledger_test.cpp: the usage ledger's writer (server-proxy/src/ledger/) over a
// scripted store ledger: batches per location, an invalid record alone, records kept while the
// store is down and written when it is back, nothing left behind at destruction.
#include <doctest/doctest.h>

#include <mutex>
#include <set>
#include <thread>

#include "ledger/usage_ledger.hpp"
#include "store/ledger.hpp"

using namespace porchlight;
using namespace porchlight::proxy;

namespace {

// A store ledger that keeps what it is given, and can be down or refuse some records.
class ScriptedLedger final : public store::Ledger {
 public:
  Result<store::Done> record_usage_batch(const store::Scope& s, const std::vector<store::UsageRecord>& batch) override {
    std::lock_guard lock(mutex);
    if (down) return Error{"store.unavailable", "down", ""};
    for (const auto& r : batch)
      if (invalid.count(r.request_id)) return Error{"store.invalid", "bad record", ""};
    ++batches;
    for (const auto& r : batch) {
      CHECK(r.location_id == s.location_id);
      written.push_back(r);
    }
    return store::Done{};
  }
  Result<double> month_spend_usd(const store::Scope&, const std::string&) override { return 0.0; }
  Result<store::Budget> get_budget(const store::Scope&) override { return store::Budget{}; }
  Result<store::Done> set_budget(const store::Scope&, const store::Budget&) override { return store::Done{}; }
  Result<store::ScopedSpend> month_spend_by(const store::Scope&, const std::string&) override { return store::ScopedSpend{}; }
  Result<store::Done> set_scoped_budget(const store::Scope&, const std::string&, const std::string&, double) override {
    return store::Done{};
  }
  Result<bool> claim_budget_alert(const store::Scope&, const std::string&, const std::string&, const std::string&, int) override {
    return true;
  }
  Result<store::RateLimits> get_rate_limits(const store::Scope&) override { return store::RateLimits{}; }
  Result<store::Done> set_rate_limits(const store::Scope&, const store::RateLimits&) override { return store::Done{}; }

  std::size_t count() {
    std::lock_guard lock(mutex);
    return written.size();
  }

  std::mutex mutex;
  bool down = false;
  std::set<std::string> invalid;
  int batches = 0;
  std::vector<store::UsageRecord> written;
};

store::UsageRecord record(const std::string& location, const std::string& request_id) {
  store::UsageRecord r;
  r.location_id = location;
  r.request_id = request_id;
  r.kind = "messages";
  r.model = "claude-test";
  r.usage.input_tokens = 10;
  return r;
}

}  // namespace

TEST_CASE("ledger: records are written a batch per location within a flush period, without a flush") {
  ScriptedLedger store;
  net::io_context io;
  WorkerPool pool(2);
  Metrics metrics;
  {
    UsageLedger ledger(store, io, pool, metrics, true);
    for (int i = 0; i < 5; ++i) ledger.record(record(i % 2 ? "loc-a" : "loc-b", "req-" + std::to_string(i)));
    // The flush timer runs on the event loop; the batch, on the ledger's own thread.
    for (int tick = 0; tick < 40 && store.count() < 5; ++tick) {
      if (io.stopped()) std::this_thread::sleep_for(UsageLedger::kFlushDelay);
      else io.run_for(UsageLedger::kFlushDelay);
    }
    CHECK(store.count() == 5);
    CHECK(store.batches == 2);  // one per location
    CHECK(ledger.writable());
  }
  pool.join();
}

TEST_CASE("ledger: an invalid record is counted and dropped alone; the rest of its batch is written") {
  ScriptedLedger store;
  store.invalid = {"req-bad"};
  net::io_context io;
  WorkerPool pool(1);
  Metrics metrics;
  UsageLedger ledger(store, io, pool, metrics, true);
  ledger.record(record("loc-a", "req-1"));
  ledger.record(record("loc-a", "req-bad"));
  ledger.record(record("loc-a", "req-2"));
  ledger.flush();
  CHECK(store.count() == 2);
  CHECK(metrics.render().find("porchlight_usage_write_failures_total 1") != std::string::npos);
}

TEST_CASE("ledger: while the store is down records are kept and writable() is false; they are written when it is back") {
  ScriptedLedger store;
  store.down = true;
  net::io_context io;
  WorkerPool pool(1);
  Metrics metrics;
  UsageLedger ledger(store, io, pool, metrics, true);
  ledger.record(record("loc-a", "req-1"));
  ledger.flush();
  CHECK_FALSE(ledger.writable());
  CHECK(store.count() == 0);
  ledger.record(record("loc-a", "req-2"));
  {
    std::lock_guard lock(store.mutex);
    store.down = false;
  }
  ledger.flush();
  CHECK(ledger.writable());
  CHECK(store.count() == 2);
}

TEST_CASE("ledger: destruction writes what is still queued") {
  ScriptedLedger store;
  net::io_context io;  // never run: no flush timer fires
  WorkerPool pool(1);
  Metrics metrics;
  {
    UsageLedger ledger(store, io, pool, metrics, true);
    ledger.record(record("loc-a", "req-1"));
    ledger.record(record("loc-b", "req-2"));
    CHECK(store.count() == 0);
  }
  CHECK(store.count() == 2);
}
