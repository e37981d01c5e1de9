// store/group_commit.cpp: see group_commit.hpp.

#include "store/group_commit.hpp"

#include <algorithm>
#include <map>
#include <string>

namespace porchlight::store {

Result<Done> GroupCommit::write(const Scope& s, Store::Work work) {
  if (!batching_) return store_.atomically(s, work);
  auto mine = std::make_shared<Pending>(Pending{s, std::move(work), std::nullopt});
  {
    std::lock_guard lock(queue_mu_);
    queue_.push_back(mine);
  }
  // Whoever holds commit_mu_ carries what is queued; when it is ours, our write went with an
  // earlier caller's commit, or we commit it (and what queued behind it) now.
  std::lock_guard leader(commit_mu_);
  if (mine->result) return std::move(*mine->result);
  std::vector<std::shared_ptr<Pending>> batch;
  {
    std::lock_guard lock(queue_mu_);
    const auto n = static_cast<std::ptrdiff_t>(std::min(queue_.size(), kMaxBatch));
    batch.assign(queue_.begin(), queue_.begin() + n);
    queue_.erase(queue_.begin(), queue_.begin() + n);
    if (std::find(batch.begin(), batch.end(), mine) == batch.end()) {  // behind kMaxBatch others
      std::erase(queue_, mine);
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
