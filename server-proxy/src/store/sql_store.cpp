// sql_store.cpp: the repository, written once for Postgres and SQLite.
//
// Every tenant call checks its input, then runs in a transaction scoped to the tenant (Postgres
// sets porchlight.location_id, the RLS wall) AND filters by location_id in its SQL (the repository
// wall). Ids and timestamps are made here, not by the database, so both backends agree exactly.
//
// Sections:
//   [1] params, rows and checks
//   [2] row decoders
//   [3] admin: locations and keys
//   [4] profiles
//   [5] sessions
//   [6] conversations and messages
//   [7] coaching history
//   [8] usage, budgets and limits
//   [9] experiments
//   [10] webhooks
//   [11] analytics

#include "store/sql_store.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <set>

#include "store/store_util.hpp"

namespace porchlight::store::detail {

// ---- [1] params, rows and checks ---------------------------------------------------------------

Param null_param() { return Param{}; }
Param text(std::string_view v) {
  Param p;
  p.kind = Param::Kind::text;
  p.text = std::string(v);
  return p;
}
Param integer(std::int64_t v) {
  Param p;
  p.kind = Param::Kind::integer;
  p.integer = v;
  return p;
}
Param real(double v) {
  Param p;
  p.kind = Param::Kind::real;
  p.real = v;
  return p;
}
Param boolean(bool v) {
  Param p;
  p.kind = Param::Kind::boolean;
  p.boolean = v;
  return p;
}
Param blob(std::string_view bytes) {
  Param p;
  p.kind = Param::Kind::blob;
  p.text = std::string(bytes);
  return p;
}

std::string format_real(double value) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

std::int64_t Rows::integer(std::size_t row, std::size_t col) const {
  const std::string& s = text(row, col);
  std::int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc()) {  // Postgres prints sum(bigint) as numeric: "12" or "12.0"
    double d = 0;
    std::from_chars(s.data(), s.data() + s.size(), d);
    return static_cast<std::int64_t>(d);
  }
  return v;
}

