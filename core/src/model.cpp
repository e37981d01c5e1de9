// model.cpp: validation and JSON for the domain records.
//
// Sections:
//   [1] shared checks (ids, language tags, timestamps, schema version)
//   [2] AgentProfile
//   [3] AgentSession
//   [4] Usage and CoachingEvent
//   [5] Lead

#include "porchlight/model.hpp"

#include "porchlight/json_output.hpp"

#include <algorithm>

#include "json_reader.hpp"
#include "text.hpp"

namespace porchlight {

using detail::FieldReader;
using detail::Need;

// ---- [1] shared checks -------------------------------------------------------------------------

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == ':' || c == '-';
  });
}

namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A BCP 47 tag in its common shape: a 2-3 letter language, then subtags of 2-8 letters or digits.
bool is_language_tag(std::string_view tag) {
  std::size_t i = 0;
  while (i < tag.size() && is_alpha(tag[i])) ++i;
  if (i < 2 || i > 3) return false;
  while (i < tag.size()) {
    if (tag[i] != '-') return false;
    std::size_t start = ++i;
    while (i < tag.size() && (is_alpha(tag[i]) || is_digit(tag[i]))) ++i;
    if (i - start < 2 || i - start > 8) return false;
  }
  return true;
}

// RFC 3339: 2026-11-25T15:04:05Z, with optional fraction and numeric offset.
bool is_timestamp(std::string_view t) {
  static constexpr std::string_view kShape = "dddd-dd-ddTdd:dd:dd";
  if (t.size() < kShape.size() + 1 || t.size() > 40) return false;
  for (std::size_t i = 0; i < kShape.size(); ++i)
    if (kShape[i] == 'd' ? !is_digit(t[i]) : t[i] != kShape[i]) return false;
  std::size_t i = kShape.size();
  if (t[i] == '.') {
    ++i;
    const std::size_t start = i;
    while (i < t.size() && is_digit(t[i])) ++i;
    if (i == start) return false;
  }
  const std::string_view zone = t.substr(i);
  if (zone == "Z") return true;
  return zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && is_digit(zone[1]) &&
         is_digit(zone[2]) && zone[3] == ':' && is_digit(zone[4]) && is_digit(zone[5]);
}

std::optional<std::string> read_timestamp(FieldReader& r, std::string_view key) {
  auto s = r.string(key, Need::optional, 40);
  if (s && s->empty()) return std::nullopt;  // "" means absent
  if (s && !is_timestamp(*s)) {
    r.add("invalid_" + std::string(key), r.child_path(key),
          "expected an RFC 3339 timestamp such as 2026-11-25T15:04:05Z, got " + detail::in_quotes(*s));
    return std::nullopt;
  }
  return s;
}

void read_schema_version(FieldReader& r) {
  if (auto v = r.integer("schema_version", Need::optional, 1, 1000); v && *v > kSchemaVersion)
    r.add("invalid_schema_version", r.child_path("schema_version"),
          "version " + std::to_string(*v) + " is newer than this core understands (" +
              std::to_string(kSchemaVersion) + "); upgrade the core");
}

template <class E> json names_json(const std::vector<E>& values) {
  json out = json::array();
  for (E v : values) out.push_back(name_of(v));
  return out;
}

}  // namespace

// ---- [2] AgentProfile --------------------------------------------------------------------------

