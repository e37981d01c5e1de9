// store/records.hpp: the records that cross the store's interfaces, and Scope, the tenant every
// tenant call names. Included by store.hpp (the umbrella) and by each aggregate's header.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
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
  std::string agent_id;               // whose turn: the agent who asked, or was answered (hand-offs)
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
  double monthly_usd = 0;             // the location's; 0: no budget
  double agent_monthly_usd = 0;       // each agent's that has none of its own; 0: none
  std::string alert_webhook_url;      // where 80% and 100% alerts are posted; empty: none
  std::map<std::string, double> agents;  // agents' own monthly budgets (scoped_budgets)
  std::map<std::string, double> keys;    // API keys' monthly budgets, by key id
};

// This month's spend per agent and per API key (those that spent anything).
struct ScopedSpend {
  std::map<std::string, double> agents;
  std::map<std::string, double> keys;
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
  // The learning loop's (docs/learning.md): the definition as created (the core's experiment JSON,
  // each variant with what it changes in the request), and the state last published.
  std::string definition = "{}";
  std::string status = "running";     // running, paused, stopped
  std::string winner;                 // set once the sequential test declares one
  std::string allocation = "[]";      // [{variant, share}]: the split in force
  std::int64_t published_trials = 0;  // the rated results the allocation was computed from
  std::string created_at;
  std::string updated_at;
};

// An experiment's results so far, per variant: coaching events given (shown), rated (trials),
// rated helpful (successes), and what the agents did with them.
struct VariantResults {
  std::string variant;
  std::int64_t shown = 0, trials = 0, successes = 0, copied = 0, sent = 0, with_outcome = 0;
};

// Who the agent was and what the turn was about when coaching was given: kept with the coaching
// event, so results can be cut by role, experience, stage, tier and policy version.
struct EventContext {
  std::string lead_id;
  std::string experiment_id;          // the experiment whose variant (approach_variant) shaped it; empty: none
  std::string tier, role, experience, stage, policy_version;
  std::vector<std::string> specializations;
};

// What the agent did with a coaching answer. Fields left unset are left as they were; copies and
// sends add up.
struct FeedbackUpdate {
  std::optional<Feedback> rating;
  std::optional<std::string> reason;   // why the rating ("too_long", "wrong_facts", or words)
  std::optional<std::string> comment;
  std::optional<std::int64_t> edit_distance;  // characters changed in a drafted reply before sending
  std::string edited_text;             // the edited reply: stored only where the location keeps it
  bool copied = false;
  bool sent = false;
};

// A lead's outcome as the CRM reports it, with the coaching events credited for it.
struct LeadOutcome {
  std::string location_id;
  std::string id;
  std::string lead_id;
  std::string agent_id;
  Outcome outcome = Outcome::appointment_set;  // appointment_set .. closed_lost (not pending, no_response, lead_advanced)
  std::string occurred_at;
  std::string source = "api";         // api, gohighlevel, ...
  std::string external_id;            // the sender's id of the event: reported twice, recorded once
  std::vector<std::string> attributed;  // coaching event ids (filled by the store)
  std::string recorded_at;
};

// A location's choices for learning.
struct LearningSettings {
  std::int64_t attribution_days = 30;  // how far before an outcome coaching is credited (1-365)
  bool keep_edited_text = false;       // keep the text of an agent's edit, not only its size
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
  std::string event_type;             // the sender's event name ("InboundMessage")
  std::string external_location;      // the sender's location id (GoHighLevel's locationId)
  std::string next_attempt_at;        // a pending retry waits until then; empty: at once
};

// A GoHighLevel location that installed the app, and the Porchlight location it is.
struct GhlLink {
  std::string ghl_location_id;
  std::string location_id;
  bool installed = true;
  std::string config_json = "{}";     // field_map, stage_map, user_map (docs/ghl.md)
  std::string publishable_key;        // for sign-in from the CRM: public by design (pk_)
  std::string created_at;
  std::string updated_at;
};

// A lead as the CRM keeps it.
struct LeadRecord {
  std::string location_id;
  std::string id;
  std::string name, email, phone, source;
  std::vector<std::string> tags;
  std::map<std::string, std::string> facts;  // the core's lead facts
  std::string agent_id;               // the assigned agent
  bool sms_opt_out = false;           // the lead texted STOP: no more suggested texts
  bool deleted = false;
  std::string updated_at;
};

// One message of the real thread with a lead (a text, an e-mail, a call), as the CRM saw it.
struct LeadMessage {
  std::string location_id;
  std::string id;                     // the CRM's message id: appending twice keeps one
  std::string lead_id;
  std::string direction;              // "inbound" (from the lead) or "outbound"
  std::string channel;                // SMS, Email, WhatsApp, FB, IG, Live_Chat, Call...
  std::string body;
  std::string agent_id;
  std::string at;
};

// A guidance card for an agent's live socket, kept for an agent who is offline until expires_at.
struct LiveCard {
  std::string location_id;
  std::string id;                     // made from what caused it (a webhook id): stored once
  std::string agent_id;
  std::string lead_id;
  std::string card_json;
  std::string created_at;
  std::string expires_at;
  std::string delivered_at;           // empty: not yet
};

// Analytics rows for the dashboard (days are UTC dates "2026-11-25").
struct EffectivenessRow {  // per agent: a caller may see some agents only
  std::string day, agent_id, guidance_type, approach_variant;
  std::int64_t events = 0, helpful = 0, not_helpful = 0;
};
struct LatencyRow {  // one completed answer
  std::string agent_id;
  std::int64_t latency_ms = 0;
};
struct UsageRow {
  std::string day, agent_id, model;
  std::int64_t requests = 0, input_tokens = 0, output_tokens = 0, cache_read_tokens = 0,
               cache_write_tokens = 0;
  double cost_usd = 0;
};

// Insights rows (GET /v1/insights), per agent: a caller may see some agents only.
struct GuidanceUseRow {  // what agents did with one guidance type's answers
  std::string agent_id, guidance_type;
  std::int64_t events = 0, helpful = 0, not_helpful = 0;
  std::int64_t used = 0;     // copied or sent
  std::int64_t ignored = 0;  // neither copied, sent, edited nor rated
  std::int64_t edited = 0;   // sent with an edit distance reported
};
struct EditDistanceRow {  // one drafted reply the agent edited before sending
  std::string agent_id;
  std::int64_t distance = 0;
};
struct ObjectionTopic {  // a kind of objection and the words of an agent's question that name it
  std::string id;
  std::vector<std::string> phrases;  // lowercase; matched anywhere in the question
};
struct ObjectionRow {
  std::string agent_id, topic;  // topic: an ObjectionTopic's id, or "other"
  std::int64_t events = 0;
};
struct FirstResponseRow {  // a lead's first inbound message and the first outbound one after it
  std::string lead_id, agent_id;  // the assigned agent, else the one who answered
  std::string first_inbound_at;
  std::string first_response_at;  // empty: no answer yet
};
struct OpenLeadRow {  // a lead as it stands: its facts, its stage and since when
  std::string lead_id, agent_id;
  std::map<std::string, std::string> facts;
  std::string stage, stage_since;  // empty: no stage recorded
  std::string first_seen_at;       // its first stage or message, whichever came first
};
struct OutcomeCountRow {
  std::string agent_id, outcome;
  std::int64_t count = 0;
};

}  // namespace porchlight::store
