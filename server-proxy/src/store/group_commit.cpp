// store/group_commit.cpp: see group_commit.hpp.

#include "store/group_commit.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace porchlight::store {

Result<Done> GroupCommit::write(const Scope& s, Store::Work work, Lane lane) {
  if (!batching_) return store_.atomically(s, work);
  auto mine = std::make_shared<Pending>(Pending{s, std::move(work), std::nullopt});
  auto& requests = queue_[static_cast<int>(Lane::request)];
  auto& background = queue_[static_cast<int>(Lane::background)];
  {
    std::lock_guard lock(queue_mu_);
    queue_[static_cast<int>(lane)].push_back(mine);
  }
  // Whoever holds commit_mu_ carries what is queued; when it is ours, our write went with an
  // earlier caller's commit, or we commit it (and what queued behind it) now.
  std::lock_guard leader(commit_mu_);
  if (mine->result) return std::move(*mine->result);
  std::vector<std::shared_ptr<Pending>> batch;
  {
    std::lock_guard lock(queue_mu_);
    auto take = [&](std::vector<std::shared_ptr<Pending>>& queue, std::size_t most) {
      const auto n = static_cast<std::ptrdiff_t>(std::min(queue.size(), most));
      batch.insert(batch.end(), queue.begin(), queue.begin() + n);
      queue.erase(queue.begin(), queue.begin() + n);
    };
    take(requests, kMaxBatch);
    take(background, std::min(kMaxBackground, kMaxBatch - batch.size()));
    if (std::find(batch.begin(), batch.end(), mine) == batch.end()) {  // behind others of its lane
      std::erase(queue_[static_cast<int>(lane)], mine);
      batch.push_back(mine);
    }
  }
  commit(batch);
  return std::move(*mine->result);
}

void GroupCommit::commit(std::vector<std::shared_ptr<Pending>>& batch) {
  std::map<std::string, std::vector<std::shared_ptr<Pending>>> by_location;  // one transaction each
  for (auto& p : batch) by_location[p->scope.location_id].push_back(p);
  for (auto& [location, pending] : by_location) {
    std::vector<Store::Work> works;
    works.reserve(pending.size());
    for (const auto& p : pending) works.push_back(p->work);
    auto results = store_.atomically_each(pending.front()->scope, works);
    for (std::size_t i = 0; i < pending.size(); ++i)
      pending[i]->result = results.ok() ? results.value()[i] : Result<Done>(results.errors());
  }
}

}  // namespace porchlight::store