Result<AgentProfile> profile_from_json(const json& j, std::string_view path) {
  Errors errors;
  FieldReader r(j, "profile", std::string(path), errors);
  if (!r.valid()) return errors;
  r.reject_unknown({"schema_version", "id", "location_id", "shared_pool", "served_locations", "name",
                    "role", "experience", "specializations", "preferences", "access", "team_id"});
  read_schema_version(r);

  AgentProfile p;
  if (auto v = r.id("id", Need::required)) p.id = *v;
  if (auto v = r.id("location_id", Need::required)) p.location_id = *v;
  if (auto v = r.boolean("shared_pool", Need::optional)) p.shared_pool = *v;
  if (auto v = r.string("name", Need::required, 120)) p.name = detail::collapse_whitespace(*v);
  if (auto v = r.enumeration<AgentRole>("role", Need::required)) p.role = *v;
  if (auto v = r.enumeration<ExperienceLevel>("experience", Need::optional)) p.experience = *v;
  if (auto v = r.enumeration<AccessRole>("access", Need::optional)) p.access = *v;
  if (auto v = r.id("team_id", Need::optional)) p.team_id = *v;
  if (p.access == AccessRole::team_lead && p.team_id.empty())
    r.add("missing_team_id", r.child_path("team_id"), "a team lead leads a team: give its team_id");
  p.specializations = r.enum_list<Specialization>("specializations", 6);

  if (const json* locs = r.array("served_locations", Need::optional, 50)) {
    for (std::size_t i = 0; i < locs->size(); ++i) {
      const json& v = (*locs)[i];
      const std::string item = r.child_path("served_locations") + "[" + std::to_string(i) + "]";
      if (!v.is_string() || !is_valid_id(v.get_ref<const std::string&>())) {
        r.add("invalid_served_locations", item, "expected a location id");
        continue;
      }
      const auto& id = v.get_ref<const std::string&>();
      if (std::find(p.served_locations.begin(), p.served_locations.end(), id) ==
          p.served_locations.end())
        p.served_locations.push_back(id);
    }
  }
  if (p.shared_pool && p.served_locations.empty())
    r.add("invalid_served_locations", r.child_path("served_locations"),
          "a shared-pool agent must list the locations it serves");
  if (!p.shared_pool && !p.served_locations.empty())
    r.add("invalid_served_locations", r.child_path("served_locations"),
          "only shared-pool agents serve other locations; set shared_pool to true or remove the list");
  // The home location is always served; keep the list canonical (sorted, home included).
  if (p.shared_pool && !p.location_id.empty() &&
      std::find(p.served_locations.begin(), p.served_locations.end(), p.location_id) ==
          p.served_locations.end())
    p.served_locations.push_back(p.location_id);
  std::sort(p.served_locations.begin(), p.served_locations.end());

  if (const json* prefs = r.object("preferences", Need::optional)) {
    FieldReader pr(*prefs, "profile", r.child_path("preferences"), errors);
    pr.reject_unknown({"tone", "verbosity", "language"});
    if (auto v = pr.enumeration<Tone>("tone", Need::optional)) p.preferences.tone = *v;
    if (auto v = pr.enumeration<Verbosity>("verbosity", Need::optional)) p.preferences.verbosity = *v;
    if (auto v = pr.string("language", Need::optional, 35)) {
      if (is_language_tag(*v)) p.preferences.language = *v;
      else
        pr.add("invalid_language", pr.child_path("language"),
               "expected a BCP 47 language tag such as en, es or pt-BR, got " + detail::in_quotes(*v));
    }
  }
  if (!errors.empty()) return errors;
  return p;
}

json to_json(const AgentProfile& p) {
  return json{{"schema_version", kSchemaVersion},
              {"id", p.id},
              {"location_id", p.location_id},
              {"shared_pool", p.shared_pool},
              {"served_locations", p.served_locations},
              {"name", p.name},
              {"role", name_of(p.role)},
              {"experience", name_of(p.experience)},
              {"specializations", names_json(p.specializations)},
              {"preferences",
               {{"tone", name_of(p.preferences.tone)},
                {"verbosity", name_of(p.preferences.verbosity)},
                {"language", p.preferences.language}}},
              {"access", name_of(p.access)},
              {"team_id", p.team_id}};
}

// ---- [3] AgentSession --------------------------------------------------------------------------

Result<AgentSession> session_from_json(const json& j, std::string_view path) {
  Errors errors;
  FieldReader r(j, "session", std::string(path), errors);
  if (!r.valid()) return errors;
  r.reject_unknown({"schema_version", "id", "location_id", "agent_id", "conversation_id", "lead_id",
                    "surface", "stage", "summary", "turn_count", "started_at", "last_active_at"});
  read_schema_version(r);
  AgentSession s;
  if (auto v = r.id("id", Need::required)) s.id = *v;
  if (auto v = r.id("location_id", Need::required)) s.location_id = *v;
  if (auto v = r.id("agent_id", Need::required)) s.agent_id = *v;
  if (auto v = r.id("conversation_id", Need::required)) s.conversation_id = *v;
  if (auto v = r.id("lead_id", Need::optional)) s.lead_id = *v;
  if (auto v = r.enumeration<Surface>("surface", Need::optional)) s.surface = *v;
  if (auto v = r.enumeration<ConversationStage>("stage", Need::optional)) s.stage = *v;
  if (auto v = r.string("summary", Need::optional, 20000, true)) s.summary = *v;
  if (auto v = r.integer("turn_count", Need::optional, 0, 1000000000)) s.turn_count = *v;
  if (auto v = read_timestamp(r, "started_at")) s.started_at = *v;
  if (auto v = read_timestamp(r, "last_active_at")) s.last_active_at = *v;
  if (!errors.empty()) return errors;
  return s;
}

