// store/store.hpp: the repository interface. Every tenant call takes a Scope (the location); the
// few cross-tenant calls are admin operations and say so. Implementations: Postgres (libpq, RLS as
// a second wall) and SQLite (the embedded default); both pass tests/proxy/store/conformance.
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

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "porchlight/error.hpp"
#include "porchlight/model.hpp"

namespace porchlight::store {

struct Scope {
  std::string location_id;
};

// Result<void> stand-in.
struct Done {};

struct Location {
  std::string id;
  std::string name;
  std::string agent_token_secret;  // signs agent tokens (HMAC); never leaves the proxy
  std::string created_at;
};

enum class KeyKind { publishable, secret };  // pk_ (browser) and sk_ (server)

struct ApiKey {
  std::string id;
  std::string location_id;
  KeyKind kind = KeyKind::publishable;
  std::string prefix;                        // first characters of the key, for display and revoke
  std::string key_hash;                      // SHA-256 hex of the whole key; the key is never stored
  std::vector<std::string> scopes;           // e.g. "coach", "messages", "admin"
  std::vector<std::string> allowed_origins;  // pk only: exact origins ("https://app.example.com")
  std::string created_at;
  std::optional<std::string> revoked_at;
};

enum class MessageStatus { pending, streaming, complete, incomplete, failed };
std::string_view to_string(MessageStatus s);
std::optional<MessageStatus> parse_message_status(std::string_view s);

struct Conversation {
  std::string id;  // porchlight::conversation_id() or a client's random cv_ id
  std::string location_id;
  std::string agent_id;
  std::string lead_id;
  ConversationStage stage = ConversationStage::new_lead;
  std::string summary;                // summary of messages with seq <= summary_through_seq
  std::int64_t summary_through_seq = 0;
  std::string created_at;
  std::string updated_at;
};

struct Message {
  std::string id;
  std::string conversation_id;
  std::string location_id;
  std::int64_t seq = 0;               // 1, 2, 3... per conversation, assigned by the store
  std::string role;                   // "user" or "assistant"
  std::string content;
  MessageStatus status = MessageStatus::complete;
  std::string surface;                // widget, streamlit, api, live, playground
  std::string specialist;             // assistant messages: who answered
  std::string model;
  Usage usage;
  double cost_usd = 0;
  std::int64_t latency_ms = 0;
  std::string event_id;               // the coaching event this answer belongs to
  std::string created_at;
  std::string updated_at;
};

struct UsageRecord {
  std::string location_id;
  std::string key_id;
  std::string agent_id;
  std::string request_id;
  std::string kind;                   // "coach", "messages" or "live"
  std::string model;
  Usage usage;
  double cost_usd = 0;
  std::string at;                     // RFC 3339; the month of a budget is taken from it (UTC)
};

struct Budget {
  double monthly_usd = 0;             // 0: no budget
};

struct RateLimits {                   // per minute; 0: unlimited
  std::int64_t key_requests = 0, key_tokens = 0;
  std::int64_t agent_requests = 0, agent_tokens = 0;
  std::int64_t location_requests = 0, location_tokens = 0;
};

struct Experiment {
  std::string id;
  std::string location_id;
  std::string name;
  std::vector<std::string> variants;  // "control" first
  bool active = true;
};

struct WebhookRecord {
  std::string id;
  std::string location_id;
  std::string provider;               // "gohighlevel"
  std::string dedupe_key;             // unique per (location, provider)
  std::string body;                   // raw bytes as received
  std::string headers_json;
  bool signature_valid = false;
  std::string state = "pending";      // pending, processing, done, failed
  std::int64_t attempts = 0;
  std::string error;
  std::string received_at;
  std::string processed_at;
};

// Analytics rows for the dashboard (days are UTC dates "2026-11-25").
struct EffectivenessRow {
  std::string day, guidance_type, approach_variant;
  std::int64_t events = 0, helpful = 0, not_helpful = 0;
};
struct UsageRow {
  std::string day, agent_id, model;
  std::int64_t requests = 0, input_tokens = 0, output_tokens = 0, cache_read_tokens = 0,
               cache_write_tokens = 0;
  double cost_usd = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  virtual std::string_view backend() const = 0;  // "postgres" or "sqlite"
  virtual Result<Done> ping() = 0;

  // ---- admin: cross-tenant by nature ----
  virtual Result<Location> create_location(const std::string& name) = 0;
  virtual Result<std::optional<Location>> find_location(const std::string& id) = 0;
  // The location with this id, created (with a fresh secret) if it does not exist: for fixed,
  // well-known locations such as the demo's.
  virtual Result<Location> ensure_location(const std::string& id, const std::string& name) = 0;
  virtual Result<ApiKey> create_api_key(const ApiKey& key) = 0;  // id and created_at assigned
  // Looks a presented key up by its hash, before any tenant is known.
  virtual Result<std::optional<ApiKey>> find_api_key_by_hash(const std::string& key_hash) = 0;
  virtual Result<bool> revoke_api_key(const std::string& id_or_prefix) = 0;

  // ---- profiles (shared-pool agents are visible from every location they serve) ----
  virtual Result<AgentProfile> put_profile(const Scope& s, const AgentProfile& p) = 0;  // create or replace
  virtual Result<std::optional<AgentProfile>> get_profile(const Scope& s, const std::string& id) = 0;
  virtual Result<std::vector<AgentProfile>> list_profiles(const Scope& s) = 0;
  virtual Result<bool> delete_profile(const Scope& s, const std::string& id) = 0;