double Rows::real(std::size_t row, std::size_t col) const {
  const std::string& s = text(row, col);
  double v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

bool Rows::boolean(std::size_t row, std::size_t col) const {
  const std::string& s = text(row, col);
  return s == "1" || s == "t" || s == "true";
}

namespace {

// Collects every input problem of a call at once.
struct Checks {
  Errors errors;
  bool ok() const { return errors.empty(); }
  void fail(std::string path, std::string message) { errors.push_back(invalid(std::move(path), std::move(message))); }
  void id(std::string path, std::string_view v, bool required = true) {
    if (v.empty() && !required) return;
    if (!is_valid_id(v)) fail(std::move(path), "expected an id of 1-64 characters of A-Z a-z 0-9 _ . : -");
  }
  void plain(std::string path, std::string_view v, std::size_t max_bytes, bool required = false) {
    if (required && v.empty()) fail(path, "is required");
    else if (!is_plain_text(v, max_bytes))
      fail(std::move(path), "expected UTF-8 text of at most " + std::to_string(max_bytes) +
                                " bytes without control characters");
  }
  void utf8(std::string path, std::string_view v, std::size_t max_bytes) {
    if (v.size() > max_bytes || !is_valid_utf8(v))
      fail(std::move(path), "expected UTF-8 text of at most " + std::to_string(max_bytes) + " bytes");
  }
  void range(std::string path, std::int64_t v, std::int64_t lo, std::int64_t hi) {
    if (v < lo || v > hi)
      fail(std::move(path), "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(v));
  }
  void money(std::string path, double v) {
    if (!std::isfinite(v) || v < 0 || v > 1e9) fail(std::move(path), "expected a finite amount in USD, 0 or more");
  }
  // Fills an empty timestamp with now; normalizes the rest to the canonical UTC form.
  void time(std::string path, std::string& v) {
    if (v.empty()) {
      v = now_rfc3339();
      return;
    }
    if (auto c = canonical_timestamp(v)) v = *c;
    else fail(std::move(path), "expected an RFC 3339 timestamp such as 2026-11-25T15:04:05Z");
  }
  void usage(std::string path, const Usage& u) {
    for (const Error& e : check_usage(u, path)) fail(e.path, e.message);
  }
  // The core's own validation of a record, its errors re-coded as store.invalid.
  void core(const Errors& core_errors) {
    for (const Error& e : core_errors) fail(e.path, "[" + e.code + "] " + e.message);
  }
};

Errors check_scope(const Scope& s) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  return c.errors;
}

// A record's location must be the scope's (or empty, meaning the scope's).
void check_location(Checks& c, const Scope& s, std::string& location_id, const std::string& path) {
  if (location_id.empty()) location_id = s.location_id;
  else if (location_id != s.location_id)
    c.fail(path, "location '" + location_id + "' is not the scope's location; records are written in their own location only");
}

json names_json(const std::vector<std::string>& v) { return json(v); }

std::vector<Param> P(std::initializer_list<Param> params) { return std::vector<Param>(params); }

// Day range [from_day, to_day] inclusive as timestamps [from, to).
Result<std::pair<std::string, std::string>> day_range(const std::string& from_day, const std::string& to_day) {
  auto a = day_bounds(from_day), b = day_bounds(to_day);
  Errors errors;
  if (!a) errors.push_back(invalid("from_day", "expected a UTC day such as 2026-11-25"));
  if (!b) errors.push_back(invalid("to_day", "expected a UTC day such as 2026-11-25"));
  if (!errors.empty()) return errors;
  if (from_day > to_day) return invalid("to_day", "must not be before from_day");
  return std::pair{a->first, b->second};
}

// ---- [2] row decoders --------------------------------------------------------------------------

// Reads the columns of one row in order; a stored value that does not decode is a bug (internal).
struct Decoder {
  Decoder(const Rows& r, std::size_t at) : rows(r), row(at) {}
  const Rows& rows;
  std::size_t row;
  std::size_t col = 0;
  std::string problem;

  std::string str() { return rows.text(row, col++); }
  std::int64_t i64() { return rows.integer(row, col++); }
  double f64() { return rows.real(row, col++); }
  bool flag() { return rows.boolean(row, col++); }
  std::string time() {
    const std::size_t c = col++;
    if (rows.is_null(row, c)) return "";
    auto t = canonical_timestamp(rows.text(row, c));
    if (!t) note("timestamp", rows.text(row, c));
    return t.value_or("");
  }
  std::optional<std::string> opt_time() {
    if (rows.is_null(row, col)) {
      ++col;
      return std::nullopt;
    }
    return time();
  }
  template <class E> E enumeration() {
    const std::string& s = rows.text(row, col++);
    auto v = parse_enum<E>(s);
    if (!v) note(EnumNames<E>::kind, s);
    return v.value_or(E{});
  }
  json structured() {
    const std::string& s = rows.text(row, col++);
    json j = json::parse(s, nullptr, false);
    if (j.is_discarded()) note("JSON", s.substr(0, 40));
    return j;
  }
  std::vector<std::string> strings() {
    json j = structured();
    std::vector<std::string> out;
    if (!j.is_array()) return out;
    for (const auto& v : j)
      if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
  }
  Usage usage() {
    Usage u;
    u.input_tokens = i64();
    u.output_tokens = i64();
    u.cache_creation_input_tokens = i64();
    u.cache_creation_1h_input_tokens = i64();
    u.cache_read_input_tokens = i64();
    return u;
  }
  void note(std::string_view what, std::string_view value) {
    if (problem.empty())
      problem = "stored row has an unreadable " + std::string(what) + " in column " +
                std::to_string(col) + ": '" + std::string(value) + "'";
  }
};

constexpr const char* kUsageColumns =
    "input_tokens, output_tokens, cache_creation_input_tokens, cache_creation_1h_input_tokens, "
    "cache_read_input_tokens";

const std::string kProfileColumns =
    "p.location_id, p.id, p.name, p.role, p.experience, p.specializations, p.preferences, "
    "p.shared_pool, p.served_locations";

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

const std::string kConversationColumns =
    "id, location_id, agent_id, lead_id, stage, summary, summary_through_seq, created_at, updated_at";

Result<Conversation> decode_conversation(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  Conversation c;
  c.id = d.str();
  c.location_id = d.str();
  c.agent_id = d.str();
  c.lead_id = d.str();
  c.stage = d.enumeration<ConversationStage>();
  c.summary = d.str();
  c.summary_through_seq = d.i64();
  c.created_at = d.time();
  c.updated_at = d.time();
  if (!d.problem.empty()) return internal("conversations: " + d.problem);
  return c;
}

const std::string kMessageColumns =
    "id, conversation_id, location_id, seq, role, content, status, surface, specialist, model, " +
    std::string(kUsageColumns) + ", cost_usd, latency_ms, event_id, created_at, updated_at";

Result<Message> decode_message(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  Message m;
  m.id = d.str();
  m.conversation_id = d.str();
  m.location_id = d.str();
  m.seq = d.i64();
  m.role = d.str();
  m.content = d.str();
  const std::string status = d.str();
  if (auto st = parse_message_status(status)) m.status = *st;
  else d.note("status", status);
  m.surface = d.str();
  m.specialist = d.str();
  m.model = d.str();
  m.usage = d.usage();
  m.cost_usd = d.f64();
  m.latency_ms = d.i64();
  m.event_id = d.str();
  m.created_at = d.time();
  m.updated_at = d.time();
  if (!d.problem.empty()) return internal("messages: " + d.problem);
  return m;
}

const std::string kEventColumns =
    "location_id, id, agent_id, session_id, conversation_id, guidance_type, approach_variant, "
    "specialist, model, " + std::string(kUsageColumns) +
    ", cost_usd, latency_ms, feedback, feedback_comment, outcome, created_at";

Result<CoachingEvent> decode_event(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  CoachingEvent e;
  e.location_id = d.str();
  e.id = d.str();
  e.agent_id = d.str();
  e.session_id = d.str();
  e.conversation_id = d.str();
  e.guidance_type = d.enumeration<GuidanceType>();
  e.approach_variant = d.str();
  e.specialist = d.enumeration<Specialist>();
  e.model = d.str();
  e.usage = d.usage();
  e.cost_usd = d.f64();
  e.latency_ms = d.i64();
  e.feedback = d.enumeration<Feedback>();
  e.feedback_comment = d.str();
  e.outcome = d.enumeration<Outcome>();
  e.created_at = d.time();
  if (!d.problem.empty()) return internal("agent_coaching_history: " + d.problem);
  return e;
}

const std::string kLocationColumns = "id, name, agent_token_secret, created_at";

Result<Location> decode_location(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  Location l;
  l.id = d.str();
  l.name = d.str();
  l.agent_token_secret = d.str();
  l.created_at = d.time();
  if (!d.problem.empty()) return internal("locations: " + d.problem);
  return l;
}

const std::string kExperimentColumns = "location_id, id, name, variants, active";

Result<Experiment> decode_experiment(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  Experiment e;
  e.location_id = d.str();
  e.id = d.str();
  e.name = d.str();
  e.variants = d.strings();
  e.active = d.flag();
  if (!d.problem.empty()) return internal("experiments: " + d.problem);
  return e;
}

// Decodes every row with `decode`.
template <class T, class F>
Result<std::vector<T>> decode_all(const Rows& rows, F decode) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto v = decode(rows, i);
    if (!v.ok()) return v.errors();
    out.push_back(std::move(v).value());
  }
  return out;
}

template <class T, class F>
Result<std::optional<T>> decode_first(const Rows& rows, F decode) {
  if (rows.empty()) return std::optional<T>{};
  auto v = decode(rows, 0);
  if (!v.ok()) return v.errors();
  return std::optional<T>(std::move(v).value());
}

}  // namespace

const char* const SqlStore::kApiKeyColumns =
    "id, location_id, kind, prefix, key_hash, scopes, allowed_origins, created_at, revoked_at";

Result<ApiKey> SqlStore::decode_api_key(const Rows& rows, std::size_t row) {
  Decoder d{rows, row};
  ApiKey k;
  k.id = d.str();
  k.location_id = d.str();
  const std::string kind = d.str();
  if (kind == "pk") k.kind = KeyKind::publishable;
  else if (kind == "sk") k.kind = KeyKind::secret;
  else d.note("key kind", kind);
  k.prefix = d.str();
  k.key_hash = d.str();
  k.scopes = d.strings();
  k.allowed_origins = d.strings();
  k.created_at = d.time();
  k.revoked_at = d.opt_time();
  if (!d.problem.empty()) return internal("api_keys: " + d.problem);
  return k;
}

