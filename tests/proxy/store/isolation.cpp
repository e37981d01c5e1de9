// Tenant isolation, two walls:
//   1. through the repositories (every backend): another tenant's ids are simply not found;
//   2. straight through SQL as porchlight_app (Postgres): row-level security hides other tenants'
//      rows and rejects INSERT/UPDATE with a foreign location_id, whatever the SQL says.

#include <libpq-fe.h>

#include <set>

#include "store/backends.hpp"
#include "store/store_util.hpp"

namespace {

using namespace porchlight;
using namespace porchlight::store;
using namespace porchlight::test;

// What one tenant owns, made through the repository.
struct Estate {
  Scope scope;
  std::string conversation, message, webhook_dedupe, key_hash;
};

Estate furnish(Store& db, const std::string& served_by_pool = "") {
  Estate e;
  e.scope = Scope{REQUIRE_OK(db.admin().create_location("Tenant")).id};
  const Scope& s = e.scope;
  AgentProfile p;
  p.id = "agent_a";
  p.location_id = s.location_id;
  p.name = "Agent A";
  p.role = AgentRole::buyer_agent;
  REQUIRE_OK(db.profiles().put(s, p));
  if (!served_by_pool.empty()) {
    AgentProfile pool = p;
    pool.id = "isa_pool";
    pool.shared_pool = true;
    pool.served_locations = {served_by_pool};
    REQUIRE_OK(db.profiles().put(s, pool));
    REQUIRE_OK(db.profiles().accept_pools(Scope{served_by_pool}, {s.location_id}));
  }
  AgentSession session;
  session.id = "sess_a";
  session.agent_id = "agent_a";
  session.conversation_id = "cv_x";
  REQUIRE_OK(db.profiles().put_session(s, session));
  Conversation c;
  c.id = unique("cv_") + "00000000000000000000";
  c.agent_id = "agent_a";
  e.conversation = REQUIRE_OK(db.transcript().open_conversation(s, c)).id;
  Message m;
  m.conversation_id = e.conversation;
  m.role = "assistant";
  m.content = "tenant secret advice";
  m.status = MessageStatus::complete;
  e.message = REQUIRE_OK(db.transcript().append_message(s, m)).id;
  CoachingEvent ev;
  ev.id = "ev_a";
  ev.agent_id = "agent_a";
  ev.guidance_type = GuidanceType::coaching_tip;
  ev.specialist = Specialist::coaching;
  REQUIRE_OK(db.coaching_history().record(s, ev));
  UsageRecord u;
  u.kind = "coach";
  u.request_id = "req_a";
  u.cost_usd = 2.5;
  REQUIRE_OK(db.ledger().record_usage(s, u));
  Budget budget;
  budget.monthly_usd = 100;
  REQUIRE_OK(db.ledger().set_budget(s, budget));
  REQUIRE_OK(db.ledger().set_rate_limits(s, RateLimits{1, 2, 3, 4, 5, 6}));
  REQUIRE_OK(db.experiments().put(s, Experiment{"exp_a", "", "Experiment", {"control", "b"}, true}));
  REQUIRE_OK(db.experiments().assign(s, "exp_a", "agent_a", "b"));
  WebhookRecord w;
  w.provider = "gohighlevel";
  w.dedupe_key = e.webhook_dedupe = unique("evt_");
  w.body = "{}";
  REQUIRE(REQUIRE_OK(db.webhook_inbox().insert(s, w)));
  StageChange stage;
  stage.to = ConversationStage::qualifying;
  stage.trigger = "event:replied";
  stage.source = "coach";
  REQUIRE_OK(db.lead_stages().append(s, "lead_a", 0, {stage}));
  const std::string key = unique("sk_live_");
  ApiKey k;
  k.location_id = s.location_id;
  k.kind = KeyKind::secret;
  k.prefix = key.substr(0, 12);
  k.key_hash = e.key_hash = store::detail::sha256_hex(key);
  k.scopes = {"messages"};
  REQUIRE_OK(db.admin().create_api_key(k));
  return e;
}

}  // namespace