  // ---- sessions ----
  virtual Result<AgentSession> put_session(const Scope& s, const AgentSession& session) = 0;
  virtual Result<std::optional<AgentSession>> get_session(const Scope& s, const std::string& id) = 0;

  // ---- conversations and the durable transcript ----
  // Returns the conversation, creating it if new. A conversation id that exists in another
  // location is store.conflict (ids never cross tenants).
  virtual Result<Conversation> open_conversation(const Scope& s, const Conversation& c) = 0;
  virtual Result<std::optional<Conversation>> get_conversation(const Scope& s, const std::string& id) = 0;
  virtual Result<Done> update_conversation(const Scope& s, const std::string& id,
                                           ConversationStage stage, const std::string& summary,
                                           std::int64_t summary_through_seq) = 0;
  // Appends with the next seq; returns the stored message (id, seq, timestamps set). Durable on
  // return: the proxy acknowledges nothing before this returns.
  virtual Result<Message> append_message(const Scope& s, const Message& m) = 0;
  // Replaces content, status, usage, cost and latency of message m.id (streaming appends, final);
  // also model, specialist and event_id when they are not empty. m.conversation_id, when set,
  // must match. store.not_found when there is no such message in this location.
  virtual Result<Done> update_message(const Scope& s, const Message& m) = 0;
  virtual Result<std::vector<Message>> list_messages(const Scope& s, const std::string& conversation_id,
                                                     std::int64_t after_seq, std::int64_t limit) = 0;
  virtual Result<std::optional<Message>> get_message(const Scope& s, const std::string& id) = 0;

  // ---- coaching history ----
  virtual Result<Done> record_event(const Scope& s, const CoachingEvent& e) = 0;
  virtual Result<std::optional<CoachingEvent>> get_event(const Scope& s, const std::string& id) = 0;
  virtual Result<bool> set_feedback(const Scope& s, const std::string& event_id, Feedback f,
                                    const std::string& comment) = 0;
  virtual Result<bool> set_outcome(const Scope& s, const std::string& event_id, Outcome o) = 0;

  // ---- usage, budgets and limits ----
  // Idempotent per (location, request_id) when request_id is set: a retry is not counted twice.
  // A batch is one transaction: all of it is written, or (an invalid record) none of it.
  virtual Result<Done> record_usage_batch(const Scope& s, const std::vector<UsageRecord>& batch) = 0;
  Result<Done> record_usage(const Scope& s, const UsageRecord& u) { return record_usage_batch(s, {u}); }
  virtual Result<double> month_spend_usd(const Scope& s, const std::string& month /* "2026-11" */) = 0;
  virtual Result<Budget> get_budget(const Scope& s) = 0;
  virtual Result<Done> set_budget(const Scope& s, const Budget& b) = 0;
  virtual Result<RateLimits> get_rate_limits(const Scope& s) = 0;
  virtual Result<Done> set_rate_limits(const Scope& s, const RateLimits& r) = 0;

  // ---- experiments ----
  virtual Result<Done> put_experiment(const Scope& s, const Experiment& e) = 0;
  virtual Result<std::vector<Experiment>> list_experiments(const Scope& s) = 0;
  // The stored arm for (experiment, agent), assigning `variant` first if there is none yet.
  virtual Result<std::string> assign(const Scope& s, const std::string& experiment_id,
                                     const std::string& agent_id, const std::string& variant) = 0;

  // ---- webhooks: acknowledged only once inserted ----
  // Returns false (and stores nothing) when (location, provider, dedupe_key) is already there.
  virtual Result<bool> insert_webhook(const Scope& s, const WebhookRecord& w) = 0;
  // Admin (the worker serves every location): takes up to `limit` pending records, marking them
  // processing.
  virtual Result<std::vector<WebhookRecord>> claim_webhooks(std::int64_t limit) = 0;
  virtual Result<Done> finish_webhook(const Scope& s, const std::string& id, bool ok,
                                      const std::string& error) = 0;

  // ---- analytics (dashboard) over [from_day, to_day] inclusive, UTC days ----
  virtual Result<std::vector<EffectivenessRow>> effectiveness(const Scope& s, const std::string& from_day,
                                                              const std::string& to_day) = 0;
  virtual Result<std::vector<UsageRow>> usage_by_agent(const Scope& s, const std::string& from_day,
                                                       const std::string& to_day) = 0;
  // Latencies (ms) of completed answers in the range, for percentiles.
  virtual Result<std::vector<std::int64_t>> latencies_ms(const Scope& s, const std::string& from_day,
                                                         const std::string& to_day) = 0;
};

// Opens a store from a URL: "postgresql://..." or "sqlite:///abs/path.db" / "sqlite://relative.db".
// Does not migrate (see migrate.hpp), but connects once and checks that the schema is current
// (store.not_migrated otherwise; store.unavailable when the database cannot be reached).
// On Postgres, connect as porchlight_app (docs/operations.md), never as the owner.
Result<std::unique_ptr<Store>> open_store(const std::string& url, int pool_size = 8);

}  // namespace porchlight::store