const char* const SqlStore::kWebhookColumns =
    "id, location_id, provider, dedupe_key, body, headers_json, signature_valid, state, attempts, "
    "error, received_at, processed_at";

Result<WebhookRecord> SqlStore::decode_webhook(const Rows& rows, std::size_t row) {
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
  if (!d.problem.empty()) return internal("webhook_inbox: " + d.problem);
  return w;
}

Result<Done> SqlStore::ping() {
  return in_tx<Done>("", TxMode::read, [&](Session& s) -> Result<Done> {
    auto r = s.run("SELECT 1");
    if (!r.ok()) return r.errors();
    return Done{};
  });
}

// ---- [3] admin: locations and keys -------------------------------------------------------------

// Neither location call crosses tenants: each runs scoped to the location it creates or reads.
Result<Location> SqlStore::create_location(const std::string& name) {
  Checks c;
  c.plain("name", name, 200, true);
  if (!c.ok()) return c.errors;
  Location l{random_id("loc_"), name, random_hex(32), now_rfc3339()};
  return in_tx<Location>(l.id, TxMode::write, [&](Session& s) -> Result<Location> {
    auto r = s.run("INSERT INTO locations (id, name, agent_token_secret, created_at) VALUES ($1, $2, $3, $4)",
                   P({text(l.id), text(l.name), text(l.agent_token_secret), text(l.created_at)}));
    if (!r.ok()) return r.errors();
    return l;
  });
}

Result<std::optional<Location>> SqlStore::find_location(const std::string& id) {
  Checks c;
  c.id("id", id);
  if (!c.ok()) return c.errors;
  return in_tx<std::optional<Location>>(id, TxMode::read, [&](Session& s) -> Result<std::optional<Location>> {
    auto r = s.run("SELECT " + kLocationColumns + " FROM locations WHERE id = $1", P({text(id)}));
    if (!r.ok()) return r.errors();
    return decode_first<Location>(r.value(), decode_location);
  });
}