#define STORE_BACKENDS porchlight::test::SqliteBackend, porchlight::test::PostgresBackend, \
                       porchlight::test::CachedSqliteBackend

TEST_CASE_TEMPLATE("isolation: another tenant's ids are simply not found", B, STORE_BACKENDS) {
  auto db = B::open();
  const Estate a = furnish(*db);
  const Scope b{REQUIRE_OK(db->admin().create_location("Other")).id};

  CHECK_FALSE(REQUIRE_OK(db->profiles().get(b, "agent_a")).has_value());
  CHECK(REQUIRE_OK(db->profiles().list(b)).empty());
  CHECK_FALSE(REQUIRE_OK(db->profiles().remove(b, "agent_a")));
  CHECK_FALSE(REQUIRE_OK(db->profiles().get_session(b, "sess_a")).has_value());

  CHECK_FALSE(REQUIRE_OK(db->transcript().get_conversation(b, a.conversation)).has_value());
  Conversation steal;
  steal.id = a.conversation;
  steal.agent_id = "agent_b";
  CHECK(code_of(db->transcript().open_conversation(b, steal)) == "store.conflict");
  Message m;
  m.conversation_id = a.conversation;
  m.role = "user";
  m.content = "injected";
  CHECK(code_of(db->transcript().append_message(b, m)) == "store.not_found");
  CHECK(REQUIRE_OK(db->transcript().list_messages(b, a.conversation, 0, 100)).empty());
  CHECK_FALSE(REQUIRE_OK(db->transcript().get_message(b, a.message)).has_value());
  Message overwrite;
  overwrite.id = a.message;
  overwrite.content = "overwritten";
  CHECK(code_of(db->transcript().update_message(b, overwrite)) == "store.not_found");
  CHECK(code_of(db->transcript().update_conversation(b, a.conversation, ConversationStage::closed_lost, "x", 0)) == "store.not_found");

  CHECK_FALSE(REQUIRE_OK(db->coaching_history().get(b, "ev_a")).has_value());
  CHECK_FALSE(REQUIRE_OK(db->coaching_history().set_feedback(b, "ev_a", Feedback::not_helpful, "sabotage")));
  CHECK_FALSE(REQUIRE_OK(db->coaching_history().set_outcome(b, "ev_a", Outcome::closed_lost)));

  const std::string month = store::detail::now_rfc3339().substr(0, 7);
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(b, month)) == 0.0);
  CHECK(REQUIRE_OK(db->ledger().get_budget(b)).monthly_usd == 0.0);
  CHECK(REQUIRE_OK(db->ledger().get_rate_limits(b)).key_requests == 0);
  CHECK(REQUIRE_OK(db->experiments().list(b)).empty());
  CHECK(code_of(db->experiments().assign(b, "exp_a", "agent_a", "control")) == "store.not_found");

  const std::string today = store::detail::now_rfc3339().substr(0, 10);
  CHECK(REQUIRE_OK(db->analytics().effectiveness(b, today, today)).empty());
  CHECK(REQUIRE_OK(db->analytics().usage_by_agent(b, today, today)).empty());
  CHECK(REQUIRE_OK(db->analytics().latencies(b, today, today)).empty());

  WebhookRecord w;
  w.provider = "gohighlevel";
  w.dedupe_key = a.webhook_dedupe;  // the same key in another tenant is another delivery
  w.body = "{}";
  CHECK(REQUIRE_OK(db->webhook_inbox().insert(b, w)));
  std::string a_webhook;
  for (int round = 0; round < 50 && a_webhook.empty(); ++round)
    for (const auto& c : REQUIRE_OK(db->webhook_inbox().claim(1000)))
      if (c.location_id == a.scope.location_id) a_webhook = c.id;
  REQUIRE_FALSE(a_webhook.empty());
  CHECK(code_of(db->webhook_inbox().finish(b, a_webhook, true, "")) == "store.not_found");
  REQUIRE_OK(db->webhook_inbox().finish(a.scope, a_webhook, true, ""));

  CHECK(REQUIRE_OK(db->lead_stages().history(b, "lead_a", 10)).empty());
  CHECK_FALSE(REQUIRE_OK(db->lead_stages().last(b, "lead_a")).has_value());
  StageChange mine_stage;
  mine_stage.to = ConversationStage::closed_lost;
  mine_stage.trigger = "event:lost";
  mine_stage.source = "events";
  REQUIRE_OK(db->lead_stages().append(b, "lead_a", 0, {mine_stage}));  // B's own lead_a

  // A writing its own id in B creates B's record and leaves A's alone.
  AgentProfile mine;
  mine.id = "agent_a";
  mine.location_id = b.location_id;
  mine.name = "B's own agent";
  mine.role = AgentRole::team_lead;
  REQUIRE_OK(db->profiles().put(b, mine));

  // Nothing of A's changed.
  CHECK(REQUIRE_OK(db->profiles().get(a.scope, "agent_a"))->name == "Agent A");
  CHECK(REQUIRE_OK(db->transcript().get_message(a.scope, a.message))->content == "tenant secret advice");
  CHECK(REQUIRE_OK(db->transcript().list_messages(a.scope, a.conversation, 0, 100)).size() == 1);
  CHECK(REQUIRE_OK(db->coaching_history().get(a.scope, "ev_a"))->feedback == Feedback::none);
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(a.scope, month)) == 2.5);
  CHECK(REQUIRE_OK(db->experiments().assign(a.scope, "exp_a", "agent_a", "control")) == "b");
  CHECK(REQUIRE_OK(db->lead_stages().last(a.scope, "lead_a"))->to == ConversationStage::qualifying);
}

