// store/store.hpp: the repository, one interface per aggregate, and open_store(). Every tenant
// call takes a Scope (the location); the few cross-tenant calls are admin operations and say so.
// Implementations: Postgres (libpq, RLS as a second wall) and SQLite (the embedded default), both
// written once in store/sql/; both pass tests/proxy/store/conformance.
//
// Calls are synchronous and thread-safe; the proxy runs them on a worker pool so the event loop
// never blocks. Failures are porchlight::Error with codes:
//   store.unavailable  the database cannot be reached (retryable; nothing was written)
//   store.conflict     a uniqueness rule was hit (e.g. an id that exists)
//   store.invalid      the data breaks a schema rule
//   store.not_found    a write names a record that does not exist in this location (reads of a
//                      missing record return an empty optional or false instead)
//   store.not_migrated the schema is missing or behind this binary: run `porchlight-proxy migrate`
//   store.internal     anything else (a bug: logged and counted)
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "store/admin.hpp"
#include "store/analytics.hpp"
#include "store/coaching_history.hpp"
#include "store/experiments.hpp"
#include "store/ghl_links.hpp"
#include "store/lead_stages.hpp"
#include "store/leads.hpp"
#include "store/ledger.hpp"
#include "store/live_cards.hpp"
#include "store/outcomes.hpp"
#include "store/profiles.hpp"
#include "store/records.hpp"
#include "store/transcript.hpp"
#include "store/webhook_inbox.hpp"

namespace porchlight::store {

// The aggregates live as long as the store: store.profiles().get(scope, id).
class Store {
 public:
  virtual ~Store() = default;
  virtual std::string_view backend() const = 0;  // "postgres" or "sqlite"
  virtual Result<Done> ping() = 0;

  virtual Admin& admin() = 0;  // cross-tenant: locations and keys
  virtual Profiles& profiles() = 0;
  virtual Transcript& transcript() = 0;
  virtual CoachingHistory& coaching_history() = 0;
  virtual Ledger& ledger() = 0;
  virtual Experiments& experiments() = 0;
  virtual WebhookInbox& webhook_inbox() = 0;
  virtual LeadStages& lead_stages() = 0;
  virtual Analytics& analytics() = 0;
  virtual GhlLinks& ghl_links() = 0;
  virtual Leads& leads() = 0;
  virtual LiveCards& live_cards() = 0;
  virtual Outcomes& outcomes() = 0;

  // Runs `work` with a store whose tenant calls, all in location `s`, commit together or not at
  // all: one write transaction (an event's side effects and its inbox outcome, say). A call for
  // another location, or an admin call, fails with store.internal. Nothing but store calls may
  // wait inside `work` (it holds a connection, and SQLite's write lock), and only the store it is
  // given may be used there. `work` failing rolls everything back.
  virtual Result<Done> atomically(const Scope& s, const std::function<Result<Done>(Store&)>& work) = 0;

  // Group commit: every work of `works` in one transaction, each in a savepoint of its own, so
  // that one that fails is undone alone. Returns each work's result, or the transaction's error
  // (then nothing of any of them was written). The same rules as atomically() inside.
  using Work = std::function<Result<Done>(Store&)>;
  virtual Result<std::vector<Result<Done>>> atomically_each(const Scope& s, const std::vector<Work>& works) = 0;
};

// Opens a store from a URL: "postgresql://..." or "sqlite:///abs/path.db" / "sqlite://relative.db".
// Does not migrate (see migrate.hpp), but connects once and checks that the schema is current
// (store.not_migrated otherwise; store.unavailable when the database cannot be reached).
// On Postgres, connect as porchlight_app (docs/operations.md), never as the owner.
Result<std::unique_ptr<Store>> open_store(const std::string& url, int pool_size = 8);

}  // namespace porchlight::store
