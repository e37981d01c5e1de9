// store/cached_store.hpp: cache-aside in front of any Store, for what every request reads:
// profiles (with short negative caching of "no such profile") and session context (a
// conversation and the tail of its messages). Only profiles() and transcript() are decorated, and
// every write through them that touches a cached record invalidates it; the other aggregates are
// the inner store's own.
//
// When the store is down, reads present in the cache are still served, and writes fail at once
// with the store's store.unavailable (nothing is written to the cache for a failed write).
// A cache problem is never an error: it is a miss and the store answers.
#pragma once

#include <chrono>
#include <memory>

#include "cache/cache.hpp"
#include "store/store.hpp"

namespace porchlight::store {

struct CachedStoreOptions {
  std::chrono::milliseconds profile_ttl{60'000};
  std::chrono::milliseconds not_found_ttl{5'000};  // a profile created elsewhere shows up this fast
  std::chrono::milliseconds conversation_ttl{60'000};
  std::int64_t max_cached_messages = 200;          // longer tails are read from the store
};

std::unique_ptr<Store> make_cached_store(std::unique_ptr<Store> inner, std::shared_ptr<cache::Cache> cache,
                                         CachedStoreOptions options = {});

}  // namespace porchlight::store