TEST_CASE_TEMPLATE("isolation: a shared-pool agent crosses only into the locations it serves", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope served{REQUIRE_OK(db->admin().create_location("Served")).id};
  const Estate home = furnish(*db, served.location_id);
  const Scope stranger{REQUIRE_OK(db->admin().create_location("Stranger")).id};

  CHECK(REQUIRE_OK(db->profiles().get(served, "isa_pool")).has_value());
  CHECK_FALSE(REQUIRE_OK(db->profiles().get(served, "agent_a")).has_value());  // not shared
  CHECK_FALSE(REQUIRE_OK(db->profiles().get(stranger, "isa_pool")).has_value());
  // Serving a location grants reading the profile, nothing else of the home location.
  CHECK_FALSE(REQUIRE_OK(db->transcript().get_conversation(served, home.conversation)).has_value());
  CHECK_FALSE(REQUIRE_OK(db->profiles().remove(served, "isa_pool")));
  CHECK(REQUIRE_OK(db->profiles().get(home.scope, "isa_pool")).has_value());
}

// ---- straight through SQL, as porchlight_app ---------------------------------------------------

namespace {

struct SqlOutcome {
  bool ok = false;
  std::string state;  // SQLSTATE on error
  std::string error;
  std::vector<std::vector<std::string>> rows;
  long affected = 0;
};

class AppConnection {
 public:
  explicit AppConnection(const std::string& url) : c_(PQconnectdb(url.c_str())) {
    REQUIRE_MESSAGE(PQstatus(c_) == CONNECTION_OK, PQerrorMessage(c_));
  }
  ~AppConnection() { PQfinish(c_); }

