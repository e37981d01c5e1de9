// store/sql/profiles.cpp: agent profiles and sessions (store/profiles.hpp), for both backends.

#include <algorithm>

#include "store/sql/repository.hpp"
#include "store/sql/sql_store.hpp"
#include "store/store_util.hpp"

namespace porchlight::store::detail {

namespace {

const std::string kProfileColumns =
    "p.location_id, p.id, p.name, p.role, p.experience, p.specializations, p.preferences, "
    "p.shared_pool, p.served_locations, p.access, p.team_id";

Result<AgentProfile> decode_profile(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  AgentProfile p;
  p.location_id = d.str();
  p.id = d.str();
  p.name = d.str();
  p.role = d.enumeration<AgentRole>();
  p.experience = d.enumeration<ExperienceLevel>();
  for (const std::string& s : d.strings()) {
    auto v = parse_enum<Specialization>(s);
    if (!v) d.note("specialization", s);
    else p.specializations.push_back(*v);
  }
  json prefs = d.structured();
  if (prefs.is_object()) {
    if (auto v = parse_enum<Tone>(prefs.value("tone", ""))) p.preferences.tone = *v;
    if (auto v = parse_enum<Verbosity>(prefs.value("verbosity", ""))) p.preferences.verbosity = *v;
    p.preferences.language = prefs.value("language", "en");
  }
  p.shared_pool = d.flag();
  p.served_locations = d.strings();
  p.access = d.enumeration<AccessRole>();
  p.team_id = d.str();
  if (!d.problem.empty()) return internal("agent_profiles: " + d.problem);
  return p;
}

const std::string kSessionColumns =
    "location_id, id, agent_id, conversation_id, lead_id, surface, stage, summary, turn_count, "
    "started_at, last_active_at";

Result<AgentSession> decode_session(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  AgentSession s;
  s.location_id = d.str();
  s.id = d.str();
  s.agent_id = d.str();
  s.conversation_id = d.str();
  s.lead_id = d.str();
  s.surface = d.enumeration<Surface>();
  s.stage = d.enumeration<ConversationStage>();
  s.summary = d.str();
  s.turn_count = d.i64();
  s.started_at = d.time();
  s.last_active_at = d.time();
  if (!d.problem.empty()) return internal("agent_sessions: " + d.problem);
  return s;
}

// A profile is visible in its home location and, when shared, in every location it serves that
// accepts its home. The home row wins when a served location has its own agent with the same id.
const std::string kProfileVisible =
    "(p.location_id = $1 OR (p.shared_pool AND EXISTS (SELECT 1 FROM agent_location_access a "
    "WHERE a.location_id = p.location_id AND a.agent_id = p.id AND a.served_location_id = $1) "
    "AND EXISTS (SELECT 1 FROM shared_pool_consents c WHERE c.location_id = $1 AND c.from_location_id = p.location_id)))";

std::vector<std::string> first_column(const Rows& rows) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < rows.size(); ++i) out.push_back(rows.text(i, 0));
  return out;
}

class SqlProfiles final : public Profiles {
 public:
  explicit SqlProfiles(Database& db) : db_(db) {}

