// store/conformance/fixtures.hpp: what the store conformance suite shares. The suite: every
// behaviour of store.hpp, a file an aggregate, run unchanged against SQLite, Postgres (as
// porchlight_app, under RLS) and the cache-aside decorator over SQLite.
//
// Each test makes its own locations (random ids), so tests never see each other's rows.
#pragma once

#include <string>

#include "store/backends.hpp"
#include "store/store_util.hpp"

#define STORE_BACKENDS porchlight::test::SqliteBackend, porchlight::test::PostgresBackend, \
                       porchlight::test::CachedSqliteBackend

namespace porchlight::test {

inline store::Scope new_location(store::Store& db) {
  return store::Scope{REQUIRE_OK(db.admin().create_location("Test Realty")).id};
}

inline AgentProfile make_profile(const store::Scope& s, const std::string& id, const std::string& name = "Dana Reyes") {
  AgentProfile p;
  p.id = id;
  p.location_id = s.location_id;
  p.name = name;
  p.role = AgentRole::listing_agent;
  p.experience = ExperienceLevel::experienced;
  p.specializations = {Specialization::luxury, Specialization::relocation};
  p.preferences.tone = Tone::direct;
  p.preferences.verbosity = Verbosity::brief;
  p.preferences.language = "es";
  return p;
}

inline store::Conversation make_conversation(const store::Scope& s) {
  store::Conversation c;
  c.id = unique("cv_") + "0123456789abcdef0123";
  c.location_id = s.location_id;
  c.agent_id = "agent_1";
  c.lead_id = "lead_9";
  c.stage = ConversationStage::qualifying;
  return c;
}

inline store::Message make_message(const std::string& conversation, const std::string& role, const std::string& content) {
  store::Message m;
  m.conversation_id = conversation;
  m.role = role;
  m.content = content;
  m.status = role == "user" ? store::MessageStatus::complete : store::MessageStatus::streaming;
  m.surface = "widget";
  return m;
}

inline CoachingEvent make_event(const store::Scope& s, const std::string& id, const std::string& created_at) {
  CoachingEvent e;
  e.id = id;
  e.location_id = s.location_id;
  e.agent_id = "agent_1";
  e.session_id = "sess_1";
  e.conversation_id = "cv_1";
  e.guidance_type = GuidanceType::objection_response;
  e.approach_variant = "control";
  e.specialist = Specialist::objection_handling;
  e.model = "claude-sonnet-4-5";
  e.usage.input_tokens = 1200;
  e.usage.output_tokens = 300;
  e.usage.cache_read_input_tokens = 1000;
  e.cost_usd = 0.01234567;
  e.latency_ms = 850;
  e.created_at = created_at;
  return e;
}

inline std::string hash_of(const std::string& key) { return store::detail::sha256_hex(key); }

inline bool is_canonical_time(const std::string& t) {
  auto c = store::detail::canonical_timestamp(t);
  return c && *c == t;
}

}  // namespace porchlight::test

// The suite's files name records and helpers unqualified (this header is theirs alone).
using namespace porchlight;
using namespace porchlight::store;
using namespace porchlight::test;