  SqlOutcome run(const std::string& sql, const std::vector<std::string>& params = {}) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    PGresult* r = PQexecParams(c_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0);
    SqlOutcome out;
    const auto st = PQresultStatus(r);
    out.ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!out.ok) {
      const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
      out.state = state ? state : "";
      out.error = PQresultErrorMessage(r);
    }
    for (int i = 0; i < PQntuples(r); ++i) {
      std::vector<std::string> row;
      for (int f = 0; f < PQnfields(r); ++f) row.emplace_back(PQgetvalue(r, i, f));
      out.rows.push_back(std::move(row));
    }
    const char* n = PQcmdTuples(r);
    out.affected = n && *n ? std::atol(n) : 0;
    PQclear(r);
    return out;
  }

  // Runs `sql` in its own transaction with porchlight.location_id = tenant (empty: unset).
  SqlOutcome as(const std::string& tenant, const std::string& sql, const std::vector<std::string>& params = {}) {
    REQUIRE(run("BEGIN").ok);
    if (!tenant.empty()) REQUIRE(run("SELECT set_config('porchlight.location_id', $1, true)", {tenant}).ok);
    SqlOutcome out = run(sql, params);
    run("ROLLBACK");  // leave no trace: only what the repository wrote exists
    return out;
  }

 private:
  PGconn* c_;
};

const std::vector<std::string> kTenantTables = {
    "agent_profiles", "agent_location_access", "agent_sessions", "conversations",
    "messages", "agent_coaching_history", "api_keys", "usage_ledger",
    "budgets", "rate_limit_settings", "experiments", "experiment_assignments",
    "webhook_inbox", "usage_monthly", "lead_stage_changes"};

}  // namespace