Result<Location> SqlStore::ensure_location(const std::string& id, const std::string& name) {
  Checks c;
  c.id("id", id);
  c.plain("name", name, 200, true);
  if (!c.ok()) return c.errors;
  return in_tx<Location>(id, TxMode::write, [&](Session& s) -> Result<Location> {
    // An existing location is returned as it is (its name and secret are not replaced).
    auto r = s.run("INSERT INTO locations (id, name, agent_token_secret, created_at) VALUES ($1, $2, $3, $4) "
                   "ON CONFLICT (id) DO NOTHING",
                   P({text(id), text(name), text(random_hex(32)), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    r = s.run("SELECT " + kLocationColumns + " FROM locations WHERE id = $1", P({text(id)}));
    if (!r.ok()) return r.errors();
    if (r.value().empty()) return internal("locations: ensured location vanished");
    return decode_location(r.value(), 0);
  });
}

Result<ApiKey> SqlStore::create_api_key(const ApiKey& key) {
  Checks c;
  c.id("key.location_id", key.location_id);
  c.plain("key.prefix", key.prefix, 32, true);
  if (!is_sha256_hex(key.key_hash)) c.fail("key.key_hash", "expected the SHA-256 of the key as 64 lowercase hex digits");
  if (key.scopes.size() > 32) c.fail("key.scopes", "at most 32 scopes");
  for (std::size_t i = 0; i < key.scopes.size(); ++i)
    c.id("key.scopes[" + std::to_string(i) + "]", key.scopes[i]);
  if (key.allowed_origins.size() > 64) c.fail("key.allowed_origins", "at most 64 origins");
  for (std::size_t i = 0; i < key.allowed_origins.size(); ++i) {
    const std::string& o = key.allowed_origins[i];
    const bool scheme = o.rfind("https://", 0) == 0 || o.rfind("http://", 0) == 0;
    if (!scheme || !is_plain_text(o, 255) || o.find(' ') != std::string::npos)
      c.fail("key.allowed_origins[" + std::to_string(i) + "]",
             "expected an exact origin such as https://app.example.com");
  }
  if (key.kind == KeyKind::secret && !key.allowed_origins.empty())
    c.fail("key.allowed_origins", "only publishable (pk) keys are bound to browser origins");
  if (!c.ok()) return c.errors;

  ApiKey k = key;
  k.id = random_id("key_");
  k.created_at = now_rfc3339();
  k.revoked_at.reset();
  // Scoped to the key's own location, so the ordinary walls apply.
  return in_tx<ApiKey>(k.location_id, TxMode::write, [&](Session& s) -> Result<ApiKey> {
    auto r = s.run(
        "INSERT INTO api_keys (id, location_id, kind, prefix, key_hash, scopes, allowed_origins, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        P({text(k.id), text(k.location_id), text(k.kind == KeyKind::secret ? "sk" : "pk"), text(k.prefix),
           text(k.key_hash), text(names_json(k.scopes).dump()), text(names_json(k.allowed_origins).dump()),
           text(k.created_at)}));
    if (!r.ok()) return r.errors();
    return k;
  });
}

// ---- [4] profiles ------------------------------------------------------------------------------

namespace {
// A profile is visible in its home location and, when shared, in every location it serves.
// The home row wins when a served location has its own agent with the same id.
const std::string kProfileVisible =
    "(p.location_id = $1 OR (p.shared_pool AND EXISTS (SELECT 1 FROM agent_location_access a "
    "WHERE a.location_id = p.location_id AND a.agent_id = p.id AND a.served_location_id = $1)))";
}  // namespace

Result<AgentProfile> SqlStore::put_profile(const Scope& s, const AgentProfile& input) {
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

  return in_tx<AgentProfile>(s.location_id, TxMode::write, [&](Session& db) -> Result<AgentProfile> {
    auto r = db.run(
        "INSERT INTO agent_profiles (location_id, id, name, role, experience, specializations, preferences, "
        "shared_pool, served_locations, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) "
        "ON CONFLICT (location_id, id) DO UPDATE SET name = excluded.name, role = excluded.role, "
        "experience = excluded.experience, specializations = excluded.specializations, "
        "preferences = excluded.preferences, shared_pool = excluded.shared_pool, "
        "served_locations = excluded.served_locations, updated_at = excluded.updated_at",
        P({text(p.location_id), text(p.id), text(p.name), text(name_of(p.role)), text(name_of(p.experience)),
           text(specs.dump()), text(prefs.dump()), boolean(p.shared_pool), text(names_json(p.served_locations).dump()),
           text(now)}));
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

Result<std::optional<AgentProfile>> SqlStore::get_profile(const Scope& s, const std::string& id) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("id", id);
  if (!c.ok()) return c.errors;
  return in_tx<std::optional<AgentProfile>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::optional<AgentProfile>> {
    auto r = db.run("SELECT " + kProfileColumns + " FROM agent_profiles p WHERE p.id = $2 AND " + kProfileVisible +
                        " ORDER BY CASE WHEN p.location_id = $1 THEN 0 ELSE 1 END, p.location_id LIMIT 1",
                    P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    return decode_first<AgentProfile>(r.value(), decode_profile);
  });
}

Result<std::vector<AgentProfile>> SqlStore::list_profiles(const Scope& s) {
  if (auto e = check_scope(s); !e.empty()) return e;
  return in_tx<std::vector<AgentProfile>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::vector<AgentProfile>> {
    auto r = db.run("SELECT " + kProfileColumns + " FROM agent_profiles p WHERE " + kProfileVisible +
                        " ORDER BY p.id, CASE WHEN p.location_id = $1 THEN 0 ELSE 1 END, p.location_id",
                    P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    return decode_all<AgentProfile>(r.value(), decode_profile);
  });
}

Result<bool> SqlStore::delete_profile(const Scope& s, const std::string& id) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("id", id);
  if (!c.ok()) return c.errors;
  return in_tx<bool>(s.location_id, TxMode::write, [&](Session& db) -> Result<bool> {
    auto r = db.run("DELETE FROM agent_location_access WHERE location_id = $1 AND agent_id = $2",
                    P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    r = db.run("DELETE FROM agent_profiles WHERE location_id = $1 AND id = $2", P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  });
}

// ---- [5] sessions ------------------------------------------------------------------------------

Result<AgentSession> SqlStore::put_session(const Scope& s, const AgentSession& input) {
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
  return in_tx<AgentSession>(s.location_id, TxMode::write, [&](Session& db) -> Result<AgentSession> {
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

Result<std::optional<AgentSession>> SqlStore::get_session(const Scope& s, const std::string& id) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("id", id);
  if (!c.ok()) return c.errors;
  return in_tx<std::optional<AgentSession>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::optional<AgentSession>> {
    auto r = db.run("SELECT " + kSessionColumns + " FROM agent_sessions WHERE location_id = $1 AND id = $2",
                    P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    return decode_first<AgentSession>(r.value(), decode_session);
  });
}

// ---- [6] conversations and messages ------------------------------------------------------------

Result<Conversation> SqlStore::open_conversation(const Scope& s, const Conversation& input) {
  if (auto e = check_scope(s); !e.empty()) return e;
  Conversation cv = input;
  Checks c;
  check_location(c, s, cv.location_id, "conversation.location_id");
  c.id("conversation.id", cv.id);
  c.id("conversation.agent_id", cv.agent_id);
  c.id("conversation.lead_id", cv.lead_id, false);
  c.utf8("conversation.summary", cv.summary, 100'000);
  if (cv.summary_through_seq != 0)
    c.fail("conversation.summary_through_seq", "a new conversation has no messages to summarize; expected 0");
  if (!c.ok()) return c.errors;
  const std::string now = now_rfc3339();
  return in_tx<Conversation>(s.location_id, TxMode::write, [&](Session& db) -> Result<Conversation> {
    auto r = db.run(
        "INSERT INTO conversations (id, location_id, agent_id, lead_id, stage, summary, summary_through_seq, "
        "last_seq, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 0, 0, $7, $7) ON CONFLICT DO NOTHING",
        P({text(cv.id), text(cv.location_id), text(cv.agent_id), text(cv.lead_id), text(name_of(cv.stage)),
           text(cv.summary), text(now)}));
    if (!r.ok()) return r.errors();
    r = db.run("SELECT " + kConversationColumns + " FROM conversations WHERE id = $1 AND location_id = $2",
               P({text(cv.id), text(s.location_id)}));
    if (!r.ok()) return r.errors();
    if (r.value().empty())
      return conflict("conversation.id", "conversation id '" + cv.id + "' is taken; use another id");
    return decode_conversation(r.value(), 0);
  });
}

Result<std::optional<Conversation>> SqlStore::get_conversation(const Scope& s, const std::string& id) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("id", id);
  if (!c.ok()) return c.errors;
  return in_tx<std::optional<Conversation>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::optional<Conversation>> {
    auto r = db.run("SELECT " + kConversationColumns + " FROM conversations WHERE id = $1 AND location_id = $2",
                    P({text(id), text(s.location_id)}));
    if (!r.ok()) return r.errors();
    return decode_first<Conversation>(r.value(), decode_conversation);
  });
}

Result<Done> SqlStore::update_conversation(const Scope& s, const std::string& id, ConversationStage stage,
                                           const std::string& summary, std::int64_t summary_through_seq) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("id", id);
  c.utf8("summary", summary, 100'000);
  if (summary_through_seq < 0) c.fail("summary_through_seq", "expected 0 or more");
  if (!c.ok()) return c.errors;
  return in_tx<Done>(s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
    auto r = db.run("SELECT last_seq FROM conversations WHERE id = $1 AND location_id = $2",
                    P({text(id), text(s.location_id)}));
    if (!r.ok()) return r.errors();
    if (r.value().empty()) return not_found("id", "conversation '" + id + "' does not exist in this location");
    if (summary_through_seq > r.value().integer(0, 0))
      return invalid("summary_through_seq", "is past the last message (seq " +
                                                std::to_string(r.value().integer(0, 0)) + ")");
    r = db.run("UPDATE conversations SET stage = $3, summary = $4, summary_through_seq = $5, updated_at = $6 "
               "WHERE id = $1 AND location_id = $2",
               P({text(id), text(s.location_id), text(name_of(stage)), text(summary), integer(summary_through_seq),
                  text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
  });
}

namespace {
void check_message_fields(Checks& c, const Message& m) {
  if (!m.surface.empty() && !parse_enum<Surface>(m.surface)) c.fail("message.surface", "unknown surface '" + m.surface + "'");
  if (!m.specialist.empty() && !parse_enum<Specialist>(m.specialist))
    c.fail("message.specialist", "unknown specialist '" + m.specialist + "'");
  c.plain("message.model", m.model, 100);
  c.id("message.event_id", m.event_id, false);
  c.utf8("message.content", m.content, 4 * 1024 * 1024);
  c.usage("message.usage", m.usage);
  c.money("message.cost_usd", m.cost_usd);
  c.range("message.latency_ms", m.latency_ms, 0, 86'400'000);
}
}  // namespace

Result<Message> SqlStore::append_message(const Scope& s, const Message& input) {
  if (auto e = check_scope(s); !e.empty()) return e;
  Message m = input;
  Checks c;
  check_location(c, s, m.location_id, "message.location_id");
  c.id("message.conversation_id", m.conversation_id);
  c.id("message.id", m.id, false);
  if (m.role != "user" && m.role != "assistant") c.fail("message.role", "expected user or assistant");
  check_message_fields(c, m);
  if (!c.ok()) return c.errors;
  if (m.id.empty()) m.id = random_id("msg_");
  m.created_at = m.updated_at = now_rfc3339();
  return in_tx<Message>(s.location_id, TxMode::write, [&](Session& db) -> Result<Message> {
    // The conversation row is the lock that orders appends: seqs are dense and never reused.
    auto r = db.run("UPDATE conversations SET last_seq = last_seq + 1, updated_at = $3 "
                    "WHERE id = $1 AND location_id = $2 RETURNING last_seq",
                    P({text(m.conversation_id), text(s.location_id), text(m.created_at)}));
    if (!r.ok()) return r.errors();
    if (r.value().empty())
      return not_found("message.conversation_id", "conversation '" + m.conversation_id + "' does not exist in this location");
    m.seq = r.value().integer(0, 0);
    r = db.run("INSERT INTO messages (" + kMessageColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
               "$11, $12, $13, $14, $15, $16, $17, $18, $19, $19)",
               P({text(m.id), text(m.conversation_id), text(m.location_id), integer(m.seq), text(m.role),
                  text(m.content), text(to_string(m.status)), text(m.surface), text(m.specialist), text(m.model),
                  integer(m.usage.input_tokens), integer(m.usage.output_tokens),
                  integer(m.usage.cache_creation_input_tokens), integer(m.usage.cache_creation_1h_input_tokens),
                  integer(m.usage.cache_read_input_tokens), real(m.cost_usd), integer(m.latency_ms),
                  text(m.event_id), text(m.created_at)}));
    if (!r.ok()) return r.errors();
    return m;
  });
}

Result<Done> SqlStore::update_message(const Scope& s, const Message& m) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("message.id", m.id);
  c.id("message.conversation_id", m.conversation_id, false);
  check_message_fields(c, m);
  if (!c.ok()) return c.errors;
  return in_tx<Done>(s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
    // Model, specialist and event id are often known only at the end: empty keeps the stored one.
    auto r = db.run(
        "UPDATE messages SET content = $3, status = $4, input_tokens = $5, output_tokens = $6, "
        "cache_creation_input_tokens = $7, cache_creation_1h_input_tokens = $8, cache_read_input_tokens = $9, "
        "cost_usd = $10, latency_ms = $11, "
        "model = CASE WHEN $12 = '' THEN model ELSE $12 END, "
        "specialist = CASE WHEN $13 = '' THEN specialist ELSE $13 END, "
        "event_id = CASE WHEN $14 = '' THEN event_id ELSE $14 END, updated_at = $15 "
        "WHERE id = $1 AND location_id = $2 AND ($16 = '' OR conversation_id = $16)",
        P({text(m.id), text(s.location_id), text(m.content), text(to_string(m.status)),
           integer(m.usage.input_tokens), integer(m.usage.output_tokens),
           integer(m.usage.cache_creation_input_tokens), integer(m.usage.cache_creation_1h_input_tokens),
           integer(m.usage.cache_read_input_tokens), real(m.cost_usd), integer(m.latency_ms), text(m.model),
           text(m.specialist), text(m.event_id), text(now_rfc3339()), text(m.conversation_id)}));
    if (!r.ok()) return r.errors();
    if (r.value().affected() == 0) return not_found("message.id", "message '" + m.id + "' does not exist in this location");
    return Done{};
  });
}

Result<std::vector<Message>> SqlStore::list_messages(const Scope& s, const std::string& conversation_id,
                                                     std::int64_t after_seq, std::int64_t limit) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("conversation_id", conversation_id);
  if (after_seq < 0) c.fail("after_seq", "expected 0 or more");
  c.range("limit", limit, 1, 10'000);
  if (!c.ok()) return c.errors;
  return in_tx<std::vector<Message>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::vector<Message>> {
    auto r = db.run("SELECT " + kMessageColumns + " FROM messages WHERE location_id = $1 AND conversation_id = $2 "
                    "AND seq > $3 ORDER BY seq LIMIT $4",
                    P({text(s.location_id), text(conversation_id), integer(after_seq), integer(limit)}));
    if (!r.ok()) return r.errors();
    return decode_all<Message>(r.value(), decode_message);
  });
}

Result<std::optional<Message>> SqlStore::get_message(const Scope& s, const std::string& id) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("id", id);
  if (!c.ok()) return c.errors;
  return in_tx<std::optional<Message>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::optional<Message>> {
    auto r = db.run("SELECT " + kMessageColumns + " FROM messages WHERE location_id = $1 AND id = $2",
                    P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    return decode_first<Message>(r.value(), decode_message);
  });
}

// ---- [7] coaching history ----------------------------------------------------------------------

Result<Done> SqlStore::record_event(const Scope& s, const CoachingEvent& input) {
  if (auto e = check_scope(s); !e.empty()) return e;
  CoachingEvent e = input;
  Checks c;
  check_location(c, s, e.location_id, "event.location_id");
  c.time("event.created_at", e.created_at);
  if (!c.ok()) return c.errors;
  if (auto valid = event_from_json(to_json(e)); !valid.ok()) {
    c.core(valid.errors());
    return c.errors;
  }
  return in_tx<Done>(s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
    auto r = db.run("INSERT INTO agent_coaching_history (" + kEventColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, "
                    "$8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)",
                    P({text(e.location_id), text(e.id), text(e.agent_id), text(e.session_id), text(e.conversation_id),
                       text(name_of(e.guidance_type)), text(e.approach_variant), text(name_of(e.specialist)),
                       text(e.model), integer(e.usage.input_tokens), integer(e.usage.output_tokens),
                       integer(e.usage.cache_creation_input_tokens), integer(e.usage.cache_creation_1h_input_tokens),
                       integer(e.usage.cache_read_input_tokens), real(e.cost_usd), integer(e.latency_ms),
                       text(name_of(e.feedback)), text(e.feedback_comment), text(name_of(e.outcome)),
                       text(e.created_at)}));
    if (!r.ok()) return r.errors();
    return Done{};
  });
}

Result<std::optional<CoachingEvent>> SqlStore::get_event(const Scope& s, const std::string& id) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("id", id);
  if (!c.ok()) return c.errors;
  return in_tx<std::optional<CoachingEvent>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::optional<CoachingEvent>> {
    auto r = db.run("SELECT " + kEventColumns + " FROM agent_coaching_history WHERE location_id = $1 AND id = $2",
                    P({text(s.location_id), text(id)}));
    if (!r.ok()) return r.errors();
    return decode_first<CoachingEvent>(r.value(), decode_event);
  });
}