json to_json(const AgentSession& s) {
  return json{{"schema_version", kSchemaVersion}, {"id", s.id},
              {"location_id", s.location_id},     {"agent_id", s.agent_id},
              {"conversation_id", s.conversation_id}, {"lead_id", s.lead_id},
              {"surface", name_of(s.surface)},    {"stage", name_of(s.stage)},
              {"summary", s.summary},             {"turn_count", s.turn_count},
              {"started_at", s.started_at},       {"last_active_at", s.last_active_at}};
}

// ---- [4] Usage and CoachingEvent ---------------------------------------------------------------

namespace {
constexpr std::int64_t kMaxTokens = 100'000'000;  // per record; far above any context window

constexpr std::pair<std::string_view, std::int64_t Usage::*> kUsageFields[] = {
    {"input_tokens", &Usage::input_tokens},
    {"output_tokens", &Usage::output_tokens},
    {"cache_creation_input_tokens", &Usage::cache_creation_input_tokens},
    {"cache_creation_1h_input_tokens", &Usage::cache_creation_1h_input_tokens},
    {"cache_read_input_tokens", &Usage::cache_read_input_tokens},
    {"web_search_requests", &Usage::web_search_requests},
};

// The rules between a record's counts; add(problem, key, message) reports each one broken.
template <class Add>
void check_usage_rules(const Usage& u, Add&& add) {
  if (u.cache_creation_1h_input_tokens > u.cache_creation_input_tokens)
    add("invalid_cache_creation_1h_input_tokens", "cache_creation_1h_input_tokens",
        "is part of cache_creation_input_tokens and cannot exceed it");
}

Usage read_usage(FieldReader& r) {
  Usage u;
  r.reject_unknown({"input_tokens", "output_tokens", "cache_creation_input_tokens",
                    "cache_creation_1h_input_tokens", "cache_read_input_tokens", "web_search_requests"});
  for (auto [key, field] : kUsageFields)
    if (auto v = r.integer(key, Need::optional, 0, kMaxTokens)) u.*field = *v;
  check_usage_rules(u, [&](std::string_view problem, std::string_view key, std::string message) {
    r.add(problem, r.child_path(key), std::move(message));
  });
  return u;
}
}  // namespace

Errors check_usage(const Usage& u, std::string_view path) {
  Errors errors;
  auto add = [&](std::string_view problem, std::string_view key, std::string message) {
    std::string at = std::string(path) + "." + std::string(key);
    errors.push_back(Error{"usage." + std::string(problem), at + ": " + message, at});
  };
  Usage in_range = u;  // as usage_from_json reads it: a count out of range is reported, then left 0
  for (auto [key, field] : kUsageFields)
    if (u.*field < 0 || u.*field > kMaxTokens) {
      add("invalid_" + std::string(key), key, "must be between 0 and " + std::to_string(kMaxTokens));
      in_range.*field = 0;
    }
  check_usage_rules(in_range, add);
  return errors;
}

Result<Usage> usage_from_json(const json& j, std::string_view path) {
  Errors errors;
  FieldReader r(j, "usage", std::string(path), errors);
  if (!r.valid()) return errors;
  Usage u = read_usage(r);
  if (!errors.empty()) return errors;
  return u;
}

json to_json(const Usage& u) {
  json j{{"input_tokens", u.input_tokens},
         {"output_tokens", u.output_tokens},
         {"cache_creation_input_tokens", u.cache_creation_input_tokens},
         {"cache_creation_1h_input_tokens", u.cache_creation_1h_input_tokens},
         {"cache_read_input_tokens", u.cache_read_input_tokens}};
  if (u.web_search_requests > 0) j["web_search_requests"] = u.web_search_requests;  // only when Claude searched
  return j;
}

