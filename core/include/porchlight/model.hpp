// porchlight/model.hpp: the domain model: agent profiles, sessions, coaching events and the enums
// they use, with validation (every field error at once) and a versioned JSON form.
//
// Enum spellings in JSON are the names listed in EnumNames<E>; they are part of the API.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "porchlight/error.hpp"

namespace porchlight {

using json = nlohmann::json;

inline constexpr int kSchemaVersion = 1;

// ---- Enums -------------------------------------------------------------------------------------

enum class AgentRole { buyer_agent, listing_agent, transaction_coordinator, team_lead };
// What an agent may see of others' coaching (AgentRole is what they do, and what coaching adapts to):
// their own; their team's (team_lead); the location's (location_admin).
enum class AccessRole { agent, team_lead, location_admin };
enum class ExperienceLevel { novice, intermediate, experienced, expert };
enum class Specialization {
  luxury, first_time_buyers, investors, relocation, new_construction, military_veterans,
  seniors_downsizing, distressed_properties, condos_townhomes, land_rural
};
enum class Tone { friendly, direct, formal, encouraging };
enum class Verbosity { brief, standard, detailed };
// The lead lifecycle, buyer and seller alike, from first contact to a closed outcome.
enum class ConversationStage {
  new_lead, contacted, qualifying, nurturing, appointment_set, agreement_signed, active,
  offer_negotiation, under_contract, clear_to_close, closed_won, closed_lost
};
enum class Specialist {
  coaching, qualification, objection_handling, market_analysis, action_planning, compliance,
  listing_marketing, transaction_timeline, negotiation
};
enum class ModelTier { fast, balanced, deep };
enum class GuidanceType {
  coaching_tip, next_question, objection_response, market_insight, next_best_action,
  compliance_alert, listing_copy, deadline_reminder, negotiation_plan
};
enum class Surface { widget, streamlit, api, live, playground };
enum class Feedback { none, helpful, not_helpful };
enum class Outcome {
  pending, no_response, lead_advanced, appointment_set, agreement_signed, offer_written,
  under_contract, closed_won, closed_lost
};
// The cards guidance_cards() builds (qualify.hpp), by their "type".
enum class CardType {
  next_best_action, qualification_checklist, deadlines, compliance_alert, coaching_tip, proposed_facts,
  stage_change
};
// A checklist item read from the lead's facts (qualify.hpp), and how loud a problem is: an alert is
// a compliance matter (stop, or fix before acting); a tip is coaching.
enum class ItemStatus { unknown, ok, problem };
enum class Severity { alert, tip };
// The events of the coaching stream (POST /v1/coach and its resume), a protocol vocabulary the
// proxy and its clients share: meta, route, a compound request's steps as they run, deltas (a
// notice when the playbooks take over), cards, usage, an error if any, and done last.
enum class CoachEvent { meta, route, step, delta, notice, card, usage, error, done };

template <class E> struct EnumNames;
#define PORCHLIGHT_ENUM_NAMES(E, what, ...)                                              \
  template <> struct EnumNames<E> {                                                      \
    static constexpr std::string_view kind = what;                                       \
    static constexpr auto names = std::to_array<std::string_view>({__VA_ARGS__});        \
  };
PORCHLIGHT_ENUM_NAMES(AccessRole, "access", "agent", "team_lead", "location_admin")
PORCHLIGHT_ENUM_NAMES(AgentRole, "role", "buyer_agent", "listing_agent", "transaction_coordinator",
                      "team_lead")
PORCHLIGHT_ENUM_NAMES(ExperienceLevel, "experience", "novice", "intermediate", "experienced", "expert")
PORCHLIGHT_ENUM_NAMES(Specialization, "specialization", "luxury", "first_time_buyers", "investors",
                      "relocation", "new_construction", "military_veterans", "seniors_downsizing",
                      "distressed_properties", "condos_townhomes", "land_rural")
PORCHLIGHT_ENUM_NAMES(Tone, "tone", "friendly", "direct", "formal", "encouraging")
PORCHLIGHT_ENUM_NAMES(Verbosity, "verbosity", "brief", "standard", "detailed")
PORCHLIGHT_ENUM_NAMES(ConversationStage, "stage", "new_lead", "contacted", "qualifying", "nurturing",
                      "appointment_set", "agreement_signed", "active", "offer_negotiation",
                      "under_contract", "clear_to_close", "closed_won", "closed_lost")
PORCHLIGHT_ENUM_NAMES(Specialist, "specialist", "coaching", "qualification", "objection_handling",
                      "market_analysis", "action_planning", "compliance", "listing_marketing",
                      "transaction_timeline", "negotiation")
PORCHLIGHT_ENUM_NAMES(ModelTier, "tier", "fast", "balanced", "deep")
PORCHLIGHT_ENUM_NAMES(GuidanceType, "guidance_type", "coaching_tip", "next_question",
                      "objection_response", "market_insight", "next_best_action", "compliance_alert",
                      "listing_copy", "deadline_reminder", "negotiation_plan")
PORCHLIGHT_ENUM_NAMES(Surface, "surface", "widget", "streamlit", "api", "live", "playground")
PORCHLIGHT_ENUM_NAMES(Feedback, "feedback", "none", "helpful", "not_helpful")
PORCHLIGHT_ENUM_NAMES(Outcome, "outcome", "pending", "no_response", "lead_advanced", "appointment_set",
                      "agreement_signed", "offer_written", "under_contract", "closed_won",
                      "closed_lost")
PORCHLIGHT_ENUM_NAMES(CardType, "card_type", "next_best_action", "qualification_checklist", "deadlines",
                      "compliance_alert", "coaching_tip", "proposed_facts", "stage_change")
PORCHLIGHT_ENUM_NAMES(ItemStatus, "status", "unknown", "ok", "problem")
PORCHLIGHT_ENUM_NAMES(Severity, "severity", "alert", "tip")
PORCHLIGHT_ENUM_NAMES(CoachEvent, "coach_event", "meta", "route", "step", "delta", "notice", "card", "usage",
                      "error", "done")
#undef PORCHLIGHT_ENUM_NAMES

template <class E> constexpr std::string_view name_of(E value) {
  return EnumNames<E>::names[static_cast<std::size_t>(value)];
}
template <class E> constexpr std::optional<E> parse_enum(std::string_view name) {
  for (std::size_t i = 0; i < EnumNames<E>::names.size(); ++i)
    if (EnumNames<E>::names[i] == name) return static_cast<E>(i);
  return std::nullopt;
}
template <class E> constexpr std::size_t enum_count() { return EnumNames<E>::names.size(); }

// ---- Records -----------------------------------------------------------------------------------

struct Preferences {
  Tone tone = Tone::friendly;
  Verbosity verbosity = Verbosity::standard;
  std::string language = "en";  // BCP 47 tag: "en", "es", "pt-BR"
};

struct AgentProfile {
  std::string id;
  std::string location_id;                   // the home location (tenant)
  bool shared_pool = false;                  // serves several locations (e.g. an ISA or a TC pool)
  std::vector<std::string> served_locations; // only for shared-pool agents; includes location_id
  std::string name;
  AgentRole role = AgentRole::buyer_agent;
  ExperienceLevel experience = ExperienceLevel::intermediate;
  std::vector<Specialization> specializations;
  Preferences preferences;
  AccessRole access = AccessRole::agent;
  std::string team_id;  // the team it belongs to (or, for a team lead, leads); empty: none
};

struct AgentSession {
  std::string id;
  std::string location_id;
  std::string agent_id;
  std::string conversation_id;  // shared by every surface: see context.hpp
  std::string lead_id;          // empty when the session is not about one lead
  Surface surface = Surface::widget;
  ConversationStage stage = ConversationStage::new_lead;
  std::string summary;          // rolling summary of turns folded out of the context window
  std::int64_t turn_count = 0;
  std::string started_at;       // RFC 3339, UTC
  std::string last_active_at;
};

struct Usage {
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::int64_t cache_creation_input_tokens = 0;     // all prompt-cache writes, as the API reports
  std::int64_t cache_creation_1h_input_tokens = 0;  // the part of them written with a 1-hour TTL
  std::int64_t cache_read_input_tokens = 0;
  std::int64_t web_search_requests = 0;  // server tool uses billed apart from tokens (usage.server_tool_use)
};

struct CoachingEvent {
  std::string id;
  std::string location_id;
  std::string agent_id;
  std::string session_id;
  std::string conversation_id;
  GuidanceType guidance_type = GuidanceType::coaching_tip;
  std::string approach_variant = "control";  // the experiment arm that shaped the prompt
  Specialist specialist = Specialist::coaching;
  std::string model;
  Usage usage;
  double cost_usd = 0;
  std::int64_t latency_ms = 0;
  Feedback feedback = Feedback::none;
  std::string feedback_comment;
  Outcome outcome = Outcome::pending;
  std::string created_at;
};

// What the agent knows about the lead in front of them. Facts are pinned into every prompt.
struct Lead {
  std::string id;
  std::string name;
  std::optional<ConversationStage> stage;
  std::map<std::string, std::string> facts;  // "price_range" -> "$450-500k", "pre_approved" -> "yes"
};

// ---- Validation and JSON -----------------------------------------------------------------------
// from_json validates and returns every field error at once; paths start with `path`.
// to_json writes the canonical form, with "schema_version".

Result<AgentProfile> profile_from_json(const json& j, std::string_view path = "profile");
json to_json(const AgentProfile& profile);

Result<AgentSession> session_from_json(const json& j, std::string_view path = "session");
json to_json(const AgentSession& session);

Result<CoachingEvent> event_from_json(const json& j, std::string_view path = "event");
json to_json(const CoachingEvent& event);

Result<Usage> usage_from_json(const json& j, std::string_view path = "usage");
json to_json(const Usage& usage);
// The same rules as usage_from_json, for a record built in code (no JSON round trip).
Errors check_usage(const Usage& usage, std::string_view path = "usage");

Result<Lead> lead_from_json(const json& j, std::string_view path = "lead");
json to_json(const Lead& lead);

// Ids from CRMs are opaque; we accept 1-64 chars of [A-Za-z0-9_.:-].
bool is_valid_id(std::string_view id);

}  // namespace porchlight