Result<bool> SqlStore::set_feedback(const Scope& s, const std::string& event_id, Feedback f,
                                    const std::string& comment) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("event_id", event_id);
  c.utf8("comment", comment, 8000);
  if (!c.ok()) return c.errors;
  return in_tx<bool>(s.location_id, TxMode::write, [&](Session& db) -> Result<bool> {
    auto r = db.run("UPDATE agent_coaching_history SET feedback = $3, feedback_comment = $4 "
                    "WHERE location_id = $1 AND id = $2",
                    P({text(s.location_id), text(event_id), text(name_of(f)), text(comment)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  });
}

Result<bool> SqlStore::set_outcome(const Scope& s, const std::string& event_id, Outcome o) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("event_id", event_id);
  if (!c.ok()) return c.errors;
  return in_tx<bool>(s.location_id, TxMode::write, [&](Session& db) -> Result<bool> {
    auto r = db.run("UPDATE agent_coaching_history SET outcome = $3 WHERE location_id = $1 AND id = $2",
                    P({text(s.location_id), text(event_id), text(name_of(o))}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  });
}

// ---- [8] usage, budgets and limits -------------------------------------------------------------

Result<Done> SqlStore::record_usage_batch(const Scope& s, const std::vector<UsageRecord>& batch) {
  if (auto e = check_scope(s); !e.empty()) return e;
  std::vector<UsageRecord> records = batch;  // the checks fill in the location and normalize times
  Checks c;
  for (UsageRecord& u : records) {
    check_location(c, s, u.location_id, "usage.location_id");
    c.plain("usage.kind", u.kind, 32, true);
    c.plain("usage.key_id", u.key_id, 128);
    c.plain("usage.agent_id", u.agent_id, 128);
    c.plain("usage.request_id", u.request_id, 128);
    c.plain("usage.model", u.model, 100);
    c.usage("usage.usage", u.usage);
    c.money("usage.cost_usd", u.cost_usd);
    c.time("usage.at", u.at);
  }
  if (!c.ok()) return c.errors;
  const std::string insert = "INSERT INTO usage_ledger (id, location_id, key_id, agent_id, request_id, kind, model, " +
                             std::string(kUsageColumns) + ", cost_usd, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
                             "$10, $11, $12, $13, $14) ON CONFLICT DO NOTHING";
  return in_tx<Done>(s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
    std::map<std::string, std::pair<double, std::int64_t>> monthly;  // "2026-12" -> cost, records
    for (const UsageRecord& u : records) {
      // A retried record of the same request_id is ignored (unique index), so it is never billed twice.
      // Time-ordered ids keep the inserts at the end of the table's index.
      auto r = db.run(insert, P({text(time_ordered_id("use_")), text(u.location_id), text(u.key_id), text(u.agent_id),
                                 text(u.request_id), text(u.kind), text(u.model), integer(u.usage.input_tokens),
                                 integer(u.usage.output_tokens), integer(u.usage.cache_creation_input_tokens),
                                 integer(u.usage.cache_creation_1h_input_tokens), integer(u.usage.cache_read_input_tokens),
                                 real(u.cost_usd), text(u.at)}));
      if (!r.ok()) return r.errors();
      if (r.value().affected() == 0) continue;
      auto& month = monthly[u.at.substr(0, 7)];  // canonical UTC: "2026-12-01T..."
      month.first += u.cost_usd;
      ++month.second;
    }
    for (const auto& [month, sum] : monthly) {
      auto r = db.run("INSERT INTO usage_monthly (location_id, month, cost_usd, records) VALUES ($1, $2, $3, $4) "
                      "ON CONFLICT (location_id, month) DO UPDATE SET cost_usd = usage_monthly.cost_usd + "
                      "excluded.cost_usd, records = usage_monthly.records + excluded.records",
                      P({text(s.location_id), text(month), real(sum.first), integer(sum.second)}));
      if (!r.ok()) return r.errors();
    }
    return Done{};
  });
}

Result<double> SqlStore::month_spend_usd(const Scope& s, const std::string& month) {
  if (auto e = check_scope(s); !e.empty()) return e;
  if (!month_bounds(month)) return invalid("month", "expected a UTC month such as 2026-11");
  return in_tx<double>(s.location_id, TxMode::read, [&](Session& db) -> Result<double> {
    auto r = db.run("SELECT cost_usd FROM usage_monthly WHERE location_id = $1 AND month = $2",
                    P({text(s.location_id), text(month)}));
    if (!r.ok()) return r.errors();
    return r.value().empty() ? 0.0 : r.value().real(0, 0);
  });
}

Result<Budget> SqlStore::get_budget(const Scope& s) {
  if (auto e = check_scope(s); !e.empty()) return e;
  return in_tx<Budget>(s.location_id, TxMode::read, [&](Session& db) -> Result<Budget> {
    auto r = db.run("SELECT monthly_usd FROM budgets WHERE location_id = $1", P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    Budget b;
    if (!r.value().empty()) b.monthly_usd = r.value().real(0, 0);
    return b;
  });
}

Result<Done> SqlStore::set_budget(const Scope& s, const Budget& b) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.money("budget.monthly_usd", b.monthly_usd);
  if (!c.ok()) return c.errors;
  return in_tx<Done>(s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
    auto r = db.run("INSERT INTO budgets (location_id, monthly_usd, updated_at) VALUES ($1, $2, $3) "
                    "ON CONFLICT (location_id) DO UPDATE SET monthly_usd = excluded.monthly_usd, "
                    "updated_at = excluded.updated_at",
                    P({text(s.location_id), real(b.monthly_usd), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
  });
}

Result<RateLimits> SqlStore::get_rate_limits(const Scope& s) {
  if (auto e = check_scope(s); !e.empty()) return e;
  return in_tx<RateLimits>(s.location_id, TxMode::read, [&](Session& db) -> Result<RateLimits> {
    auto r = db.run("SELECT key_requests, key_tokens, agent_requests, agent_tokens, location_requests, "
                    "location_tokens FROM rate_limit_settings WHERE location_id = $1",
                    P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    RateLimits l;
    if (!r.value().empty()) {
      const Rows& x = r.value();
      l = RateLimits{x.integer(0, 0), x.integer(0, 1), x.integer(0, 2), x.integer(0, 3), x.integer(0, 4), x.integer(0, 5)};
    }
    return l;
  });
}

Result<Done> SqlStore::set_rate_limits(const Scope& s, const RateLimits& l) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  constexpr std::int64_t kMax = 1'000'000'000'000LL;
  c.range("limits.key_requests", l.key_requests, 0, kMax);
  c.range("limits.key_tokens", l.key_tokens, 0, kMax);
  c.range("limits.agent_requests", l.agent_requests, 0, kMax);
  c.range("limits.agent_tokens", l.agent_tokens, 0, kMax);
  c.range("limits.location_requests", l.location_requests, 0, kMax);
  c.range("limits.location_tokens", l.location_tokens, 0, kMax);
  if (!c.ok()) return c.errors;
  return in_tx<Done>(s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
    auto r = db.run(
        "INSERT INTO rate_limit_settings (location_id, key_requests, key_tokens, agent_requests, agent_tokens, "
        "location_requests, location_tokens, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT (location_id) DO UPDATE SET key_requests = excluded.key_requests, "
        "key_tokens = excluded.key_tokens, agent_requests = excluded.agent_requests, "
        "agent_tokens = excluded.agent_tokens, location_requests = excluded.location_requests, "
        "location_tokens = excluded.location_tokens, updated_at = excluded.updated_at",
        P({text(s.location_id), integer(l.key_requests), integer(l.key_tokens), integer(l.agent_requests),
           integer(l.agent_tokens), integer(l.location_requests), integer(l.location_tokens), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    return Done{};
  });
}

// ---- [9] experiments ---------------------------------------------------------------------------

Result<Done> SqlStore::put_experiment(const Scope& s, const Experiment& input) {
  if (auto e = check_scope(s); !e.empty()) return e;
  Experiment e = input;
  Checks c;
  check_location(c, s, e.location_id, "experiment.location_id");
  c.id("experiment.id", e.id);
  c.plain("experiment.name", e.name, 200, true);
  if (e.variants.empty() || e.variants.size() > 16) c.fail("experiment.variants", "expected 1-16 variants, \"control\" first");
  std::set<std::string> seen;
  for (std::size_t i = 0; i < e.variants.size(); ++i) {
    c.id("experiment.variants[" + std::to_string(i) + "]", e.variants[i]);
    if (!seen.insert(e.variants[i]).second)
      c.fail("experiment.variants[" + std::to_string(i) + "]", "variant '" + e.variants[i] + "' is listed twice");
  }
  if (!c.ok()) return c.errors;
  const std::string now = now_rfc3339();
  return in_tx<Done>(s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
    auto r = db.run("INSERT INTO experiments (location_id, id, name, variants, active, created_at, updated_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (location_id, id) DO UPDATE SET "
                    "name = excluded.name, variants = excluded.variants, active = excluded.active, "
                    "updated_at = excluded.updated_at",
                    P({text(e.location_id), text(e.id), text(e.name), text(names_json(e.variants).dump()),
                       boolean(e.active), text(now)}));
    if (!r.ok()) return r.errors();
    return Done{};
  });
}

Result<std::vector<Experiment>> SqlStore::list_experiments(const Scope& s) {
  if (auto e = check_scope(s); !e.empty()) return e;
  return in_tx<std::vector<Experiment>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::vector<Experiment>> {
    auto r = db.run("SELECT " + kExperimentColumns + " FROM experiments WHERE location_id = $1 ORDER BY id",
                    P({text(s.location_id)}));
    if (!r.ok()) return r.errors();
    return decode_all<Experiment>(r.value(), decode_experiment);
  });
}

Result<std::string> SqlStore::assign(const Scope& s, const std::string& experiment_id,
                                     const std::string& agent_id, const std::string& variant) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("experiment_id", experiment_id);
  c.id("agent_id", agent_id);
  c.id("variant", variant);
  if (!c.ok()) return c.errors;
  return in_tx<std::string>(s.location_id, TxMode::write, [&](Session& db) -> Result<std::string> {
    auto r = db.run("SELECT " + kExperimentColumns + " FROM experiments WHERE location_id = $1 AND id = $2",
                    P({text(s.location_id), text(experiment_id)}));
    if (!r.ok()) return r.errors();
    if (r.value().empty())
      return not_found("experiment_id", "experiment '" + experiment_id + "' does not exist in this location");
    auto exp = decode_experiment(r.value(), 0);
    if (!exp.ok()) return exp.errors();
    const auto& vs = exp.value().variants;
    if (std::find(vs.begin(), vs.end(), variant) == vs.end())
      return invalid("variant", "'" + variant + "' is not a variant of experiment '" + experiment_id + "'");
    r = db.run("INSERT INTO experiment_assignments (location_id, experiment_id, agent_id, variant, assigned_at) "
               "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
               P({text(s.location_id), text(experiment_id), text(agent_id), text(variant), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    r = db.run("SELECT variant FROM experiment_assignments WHERE location_id = $1 AND experiment_id = $2 "
               "AND agent_id = $3",
               P({text(s.location_id), text(experiment_id), text(agent_id)}));
    if (!r.ok()) return r.errors();
    if (r.value().empty()) return internal("experiment_assignments: assignment vanished");
    return r.value().text(0, 0);
  });
}

// ---- [10] webhooks -----------------------------------------------------------------------------

Result<bool> SqlStore::insert_webhook(const Scope& s, const WebhookRecord& input) {
  if (auto e = check_scope(s); !e.empty()) return e;
  WebhookRecord w = input;
  Checks c;
  check_location(c, s, w.location_id, "webhook.location_id");
  c.id("webhook.provider", w.provider);
  c.plain("webhook.dedupe_key", w.dedupe_key, 256, true);
  if (w.body.size() > 4 * 1024 * 1024) c.fail("webhook.body", "at most 4 MiB");
  if (w.headers_json.empty()) w.headers_json = "{}";
  if (!json::accept(w.headers_json)) c.fail("webhook.headers_json", "expected a JSON object of the request headers");
  c.time("webhook.received_at", w.received_at);
  if (!c.ok()) return c.errors;
  return in_tx<bool>(s.location_id, TxMode::write, [&](Session& db) -> Result<bool> {
    auto r = db.run("INSERT INTO webhook_inbox (id, location_id, provider, dedupe_key, body, headers_json, "
                    "signature_valid, state, attempts, error, received_at) "
                    "VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, '', $8) ON CONFLICT DO NOTHING",
                    P({text(random_id("wh_")), text(w.location_id), text(w.provider), text(w.dedupe_key),
                       blob(w.body), text(w.headers_json), boolean(w.signature_valid), text(w.received_at)}));
    if (!r.ok()) return r.errors();
    return r.value().affected() > 0;
  });
}

Result<Done> SqlStore::finish_webhook(const Scope& s, const std::string& id, bool ok, const std::string& error) {
  Checks c;
  c.id("scope.location_id", s.location_id);
  c.id("id", id);
  c.utf8("error", error, 8000);
  if (!c.ok()) return c.errors;
  return in_tx<Done>(s.location_id, TxMode::write, [&](Session& db) -> Result<Done> {
    auto r = db.run("UPDATE webhook_inbox SET state = $3, error = $4, processed_at = $5 WHERE location_id = $1 AND id = $2",
                    P({text(s.location_id), text(id), text(ok ? "done" : "failed"), text(error), text(now_rfc3339())}));
    if (!r.ok()) return r.errors();
    if (r.value().affected() == 0) return not_found("id", "webhook '" + id + "' does not exist in this location");
    return Done{};
  });
}

// ---- [11] analytics ----------------------------------------------------------------------------

Result<std::vector<EffectivenessRow>> SqlStore::effectiveness(const Scope& s, const std::string& from_day,
                                                              const std::string& to_day) {
  if (auto e = check_scope(s); !e.empty()) return e;
  auto range = day_range(from_day, to_day);
  if (!range.ok()) return range.errors();
  const std::string day = db().day_of("created_at");
  return in_tx<std::vector<EffectivenessRow>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::vector<EffectivenessRow>> {
    auto r = db.run("SELECT " + day + ", guidance_type, approach_variant, count(*), "
                    "sum(CASE WHEN feedback = 'helpful' THEN 1 ELSE 0 END), "
                    "sum(CASE WHEN feedback = 'not_helpful' THEN 1 ELSE 0 END) "
                    "FROM agent_coaching_history WHERE location_id = $1 AND created_at >= $2 AND created_at < $3 "
                    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                    P({text(s.location_id), text(range.value().first), text(range.value().second)}));
    if (!r.ok()) return r.errors();
    std::vector<EffectivenessRow> out;
    const Rows& x = r.value();
    for (std::size_t i = 0; i < x.size(); ++i)
      out.push_back(EffectivenessRow{x.text(i, 0), x.text(i, 1), x.text(i, 2), x.integer(i, 3), x.integer(i, 4),
                                     x.integer(i, 5)});
    return out;
  });
}

Result<std::vector<UsageRow>> SqlStore::usage_by_agent(const Scope& s, const std::string& from_day,
                                                       const std::string& to_day) {
  if (auto e = check_scope(s); !e.empty()) return e;
  auto range = day_range(from_day, to_day);
  if (!range.ok()) return range.errors();
  const std::string day = db().day_of("at");
  return in_tx<std::vector<UsageRow>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::vector<UsageRow>> {
    auto r = db.run("SELECT " + day + ", agent_id, model, count(*), sum(input_tokens), sum(output_tokens), "
                    "sum(cache_read_input_tokens), sum(cache_creation_input_tokens), sum(cost_usd) "
                    "FROM usage_ledger WHERE location_id = $1 AND at >= $2 AND at < $3 "
                    "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                    P({text(s.location_id), text(range.value().first), text(range.value().second)}));
    if (!r.ok()) return r.errors();
    std::vector<UsageRow> out;
    const Rows& x = r.value();
    for (std::size_t i = 0; i < x.size(); ++i) {
      UsageRow u;
      u.day = x.text(i, 0);
      u.agent_id = x.text(i, 1);
      u.model = x.text(i, 2);
      u.requests = x.integer(i, 3);
      u.input_tokens = x.integer(i, 4);
      u.output_tokens = x.integer(i, 5);
      u.cache_read_tokens = x.integer(i, 6);
      u.cache_write_tokens = x.integer(i, 7);
      u.cost_usd = x.real(i, 8);
      out.push_back(std::move(u));
    }
    return out;
  });
}

Result<std::vector<std::int64_t>> SqlStore::latencies_ms(const Scope& s, const std::string& from_day,
                                                         const std::string& to_day) {
  if (auto e = check_scope(s); !e.empty()) return e;
  auto range = day_range(from_day, to_day);
  if (!range.ok()) return range.errors();
  return in_tx<std::vector<std::int64_t>>(s.location_id, TxMode::read, [&](Session& db) -> Result<std::vector<std::int64_t>> {
    auto r = db.run("SELECT latency_ms FROM messages WHERE location_id = $1 AND role = 'assistant' "
                    "AND status = 'complete' AND created_at >= $2 AND created_at < $3 ORDER BY latency_ms",
                    P({text(s.location_id), text(range.value().first), text(range.value().second)}));
    if (!r.ok()) return r.errors();
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < r.value().size(); ++i) out.push_back(r.value().integer(i, 0));
    return out;
  });
}

}  // namespace porchlight::store::detail
