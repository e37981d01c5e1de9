// ghl/worker.hpp: the worker over the webhook inbox. It claims events (several instances share
// the work: store.webhook_inbox().claim), applies each to the leads, their threads and stages,
// pushes live guidance for a lead's message to the assigned agent, and retries with backoff
// until the event is dead-lettered.
//
// Exactly once: an event's effects and its inbox outcome commit in one transaction (a crash
// leaves all or none), and each effect is keyed by the inbox row (a thread message by the CRM's
// message id, stage moves by their source "ghl:<row id>", the card by "card_<row id>", the
// outcome by the webhook id, usage by "req_ghl_<row id>"), so a replay changes nothing twice.
#pragma once

#include <memory>
#include <thread>

#include "app.hpp"

namespace porchlight::proxy {

class WebhookWorker {
 public:
  explicit WebhookWorker(App& app);
  ~WebhookWorker();
  void start();  // on a thread of its own, until the app stops
  void wake();   // an event was stored: look now rather than at the next poll

 private:
  struct Impl;
  net::io_context io_{1};  // the worker's event loop; destroyed last, with the coroutines' frames
  std::thread thread_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace porchlight::proxy
