// The store conformance suite (fixtures.hpp): store.atomically_each() and the group commit over
// it (store/group_commit.hpp): writes from many threads, each committed once, a failing one
// undone alone; on SQLite, a request's write ahead of the background's.

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "store/conformance/fixtures.hpp"
#include "store/group_commit.hpp"

namespace {

LeadMessage message(const std::string& lead, const std::string& id) {
  LeadMessage m;
  m.id = id;
  m.lead_id = lead;
  m.direction = "inbound";
  m.channel = "SMS";
  m.body = "message " + id;
  return m;
}

}  // namespace

TEST_CASE_TEMPLATE("store: atomically_each() undoes a failing work alone", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const std::string lead = unique("contact_");
  std::vector<Store::Work> works;
  works.push_back([&](Store& tx) -> Result<Done> {
    auto r = tx.leads().append_message(s, message(lead, "m1"));
    if (!r) return r.errors();
    return Done{};
  });
  works.push_back([&](Store& tx) -> Result<Done> {  // writes, then fails: its write is undone
    auto r = tx.leads().append_message(s, message(lead, "m2"));
    if (!r) return r.errors();
    return Error{"store.conflict", "the test's own failure", ""};
  });
  works.push_back([&](Store& tx) -> Result<Done> {  // a record that breaks a rule
    LeadMessage bad = message(lead, "m3");
    bad.direction = "sideways";
    auto r = tx.leads().append_message(s, bad);
    if (!r) return r.errors();
    return Done{};
  });
  works.push_back([&](Store& tx) -> Result<Done> {
    auto r = tx.leads().append_message(s, message(lead, "m4"));
    if (!r) return r.errors();
    return Done{};
  });
  auto results = REQUIRE_OK(db->atomically_each(s, works));
  REQUIRE(results.size() == 4);
  CHECK(results[0].ok());
  CHECK(code_of(results[1]) == "store.conflict");
  CHECK(code_of(results[2]) == "store.invalid");
  CHECK(results[3].ok());
  auto thread = REQUIRE_OK(db->leads().thread(s, lead, 10));
  std::vector<std::string> ids;
  for (const auto& m : thread) ids.push_back(m.id);
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::string>{"m1", "m4"});
}

TEST_CASE_TEMPLATE("store: the group commit writes every caller's work once, from many threads", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db), other = new_location(*db);
  GroupCommit commits(*db);
  const std::string lead = unique("contact_");
  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> failed{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "t" + std::to_string(t) + "_" + std::to_string(i);
        const Scope& where = i % 5 == 0 ? other : s;  // two locations: one transaction each
        const bool fail = i % 7 == 3;                 // some fail, alone
        auto r = commits.write(where, [&](Store& tx) -> Result<Done> {
          auto appended = tx.leads().append_message(where, message(lead, id));
          if (!appended) return appended.errors();
          if (fail) return Error{"store.conflict", "the test's own failure", ""};
          return Done{};
        });
        if (fail) refused += code_of(r) == "store.conflict";
        else failed += !r.ok();
      }
    });
  for (auto& t : threads) t.join();
  CHECK(failed == 0);
  int expected_refusals = 0, expected_here = 0, expected_there = 0;
  for (int i = 0; i < kEach; ++i) {
    if (i % 7 == 3) ++expected_refusals;
    else if (i % 5 == 0) ++expected_there;
    else ++expected_here;
  }
  CHECK(refused == kThreads * expected_refusals);
  CHECK(REQUIRE_OK(db->leads().thread(s, lead, 1000)).size() == static_cast<std::size_t>(kThreads * expected_here));
  CHECK(REQUIRE_OK(db->leads().thread(other, lead, 1000)).size() == static_cast<std::size_t>(kThreads * expected_there));
}

// SQLite's committer (PostgreSQL has no group commit: each write is its own transaction).
TEST_CASE("store: the group commit serves a request's write before the background's queued ahead of it") {
  auto db = open_sqlite();
  const Scope s = new_location(*db);
  const std::string lead = unique("contact_");
  constexpr int kQueued = 100;
  std::atomic<int> background_done{0}, callbacks{0};
  std::atomic<int> done_before_request{-1};
  std::latch hold(1);
  {
    GroupCommit commits(*db);
    REQUIRE(commits.batching());
    // The committer is held inside a commit while the queue fills.
    std::atomic<bool> holding{false};
    std::thread first([&] {
      (void)commits.write(s, [&](Store&) -> Result<Done> {
        holding = true;
        hold.wait();
        return Done{};
      }, GroupCommit::Lane::background);
    });
    while (!holding) std::this_thread::yield();
    for (int i = 0; i < kQueued; ++i)
      commits.submit(s, [&, i](Store& tx) -> Result<Done> {
        auto r = tx.leads().append_message(s, message(lead, "b" + std::to_string(i)));
        if (!r) return r.errors();
        ++background_done;
        return Done{};
      }, GroupCommit::Lane::background, [&](Result<Done> r) { callbacks += r.ok() ? 1 : 1000; });
    std::atomic<int> request_result{-1};  // 1: committed
    commits.submit(s, [&](Store&) -> Result<Done> {
      done_before_request = background_done.load();
      return Done{};
    }, GroupCommit::Lane::request, [&](Result<Done> r) { request_result = r.ok() ? 1 : 0; });
    CHECK(background_done == 0);  // all queued behind the held commit
    hold.count_down();
    first.join();
    while (request_result < 0) std::this_thread::yield();
    CHECK(request_result == 1);
  }  // the destructor commits what is still queued, then stops
  CHECK(done_before_request == 0);  // in the next commit, ahead of every queued background write
  CHECK(background_done == kQueued);
  CHECK(callbacks == kQueued);  // each once, each ok
  CHECK(REQUIRE_OK(db->leads().thread(s, lead, 1000)).size() == static_cast<std::size_t>(kQueued));
}
