// store/webhook_inbox.hpp: received webhooks, acknowledged only once inserted
// (store.webhook_inbox()). Error codes and threading: store.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class WebhookInbox {
 public:
  virtual ~WebhookInbox() = default;
  // Returns false (and stores nothing) when (location, provider, dedupe_key) is already there.
  virtual Result<bool> insert(const Scope& s, const WebhookRecord& w) = 0;
  // Admin (the worker serves every location): takes up to `limit` pending records, marking them
  // processing.
  virtual Result<std::vector<WebhookRecord>> claim(std::int64_t limit) = 0;
  virtual Result<Done> finish(const Scope& s, const std::string& id, bool ok, const std::string& error) = 0;
};

}  // namespace porchlight::store