  Result<AgentProfile> put(const Scope& s, const AgentProfile& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    AgentProfile p = input;
    Checks c;
    check_location(c, s, p.location_id, "profile.location_id");
    if (!c.ok()) return c.errors;
    auto valid = profile_from_json(to_json(p));  // canonical form: sorted served list, home included
    if (!valid.ok()) {
      c.core(valid.errors());
      return c.errors;
    }
    p = std::move(valid).value();
    json specs = json::array();
    for (Specialization sp : p.specializations) specs.push_back(name_of(sp));
    const json prefs{{"tone", name_of(p.preferences.tone)},
                     {"verbosity", name_of(p.preferences.verbosity)},
                     {"language", p.preferences.language}};
    const std::string now = now_rfc3339();

    return in_tx<AgentProfile>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<AgentProfile> {
      auto r = db.run(
          "INSERT INTO agent_profiles (location_id, id, name, role, experience, specializations, preferences, "
          "shared_pool, served_locations, access, team_id, created_at, updated_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) "
          "ON CONFLICT (location_id, id) DO UPDATE SET name = excluded.name, role = excluded.role, "
          "experience = excluded.experience, specializations = excluded.specializations, "
          "preferences = excluded.preferences, shared_pool = excluded.shared_pool, "
          "served_locations = excluded.served_locations, access = excluded.access, team_id = excluded.team_id, "
          "updated_at = excluded.updated_at",
          P({text(p.location_id), text(p.id), text(p.name), text(name_of(p.role)), text(name_of(p.experience)),
             text(specs.dump()), text(prefs.dump()), boolean(p.shared_pool), text(names_json(p.served_locations).dump()),
             text(name_of(p.access)), text(p.team_id), text(now)}));
      if (!r.ok()) return r.errors();
      r = db.run("DELETE FROM agent_location_access WHERE location_id = $1 AND agent_id = $2",
                 P({text(p.location_id), text(p.id)}));
      if (!r.ok()) return r.errors();
      for (const std::string& served : p.served_locations) {
        if (served == p.location_id) continue;
        r = db.run("INSERT INTO agent_location_access (location_id, agent_id, served_location_id) VALUES ($1, $2, $3)",
                   P({text(p.location_id), text(p.id), text(served)}));
        if (!r.ok()) {
          Errors errors = r.errors();
          if (errors.front().code == "store.invalid")
            errors.front() = invalid("profile.served_locations", "location '" + served + "' does not exist");
          return errors;
        }
      }
      return p;
    });
  }

  Result<std::optional<AgentProfile>> get(const Scope& s, const std::string& id) override {
    if (auto e = check_scoped_id(s, "id", id); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kProfileColumns + " FROM agent_profiles p WHERE p.id = $2 AND " + kProfileVisible +
                         " ORDER BY CASE WHEN p.location_id = $1 THEN 0 ELSE 1 END, p.location_id LIMIT 1",
                     P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    return decode_first<AgentProfile>(r.value(), decode_profile);
  }

  Result<std::vector<AgentProfile>> list(const Scope& s) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT " + kProfileColumns + " FROM agent_profiles p WHERE " + kProfileVisible +
                         " ORDER BY p.id, CASE WHEN p.location_id = $1 THEN 0 ELSE 1 END, p.location_id",
                     P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    return decode_all<AgentProfile>(r.value(), decode_profile);
  }

  Result<bool> remove(const Scope& s, const std::string& id) override {
    if (auto e = check_scoped_id(s, "id", id); !e.empty()) return e;
    return in_tx<bool>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<bool> {
      auto r = db.run("DELETE FROM agent_location_access WHERE location_id = $1 AND agent_id = $2",
                      P({text(s.location_id), text(id)}));
      if (!r.ok()) return r.errors();
      r = db.run("DELETE FROM agent_profiles WHERE location_id = $1 AND id = $2", P({text(s.location_id), text(id)}));
      if (!r.ok()) return r.errors();
      return r.value().affected() > 0;
    });
  }

  // ---- shared pools ----

  Result<std::vector<std::string>> accepted_pools(const Scope& s) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT from_location_id FROM shared_pool_consents WHERE location_id = $1 ORDER BY from_location_id",
                     P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    return first_column(r.value());
  }

  Result<std::vector<std::string>> accept_pools(const Scope& s, const std::vector<std::string>& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    std::vector<std::string> homes = input;
    std::sort(homes.begin(), homes.end());
    homes.erase(std::unique(homes.begin(), homes.end()), homes.end());
    Checks c;
    if (homes.size() > 100) c.fail("settings.shared_pool_from", "at most 100 locations");
    for (const auto& home : homes) {
      c.id("settings.shared_pool_from", home);
      if (home == s.location_id) c.fail("settings.shared_pool_from", "a location's own agents need no consent");
    }
    if (!c.ok()) return c.errors;
    const std::string now = now_rfc3339();
    return in_tx<std::vector<std::string>>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<std::vector<std::string>> {
      auto r = db.run("DELETE FROM shared_pool_consents WHERE location_id = $1", P({text(s.location_id)}));
      if (!r.ok()) return r.errors();
      for (const auto& home : homes) {
        r = db.run("INSERT INTO shared_pool_consents (location_id, from_location_id, created_at) VALUES ($1, $2, $3)",
                   P({text(s.location_id), text(home), text(now)}));
        if (!r.ok()) {
          Errors errors = r.errors();
          if (errors.front().code == "store.invalid")
            errors.front() = invalid("settings.shared_pool_from", "location '" + home + "' does not exist");
          return errors;
        }
      }
      return homes;
    });
  }

  Result<std::vector<std::string>> accepting(const Scope& s, const std::vector<std::string>& locations) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    auto r = run_one(db_, s.location_id, TxMode::read,
                     "SELECT location_id FROM shared_pool_consents WHERE from_location_id = $1", P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    const std::vector<std::string> all = first_column(r.value());
    std::vector<std::string> out;
    for (const auto& l : locations)
      if (std::find(all.begin(), all.end(), l) != all.end()) out.push_back(l);
    return out;
  }

  // ---- sessions ----

  Result<AgentSession> put_session(const Scope& s, const AgentSession& input) override {
    if (auto e = check_scope(s); !e.empty()) return e;
    AgentSession x = input;
    Checks c;
    check_location(c, s, x.location_id, "session.location_id");
    c.time("session.started_at", x.started_at);
    c.time("session.last_active_at", x.last_active_at);
    if (!c.ok()) return c.errors;
    if (auto valid = session_from_json(to_json(x)); !valid.ok()) {
      c.core(valid.errors());
      return c.errors;
    }
    return in_tx<AgentSession>(db_, s.location_id, TxMode::write, [&](Session& db) -> Result<AgentSession> {
      // A session starts once: replacing it keeps its started_at.
      auto r = db.run(
          "INSERT INTO agent_sessions (" + kSessionColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
          "ON CONFLICT (location_id, id) DO UPDATE SET agent_id = excluded.agent_id, "
          "conversation_id = excluded.conversation_id, lead_id = excluded.lead_id, surface = excluded.surface, "
          "stage = excluded.stage, summary = excluded.summary, turn_count = excluded.turn_count, "
          "last_active_at = excluded.last_active_at "
          "RETURNING " + kSessionColumns,
          P({text(x.location_id), text(x.id), text(x.agent_id), text(x.conversation_id), text(x.lead_id),
             text(name_of(x.surface)), text(name_of(x.stage)), text(x.summary), integer(x.turn_count),
             text(x.started_at), text(x.last_active_at)}));
      if (!r.ok()) return r.errors();
      if (r.value().empty()) return internal("agent_sessions: upsert returned no row");
      return decode_session(r.value(), 0);
    });
  }

  Result<std::optional<AgentSession>> get_session(const Scope& s, const std::string& id) override {
    return find_by_id<AgentSession>(db_, s, id, "agent_sessions", kSessionColumns, decode_session);
  }

 private:
  Database& db_;
};

}  // namespace

std::unique_ptr<Profiles> make_sql_profiles(Database& db) { return std::make_unique<SqlProfiles>(db); }

}  // namespace porchlight::store::detail