Result<CoachingEvent> event_from_json(const json& j, std::string_view path) {
  Errors errors;
  FieldReader r(j, "event", std::string(path), errors);
  if (!r.valid()) return errors;
  r.reject_unknown({"schema_version", "id", "location_id", "agent_id", "session_id",
                    "conversation_id", "guidance_type", "approach_variant", "specialist", "model",
                    "usage", "cost_usd", "latency_ms", "feedback", "feedback_comment", "outcome",
                    "created_at"});
  read_schema_version(r);
  CoachingEvent e;
  if (auto v = r.id("id", Need::required)) e.id = *v;
  if (auto v = r.id("location_id", Need::required)) e.location_id = *v;
  if (auto v = r.id("agent_id", Need::required)) e.agent_id = *v;
  if (auto v = r.id("session_id", Need::optional)) e.session_id = *v;
  if (auto v = r.id("conversation_id", Need::optional)) e.conversation_id = *v;
  if (auto v = r.enumeration<GuidanceType>("guidance_type", Need::required)) e.guidance_type = *v;
  if (auto v = r.string("approach_variant", Need::optional, 64)) e.approach_variant = *v;
  if (auto v = r.enumeration<Specialist>("specialist", Need::required)) e.specialist = *v;
  if (auto v = r.string("model", Need::optional, 100)) e.model = *v;
  if (const json* u = r.object("usage", Need::optional)) {
    FieldReader ur(*u, "event", r.child_path("usage"), errors);
    e.usage = read_usage(ur);
  }
  if (auto v = r.number("cost_usd", Need::optional, 0, 1e9)) e.cost_usd = *v;
  if (auto v = r.integer("latency_ms", Need::optional, 0, 86'400'000)) e.latency_ms = *v;
  if (auto v = r.enumeration<Feedback>("feedback", Need::optional)) e.feedback = *v;
  if (auto v = r.string("feedback_comment", Need::optional, 2000, true)) e.feedback_comment = *v;
  if (auto v = r.enumeration<Outcome>("outcome", Need::optional)) e.outcome = *v;
  if (auto v = read_timestamp(r, "created_at")) e.created_at = *v;
  if (!errors.empty()) return errors;
  return e;
}

json to_json(const CoachingEvent& e) {
  return json{{"schema_version", kSchemaVersion},
              {"id", e.id},
              {"location_id", e.location_id},
              {"agent_id", e.agent_id},
              {"session_id", e.session_id},
              {"conversation_id", e.conversation_id},
              {"guidance_type", name_of(e.guidance_type)},
              {"approach_variant", e.approach_variant},
              {"specialist", name_of(e.specialist)},
              {"model", e.model},
              {"usage", to_json(e.usage)},
              {"cost_usd", e.cost_usd},
              {"latency_ms", e.latency_ms},
              {"feedback", name_of(e.feedback)},
              {"feedback_comment", e.feedback_comment},
              {"outcome", name_of(e.outcome)},
              {"created_at", e.created_at}};
}

// ---- [5] Lead ----------------------------------------------------------------------------------

namespace {
bool is_fact_key(std::string_view k) {
  if (k.empty() || k.size() > 48) return false;
  return std::all_of(k.begin(), k.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || is_digit(c) || c == '_'; });
}
}  // namespace

Result<Lead> lead_from_json(const json& j, std::string_view path) {
  Errors errors;
  FieldReader r(j, "lead", std::string(path), errors);
  if (!r.valid()) return errors;
  r.reject_unknown({"id", "name", "stage", "facts"});
  Lead lead;
  if (auto v = r.id("id", Need::optional)) lead.id = *v;
  if (auto v = r.string("name", Need::optional, 120)) lead.name = detail::collapse_whitespace(*v);
  lead.stage = r.enumeration<ConversationStage>("stage", Need::optional);
  if (const json* facts = r.object("facts", Need::optional)) {
    const std::string facts_path = r.child_path("facts");
    if (facts->size() > 40) {
      r.add("invalid_facts", facts_path, "has " + std::to_string(facts->size()) +
                                             " facts; the limit is 40");
    } else {
      for (auto it = facts->begin(); it != facts->end(); ++it) {
        const std::string item = facts_path + "." + it.key();
        if (!is_fact_key(it.key())) {
          r.add("invalid_facts", facts_path,
                "fact name " + detail::in_quotes(it.key()) +
                    " must be 1-48 characters of a-z, 0-9 and _ (snake_case)");
          continue;
        }
        const json& v = it.value();
        std::string text;
        if (v.is_string()) text = v.get<std::string>();
        else if (v.is_boolean()) text = v.get<bool>() ? "yes" : "no";
        else if (v.is_number()) text = to_json_text(v);
        else if (v.is_null()) continue;
        else {
          r.add("invalid_facts", item,
                "expected a string, number or boolean, got " + std::string(detail::type_name(v)));
          continue;
        }
        if (detail::count_code_points(text) > 500 || detail::has_control_chars(text, true)) {
          r.add("invalid_facts", item, "must be at most 500 characters without control characters");
          continue;
        }
        text = detail::collapse_whitespace(text);
        if (!text.empty()) lead.facts[it.key()] = text;
      }
    }
  }
  if (!errors.empty()) return errors;
  return lead;
}

json to_json(const Lead& lead) {
  json out{{"id", lead.id}, {"name", lead.name}, {"facts", lead.facts}};
  if (lead.stage) out["stage"] = name_of(*lead.stage);
  return out;
}

}  // namespace porchlight
