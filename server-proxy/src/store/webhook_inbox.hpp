// store/webhook_inbox.hpp: received webhooks, acknowledged only once inserted
// (store.webhook_inbox()). Error codes and threading: store.hpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

// The largest body the inbox keeps (a long HTML e-mail is still one event).
inline constexpr std::size_t kMaxWebhookBody = 8 * 1024 * 1024;

class WebhookInbox {
 public:
  virtual ~WebhookInbox() = default;
  // Stores `w` as pending, or as failed with its error (an event that cannot be read is kept for
  // operators to see). Returns false (and stores nothing) when (location, provider, dedupe_key)
  // is already there.
  virtual Result<bool> insert(const Scope& s, const WebhookRecord& w) = 0;
  // Admin (the worker serves every location): takes up to `limit` pending records, marking them
  // processing; also records claimed more than `stale_after` ago (their worker died).
  virtual Result<std::vector<WebhookRecord>> claim(std::int64_t limit,
                                                   std::chrono::milliseconds stale_after = std::chrono::minutes(5)) = 0;
  virtual Result<Done> finish(const Scope& s, const std::string& id, bool ok, const std::string& error) = 0;
  // A failed attempt that will be tried again: pending, but not claimed before `next_attempt_at`.
  virtual Result<Done> retry_later(const Scope& s, const std::string& id, const std::string& error,
                                   const std::string& next_attempt_at) = 0;
  // Events kept in scope `s` (the intake) for a sender's location that was not linked yet:
  // pending again, now that it is. Returns how many.
  virtual Result<std::int64_t> requeue_location(const Scope& s, const std::string& external_location) = 0;

  // Admin (operators see every location): the newest `limit` events in `state` (empty: any).
  virtual Result<std::vector<WebhookRecord>> list(const std::string& state, std::int64_t limit) = 0;
  // Puts a failed event (or, with `replay`, a done one) back to pending; false when there is no
  // such event in a state that may go back.
  virtual Result<bool> requeue(const std::string& id, bool replay) = 0;
};

}  // namespace porchlight::store
