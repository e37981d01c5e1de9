// store/group_commit.cpp: see group_commit.hpp.

#include "store/group_commit.hpp"

#include <algorithm>
#include <future>
#include <map>
#include <string>

namespace porchlight::store {

GroupCommit::GroupCommit(Store& store) : store_(store), batching_(store.backend() == "sqlite") {
  if (batching_) committer_ = std::thread([this] { run(); });
}

GroupCommit::~GroupCommit() {
  if (!committer_.joinable()) return;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  queued_.notify_one();
  committer_.join();
}

Result<Done> GroupCommit::write(const Scope& s, Store::Work work, Lane lane) {
  if (!batching_) return store_.atomically(s, work);
  std::promise<Result<Done>> result;
  auto done = result.get_future();
  submit(s, std::move(work), lane, [&result](Result<Done> r) { result.set_value(std::move(r)); });
  return done.get();
}

void GroupCommit::submit(const Scope& s, Store::Work work, Lane lane, Callback done) {
  {
    std::unique_lock lock(mu_);
    if (!stopped_) {
      queue_[static_cast<int>(lane)].push_back(Pending{s, std::move(work), std::move(done)});
      lock.unlock();
      queued_.notify_one();
      return;
    }
  }
  // The committer has left (the destructor is under way): nobody would take it from the queue.
  done(store_.atomically(s, work));
}

void GroupCommit::run() {
  auto& requests = queue_[static_cast<int>(Lane::request)];
  auto& background = queue_[static_cast<int>(Lane::background)];
  std::vector<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      queued_.wait(lock, [&] { return stopping_ || !requests.empty() || !background.empty(); });
      if (requests.empty() && background.empty()) {  // stopping, and nothing left to commit
        stopped_ = true;
        return;
      }
      auto take = [&](std::deque<Pending>& queue, std::size_t most) {
        for (std::size_t n = std::min(queue.size(), most); n > 0; --n) {
          batch.push_back(std::move(queue.front()));
          queue.pop_front();
        }
      };
      take(requests, kMaxBatch);
      take(background, std::min(kMaxBackground, kMaxBatch - batch.size()));
    }
    commit(batch);
    batch.clear();
  }
}

void GroupCommit::commit(std::vector<Pending>& batch) {
  std::map<std::string, std::vector<Pending*>> by_location;  // one transaction each
  for (auto& p : batch) by_location[p.scope.location_id].push_back(&p);
  for (auto& [location, pending] : by_location) {
    std::vector<Store::Work> works;
    works.reserve(pending.size());
    for (const auto* p : pending) works.push_back(p->work);
    Result<std::vector<Result<Done>>> results = std::vector<Result<Done>>{};
    try {
      results = store_.atomically_each(pending.front()->scope, works);
    } catch (const std::exception& e) {  // a bug in a work: its callers hear of it, the committer goes on
      results = Error{"store.internal", std::string("a write threw: ") + e.what(), ""};
    }
    for (std::size_t i = 0; i < pending.size(); ++i)
      pending[i]->done(results.ok() ? results.value()[i] : Result<Done>(results.errors()));
  }
}

}  // namespace porchlight::store
