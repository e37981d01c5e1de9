// store/sql/webhook_inbox.cpp: the webhook inbox (store/webhook_inbox.hpp), for both backends.
// Claiming crosses tenants: its statement is the backend's own (Database::claim_webhooks).

#include <algorithm>

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

Result<WebhookRecord> decode_webhook(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  WebhookRecord w;
  w.id = d.str();
  w.location_id = d.str();
  w.provider = d.str();
  w.dedupe_key = d.str();
  w.body = d.str();
  w.headers_json = d.str();
  w.signature_valid = d.flag();
  w.state = d.str();
  w.attempts = d.i64();
  w.error = d.str();
  w.received_at = d.time();
  w.processed_at = d.opt_time().value_or("");
  w.event_type = d.str();
  w.external_location = d.str();
  w.next_attempt_at = d.opt_time().value_or("");
  if (!d.problem.empty()) return internal("webhook_inbox: " + d.problem);
  return w;
}

class SqlWebhookInbox final : public WebhookInbox {
 public:
  explicit SqlWebhookInbox(Database& db) : db_(db) {}

  Result<bool> insert(const Scope& s, const WebhookRecord& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    WebhookRecord w = input;
    Checks c;
    check_location(c, s, w.location_id, "webhook.location_id");
    c.id("webhook.provider", w.provider);
    c.plain("webhook.dedupe_key", w.dedupe_key, 256, true);
    c.plain("webhook.event_type", w.event_type, 80);
    c.plain("webhook.external_location", w.external_location, 64);
    if (w.body.size() > kMaxWebhookBody) c.fail("webhook.body", "at most 8 MiB");
    if (w.state != "pending" && w.state != "failed") c.fail("webhook.state", "a new event is pending or failed");
    c.plain("webhook.error", w.error, 2000);
    if (w.headers_json.empty()) w.headers_json = "{}";
    if (!json::accept(w.headers_json)) c.fail("webhook.headers_json", "expected a JSON object of the request headers");
    c.time("webhook.received_at", w.received_at);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "INSERT INTO webhook_inbox (id, location_id, provider, dedupe_key, body, headers_json, "
                     "signature_valid, state, attempts, error, received_at, event_type, external_location) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11, $12) ON CONFLICT DO NOTHING",
                     P({text(random_id("wh_")), text(w.location_id), text(w.provider), text(w.dedupe_key),
                        blob(w.body), text(w.headers_json), boolean(w.signature_valid), text(w.state), text(w.error),
                        text(w.received_at), text(w.event_type), text(w.external_location)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  }

  Result<std::vector<WebhookRecord>> claim(std::int64_t limit, std::chrono::milliseconds stale_after) override {
    if (limit < 1 || limit > 1000) return invalid("limit", "expected 1..1000");
    if (stale_after.count() < 1) return invalid("stale_after", "expected a positive duration");
    const std::int64_t now = now_unix_micros();
    return in_tx<std::vector<WebhookRecord>>(db_, "", TxMode::write, [&](Session& s) -> Result<std::vector<WebhookRecord>> {
      auto r = db_.claim_webhooks(s, limit, timestamp_at(now), timestamp_at(now - stale_after.count() * 1000));
      if (!r.ok()) return r.errors();
      auto out = decode_all<WebhookRecord>(r.value(), decode_webhook);
      if (!out.ok()) return out.errors();
      // Oldest first (SQLite's RETURNING gives no order).
      std::sort(out.value().begin(), out.value().end(), [](const WebhookRecord& a, const WebhookRecord& b) {
        return a.received_at != b.received_at ? a.received_at < b.received_at : a.id < b.id;
      });
      return out;
    });
  }

  Result<Done> retry_later(const Scope& s, const std::string& id, const std::string& error,
                           const std::string& next_attempt_at) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("id", id);
    c.utf8("error", error, 8000);
    std::string when = next_attempt_at;
    c.time("next_attempt_at", when);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "UPDATE webhook_inbox SET state = 'pending', error = $3, next_attempt_at = $4 "
                     "WHERE location_id = $1 AND id = $2",
                     P({text(s.location_id), text(id), text(error), text(when)}));
    if (!r.ok()) return r.errors();
    if (r.value().affected() == 0) return not_found("id", "webhook '" + id + "' does not exist in this location");
    return Done{};
  }

  Result<std::int64_t> requeue_location(const Scope& s, const std::string& external_location) override {
    if (auto e = check_scoped_id(s, "external_location", external_location); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "UPDATE webhook_inbox SET state = 'pending', attempts = 0, next_attempt_at = NULL "
                     "WHERE location_id = $1 AND external_location = $2 AND state IN ('failed', 'pending')",
                     P({text(s.location_id), text(external_location)}));
    if (!r.ok()) return r.errors();
    return r.value().affected();
  }

  Result<std::vector<WebhookRecord>> list(const std::string& state, std::int64_t limit) override {
    if (limit < 1 || limit > 1000) return invalid("limit", "expected 1..1000");
    if (!state.empty() && state != "pending" && state != "processing" && state != "done" && state != "failed")
      return invalid("state", "expected pending, processing, done or failed");
    return in_tx<std::vector<WebhookRecord>>(db_, "", TxMode::read, [&](Session& s) -> Result<std::vector<WebhookRecord>> {
      auto r = db_.list_webhooks(s, state, limit);
      if (!r.ok()) return r.errors();
      return decode_all<WebhookRecord>(r.value(), decode_webhook);
    });
  }

  Result<bool> requeue(const std::string& id, bool replay) override {
    Checks c;
    c.id("id", id);
    if (!c.ok()) return c.errors;
    return in_tx<bool>(db_, "", TxMode::write, [&](Session& s) -> Result<bool> {
      auto n = db_.requeue_webhook(s, id, replay);
      if (!n.ok()) return n.errors();
      return n.value() > 0;
    });
  }

  Result<Done> finish(const Scope& s, const std::string& id, bool ok, const std::string& error) override {
    Checks c;
    c.id("scope.location_id", s.location_id);
    c.id("id", id);
    c.utf8("error", error, 8000);
    if (!c.ok()) return c.errors;
    auto r = run_one(db_, s.location_id, TxMode::write,
                     "UPDATE webhook_inbox SET state = $3, error = $4, processed_at = $5 WHERE location_id = $1 AND id = $2",
                     P({text(s.location_id), text(id), text(ok ? "done" : "failed"), text(error), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    if (r.value().affected() == 0) return not_found("id", "webhook '" + id + "' does not exist in this location");
    return Done{};
  }

 private:
  Database& db_;
};

}  // namespace

const char* const kWebhookColumns =
    "id, location_id, provider, dedupe_key, body, headers_json, signature_valid, state, attempts, "
    "error, received_at, processed_at, event_type, external_location, next_attempt_at";

std::unique_ptr<WebhookInbox> make_sql_webhook_inbox(Database& db) { return std::make_unique<SqlWebhookInbox>(db); }

}  // namespace porchlight::store::detail