TEST_CASE("isolation: as porchlight_app, row-level security hides and refuses other tenants' rows") {
  auto db = open_postgres();
  const Scope b{REQUIRE_OK(db->admin().create_location("Served")).id};
  const Estate a = furnish(*db, b.location_id);
  AgentProfile bp;
  bp.id = "agent_b";
  bp.location_id = b.location_id;
  bp.name = "Agent B";
  REQUIRE_OK(db->profiles().put(b, bp));
  const Scope c{REQUIRE_OK(db->admin().create_location("Stranger")).id};
  const std::string A = a.scope.location_id, Bid = b.location_id;

  AppConnection app(pg_app_url());

  SUBCASE("the role owns nothing and cannot bypass or switch off RLS") {
    auto role = app.run("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user");
    REQUIRE(role.rows.size() == 1);
    CHECK(role.rows[0][0] == "porchlight_app");
    CHECK(role.rows[0][1] == "f");
    CHECK(role.rows[0][2] == "f");
    CHECK(app.run("SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tableowner = current_user").rows.empty());
    auto off = app.as(A, "ALTER TABLE agent_profiles DISABLE ROW LEVEL SECURITY");
    CHECK_FALSE(off.ok);
    CHECK(off.state == "42501");
    CHECK(app.as(A, "DELETE FROM usage_ledger").state == "42501");  // append-only: no grant
    CHECK(app.as(A, "DELETE FROM messages").state == "42501");
    CHECK(app.as(A, "UPDATE schema_migrations SET checksum = ''").state == "42501");
    REQUIRE(app.run("BEGIN").ok);
    REQUIRE(app.run("SET LOCAL row_security = off").ok);
    auto bypass = app.run("SELECT count(*) FROM agent_profiles");
    app.run("ROLLBACK");
    CHECK_FALSE(bypass.ok);  // "query would be affected by row-level security policy"
    CHECK(bypass.state == "42501");
  }

  SUBCASE("RLS is enabled and forced on every table but schema_migrations, each with location_id") {
    auto loose = app.run(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'schema_migrations' "
        "AND NOT (c.relrowsecurity AND c.relforcerowsecurity)");
    REQUIRE(loose.ok);
    CHECK_MESSAGE(loose.rows.empty(), "tables without forced RLS: " << (loose.rows.empty() ? "" : loose.rows[0][0]));
    for (const auto& t : kTenantTables) {
      auto col = app.run("SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' "
                         "AND table_name = $1 AND column_name = 'location_id'", {t});
      CHECK_MESSAGE(col.rows.size() == 1, t << " has no location_id");
    }
  }

  SUBCASE("without a tenant nothing is visible") {
    for (const auto& t : kTenantTables) {
      auto r = app.as("", "SELECT count(*) FROM " + t);
      REQUIRE_MESSAGE(r.ok, t << ": " << r.error);
      CHECK_MESSAGE(r.rows[0][0] == "0", t);
    }
    CHECK(app.as("", "SELECT count(*) FROM locations").rows[0][0] == "0");
  }

  SUBCASE("even a query without a location filter sees only its tenant's rows") {
    for (const auto& t : kTenantTables) {
      // agent_location_access rows belong to the home location (A) and are readable in B.
      auto r = app.as(A, "SELECT count(*), count(*) FILTER (WHERE location_id <> $1) FROM " + t, {A});
      REQUIRE_MESSAGE(r.ok, t << ": " << r.error);
      CHECK_MESSAGE(r.rows[0][0] != "0", t << " should hold A's rows");
      CHECK_MESSAGE(r.rows[0][1] == "0", t << " shows another tenant's rows");
    }
    auto locs = app.as(A, "SELECT id FROM locations");
    REQUIRE(locs.rows.size() == 1);
    CHECK(locs.rows[0][0] == A);
    CHECK(app.as(Bid, "SELECT count(*) FROM messages").rows[0][0] == "0");
    CHECK(app.as(Bid, "SELECT count(*) FROM api_keys").rows[0][0] == "0");
  }

  SUBCASE("shared-pool profiles are visible in served locations only, and read-only there") {
    auto seen = app.as(Bid, "SELECT location_id, id FROM agent_profiles ORDER BY id");
    REQUIRE(seen.rows.size() == 2);
    CHECK(seen.rows[0] == std::vector<std::string>{Bid, "agent_b"});
    CHECK(seen.rows[1] == std::vector<std::string>{A, "isa_pool"});
    CHECK(app.as(c.location_id, "SELECT count(*) FROM agent_profiles").rows[0][0] == "0");
    CHECK(app.as(Bid, "UPDATE agent_profiles SET name = 'hijacked' WHERE id = 'isa_pool'").affected == 0);
    CHECK(app.as(Bid, "DELETE FROM agent_profiles WHERE location_id = $1", {A}).affected == 0);
    // A location cannot grant itself another location's agents.
    auto grant = app.as(c.location_id,
                        "INSERT INTO agent_location_access (location_id, agent_id, served_location_id) "
                        "VALUES ($1, 'agent_a', $2)", {A, c.location_id});
    CHECK_FALSE(grant.ok);
    CHECK(grant.state == "42501");
  }

  SUBCASE("a pool's home cannot consent for the location it serves; without the consent that location sees nothing") {
    // Steps that must see each other's writes run in one transaction (as() rolls each back).
    const auto tenant = [&](const std::string& id) {
      REQUIRE(app.run("SELECT set_config('porchlight.location_id', $1, true)", {id}).ok);
    };
    // A lists the stranger C among its pool's locations (A's own row): C never accepted A.
    REQUIRE(app.run("BEGIN").ok);
    tenant(A);
    REQUIRE(app.run("INSERT INTO agent_location_access (location_id, agent_id, served_location_id) "
                    "VALUES ($1, 'isa_pool', $2)", {A, c.location_id}).affected == 1);
    tenant(c.location_id);
    CHECK(app.run("SELECT count(*) FROM agent_location_access").rows[0][0] == "1");  // listed...
    CHECK(app.run("SELECT count(*) FROM agent_profiles").rows[0][0] == "0");         // ...and still not seen
    app.run("ROLLBACK");
    auto consent = app.as(A, "INSERT INTO shared_pool_consents (location_id, from_location_id, created_at) "
                             "VALUES ($1, $2, now())", {c.location_id, A});
    CHECK_FALSE(consent.ok);
    CHECK(consent.state == "42501");
    // A reads who accepts it, and nothing else; C reads none of B's consents.
    CHECK(app.as(A, "SELECT count(*) FROM shared_pool_consents").rows[0][0] == "1");
    CHECK(app.as(c.location_id, "SELECT count(*) FROM shared_pool_consents").rows[0][0] == "0");
    CHECK(app.as(A, "DELETE FROM shared_pool_consents").affected == 0);
    // B takes its consent back: the pool is gone from B's reads at once.
    REQUIRE(app.run("BEGIN").ok);
    tenant(Bid);
    CHECK(app.run("SELECT count(*) FROM agent_profiles WHERE id = 'isa_pool'").rows[0][0] == "1");
    CHECK(app.run("DELETE FROM shared_pool_consents WHERE location_id = $1", {Bid}).affected == 1);
    CHECK(app.run("SELECT count(*) FROM agent_profiles WHERE id = 'isa_pool'").rows[0][0] == "0");
    app.run("ROLLBACK");
  }

  SUBCASE("INSERT and UPDATE with a foreign location_id are rejected") {
    auto insert_profile = app.as(A,
        "INSERT INTO agent_profiles (location_id, id, name, role, experience, specializations, preferences, "
        "served_locations, created_at, updated_at) VALUES ($1, 'planted', 'x', 'buyer_agent', 'novice', '[]', "
        "'{}', '[]', now(), now())", {Bid});
    CHECK_FALSE(insert_profile.ok);
    CHECK(insert_profile.state == "42501");
    auto insert_usage = app.as(A,
        "INSERT INTO usage_ledger (id, location_id, kind, at) VALUES ('u_planted', $1, 'coach', now())", {Bid});
    CHECK(insert_usage.state == "42501");
    auto insert_message = app.as(A,
        "INSERT INTO messages (id, location_id, conversation_id, seq, role, content, status, created_at, updated_at) "
        "VALUES ('m_planted', $1, $2, 99, 'user', 'x', 'complete', now(), now())", {Bid, a.conversation});
    CHECK(insert_message.state == "42501");
    auto insert_location = app.as(A, "INSERT INTO locations (id, name, agent_token_secret, created_at) "
                                     "VALUES ('loc_planted', 'x', 'x', now())");
    CHECK(insert_location.state == "42501");
    auto move_profile = app.as(A, "UPDATE agent_profiles SET location_id = $1 WHERE id = 'agent_a'", {Bid});
    CHECK_FALSE(move_profile.ok);
    CHECK(move_profile.state == "42501");
    auto move_conversation = app.as(A, "UPDATE conversations SET location_id = $1 WHERE id = $2", {Bid, a.conversation});
    CHECK(move_conversation.state == "42501");
    CHECK(app.as(A, "UPDATE agent_profiles SET name = 'x' WHERE location_id = $1", {Bid}).affected == 0);
    CHECK(app.as(A, "DELETE FROM agent_profiles WHERE location_id = $1", {Bid}).affected == 0);
    CHECK(app.as(Bid, "UPDATE messages SET content = 'x' WHERE id = $1", {a.message}).affected == 0);
  }

  SUBCASE("the admin functions cross tenants, and only as written") {
    auto key = app.as("", "SELECT location_id FROM porchlight_find_api_key($1)", {a.key_hash});
    REQUIRE_MESSAGE(key.ok, key.error);
    REQUIRE(key.rows.size() == 1);
    CHECK(key.rows[0][0] == A);
    CHECK(app.as("", "SELECT count(*) FROM api_keys").rows[0][0] == "0");  // the table itself stays walled
  }

  // The repository saw all of this as intact.
  CHECK(REQUIRE_OK(db->profiles().get(b, "isa_pool"))->name == "Agent A");
  CHECK(REQUIRE_OK(db->transcript().list_messages(a.scope, a.conversation, 0, 10)).size() == 1);
}
