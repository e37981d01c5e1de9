// The store conformance suite: every behaviour of store.hpp, run unchanged against SQLite,
// Postgres (as porchlight_app, under RLS) and the cache-aside decorator over SQLite.
//
// Each test makes its own locations (random ids), so tests never see each other's rows.

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "store/backends.hpp"
#include "store/store_util.hpp"

namespace {

using namespace porchlight;
using namespace porchlight::store;
using namespace porchlight::test;

Scope new_location(Store& db) { return Scope{REQUIRE_OK(db.admin().create_location("Test Realty")).id}; }

AgentProfile make_profile(const Scope& s, const std::string& id, const std::string& name = "Dana Reyes") {
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

Conversation make_conversation(const Scope& s) {
  Conversation c;
  c.id = unique("cv_") + "0123456789abcdef0123";
  c.location_id = s.location_id;
  c.agent_id = "agent_1";
  c.lead_id = "lead_9";
  c.stage = ConversationStage::qualifying;
  return c;
}

Message make_message(const std::string& conversation, const std::string& role, const std::string& content) {
  Message m;
  m.conversation_id = conversation;
  m.role = role;
  m.content = content;
  m.status = role == "user" ? MessageStatus::complete : MessageStatus::streaming;
  m.surface = "widget";
  return m;
}

CoachingEvent make_event(const Scope& s, const std::string& id, const std::string& created_at) {
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

std::string hash_of(const std::string& key) { return store::detail::sha256_hex(key); }

bool is_canonical_time(const std::string& t) {
  auto c = store::detail::canonical_timestamp(t);
  return c && *c == t;
}

}  // namespace

#define STORE_BACKENDS porchlight::test::SqliteBackend, porchlight::test::PostgresBackend, \
                       porchlight::test::CachedSqliteBackend

TEST_CASE_TEMPLATE("store: ping and the backend's name", B, STORE_BACKENDS) {
  auto db = B::open();
  auto pinged = db->ping();
  CHECK_MESSAGE(pinged.ok(), errors_of(pinged));
  CHECK((db->backend() == "sqlite" || db->backend() == "postgres"));
}

TEST_CASE_TEMPLATE("store: locations are created with a random id and secret, and found by id", B, STORE_BACKENDS) {
  auto db = B::open();
  Location a = REQUIRE_OK(db->admin().create_location("Sunset Realty"));
  Location b = REQUIRE_OK(db->admin().create_location("Harbor Homes"));
  CHECK(a.id.rfind("loc_", 0) == 0);
  CHECK(a.id != b.id);
  CHECK(a.agent_token_secret.size() == 64);
  CHECK(a.agent_token_secret != b.agent_token_secret);
  CHECK(is_canonical_time(a.created_at));

  auto found = REQUIRE_OK(db->admin().find_location(a.id));
  REQUIRE(found.has_value());
  CHECK(found->name == "Sunset Realty");
  CHECK(found->agent_token_secret == a.agent_token_secret);
  CHECK(found->created_at == a.created_at);
  CHECK_FALSE(REQUIRE_OK(db->admin().find_location("loc_does_not_exist")).has_value());

  CHECK(code_of(db->admin().find_location("bad id with spaces")) == "store.invalid");
  CHECK(code_of(db->admin().create_location("")) == "store.invalid");
  CHECK(code_of(db->admin().create_location("line\nbreak")) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: ensure_location creates a fixed location once and then returns it", B, STORE_BACKENDS) {
  auto db = B::open();
  const std::string id = unique("loc_fixed_");
  Location first = REQUIRE_OK(db->admin().ensure_location(id, "Demo Realty"));
  CHECK(first.id == id);
  CHECK(first.name == "Demo Realty");
  CHECK(first.agent_token_secret.size() == 64);
  Location again = REQUIRE_OK(db->admin().ensure_location(id, "Another Name"));
  CHECK(again.name == "Demo Realty");  // not replaced
  CHECK(again.agent_token_secret == first.agent_token_secret);
  CHECK(again.created_at == first.created_at);
  CHECK(REQUIRE_OK(db->admin().find_location(id)).has_value());
  CHECK(code_of(db->admin().ensure_location("bad id", "x")) == "store.invalid");
  CHECK(code_of(db->admin().ensure_location(unique("loc_"), "")) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: api keys are stored hashed, found by hash, revoked by id or prefix", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const std::string secret_key = "pk_live_" + unique("");
  ApiKey k;
  k.location_id = s.location_id;
  k.kind = KeyKind::publishable;
  k.prefix = secret_key.substr(0, 14);
  k.key_hash = hash_of(secret_key);
  k.scopes = {"coach"};
  k.allowed_origins = {"https://app.example.com", "http://localhost:5173"};
  ApiKey stored = REQUIRE_OK(db->admin().create_api_key(k));
  CHECK(stored.id.rfind("key_", 0) == 0);
  CHECK(is_canonical_time(stored.created_at));
  CHECK_FALSE(stored.revoked_at.has_value());

  auto found = REQUIRE_OK(db->admin().find_api_key_by_hash(hash_of(secret_key)));
  REQUIRE(found.has_value());
  CHECK(found->id == stored.id);
  CHECK(found->location_id == s.location_id);
  CHECK(found->kind == KeyKind::publishable);
  CHECK(found->prefix == k.prefix);
  CHECK(found->scopes == k.scopes);
  CHECK(found->allowed_origins == k.allowed_origins);
  CHECK(found->created_at == stored.created_at);
  CHECK_FALSE(REQUIRE_OK(db->admin().find_api_key_by_hash(hash_of("pk_live_other"))).has_value());

  SUBCASE("bad input and conflicts") {
    CHECK(code_of(db->admin().find_api_key_by_hash("not-a-hash")) == "store.invalid");
    CHECK(code_of(db->admin().create_api_key(k)) == "store.conflict");  // the same key twice
    ApiKey bad = k;
    bad.key_hash = hash_of("another");
    bad.location_id = "loc_missing";
    CHECK(code_of(db->admin().create_api_key(bad)) == "store.invalid");
    bad = k;
    bad.key_hash = "ABC";
    CHECK(code_of(db->admin().create_api_key(bad)) == "store.invalid");
    bad = k;
    bad.key_hash = hash_of("sk");
    bad.kind = KeyKind::secret;  // secret keys are not bound to origins
    CHECK(code_of(db->admin().create_api_key(bad)) == "store.invalid");
    bad.allowed_origins = {"not an origin"};
    bad.kind = KeyKind::publishable;
    CHECK(code_of(db->admin().create_api_key(bad)) == "store.invalid");
  }
  SUBCASE("revoke by id") {
    CHECK(REQUIRE_OK(db->admin().revoke_api_key(stored.id)));
    auto again = REQUIRE_OK(db->admin().find_api_key_by_hash(hash_of(secret_key)));
    REQUIRE(again.has_value());
    REQUIRE(again->revoked_at.has_value());
    CHECK(is_canonical_time(*again->revoked_at));
    CHECK_FALSE(REQUIRE_OK(db->admin().revoke_api_key(stored.id)));  // already revoked
  }
  SUBCASE("revoke by prefix; an ambiguous prefix revokes nothing") {
    ApiKey twin = k;
    twin.key_hash = hash_of(secret_key + "x");
    REQUIRE_OK(db->admin().create_api_key(twin));
    CHECK(code_of(db->admin().revoke_api_key(k.prefix)) == "store.conflict");
    CHECK_FALSE(REQUIRE_OK(db->admin().find_api_key_by_hash(hash_of(secret_key)))->revoked_at.has_value());
    REQUIRE(REQUIRE_OK(db->admin().revoke_api_key(stored.id)));
    CHECK(REQUIRE_OK(db->admin().revoke_api_key(k.prefix)));  // now only the twin is live
    CHECK_FALSE(REQUIRE_OK(db->admin().revoke_api_key("pk_live_nothing")));
  }
}

TEST_CASE_TEMPLATE("store: profiles are created, replaced, listed and deleted", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  AgentProfile p = make_profile(s, "agent_1");
  AgentProfile stored = REQUIRE_OK(db->profiles().put(s, p));
  CHECK(stored.name == "Dana Reyes");

  auto got = REQUIRE_OK(db->profiles().get(s, "agent_1"));
  REQUIRE(got.has_value());
  CHECK(to_json(*got) == to_json(p));
  CHECK_FALSE(REQUIRE_OK(db->profiles().get(s, "agent_2")).has_value());

  p.name = "Dana Reyes-Smith";
  p.role = AgentRole::team_lead;
  p.specializations = {};
  REQUIRE_OK(db->profiles().put(s, p));
  got = REQUIRE_OK(db->profiles().get(s, "agent_1"));
  REQUIRE(got.has_value());
  CHECK(got->name == "Dana Reyes-Smith");
  CHECK(got->role == AgentRole::team_lead);
  CHECK(got->specializations.empty());

  REQUIRE_OK(db->profiles().put(s, make_profile(s, "agent_0", "Ann")));
  auto all = REQUIRE_OK(db->profiles().list(s));
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == "agent_0");
  CHECK(all[1].id == "agent_1");

  CHECK(REQUIRE_OK(db->profiles().remove(s, "agent_1")));
  CHECK_FALSE(REQUIRE_OK(db->profiles().get(s, "agent_1")).has_value());
  CHECK_FALSE(REQUIRE_OK(db->profiles().remove(s, "agent_1")));
  CHECK(REQUIRE_OK(db->profiles().list(s)).size() == 1);
}

TEST_CASE_TEMPLATE("store: a profile that breaks the model's rules is store.invalid, with every field", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  AgentProfile p = make_profile(s, "agent_1");
  p.name = "";
  p.preferences.language = "not a language";
  auto r = db->profiles().put(s, p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.errors().size() == 2);
  for (const auto& e : r.errors()) CHECK(e.code == "store.invalid");
  CHECK(r.errors()[0].path == "profile.name");

  p = make_profile(s, "agent_1");
  p.location_id = "loc_someone_else";
  CHECK(code_of(db->profiles().put(s, p)) == "store.invalid");
  CHECK(code_of(db->profiles().put(Scope{""}, make_profile(s, "agent_1"))) == "store.invalid");
  CHECK(code_of(db->profiles().get(s, "")) == "store.invalid");
  CHECK(code_of(db->profiles().list(Scope{"has space"})) == "store.invalid");
  CHECK_FALSE(REQUIRE_OK(db->profiles().get(s, "agent_1")).has_value());  // nothing was written
}

TEST_CASE_TEMPLATE("store: a shared-pool agent is visible in every location it serves, and only there", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope home = new_location(*db), served = new_location(*db), other = new_location(*db);
  AgentProfile p = make_profile(home, "isa_1", "Pool ISA");
  p.shared_pool = true;
  p.served_locations = {served.location_id};
  AgentProfile stored = REQUIRE_OK(db->profiles().put(home, p));
  std::vector<std::string> expected{home.location_id, served.location_id};
  std::sort(expected.begin(), expected.end());
  CHECK(stored.served_locations == expected);  // canonical: sorted, home included

  auto seen = REQUIRE_OK(db->profiles().get(served, "isa_1"));
  REQUIRE(seen.has_value());
  CHECK(seen->location_id == home.location_id);
  CHECK(seen->served_locations == expected);
  CHECK(REQUIRE_OK(db->profiles().list(served)).size() == 1);
  CHECK_FALSE(REQUIRE_OK(db->profiles().get(other, "isa_1")).has_value());
  CHECK(REQUIRE_OK(db->profiles().list(other)).empty());

  // Only the home location writes it.
  CHECK_FALSE(REQUIRE_OK(db->profiles().remove(served, "isa_1")));
  CHECK(code_of(db->profiles().put(served, p)) == "store.invalid");

  // A served location's own agent with the same id wins there.
  REQUIRE_OK(db->profiles().put(served, make_profile(served, "isa_1", "Local Agent")));
  CHECK(REQUIRE_OK(db->profiles().get(served, "isa_1"))->name == "Local Agent");
  REQUIRE(REQUIRE_OK(db->profiles().remove(served, "isa_1")));

  SUBCASE("a served location that does not exist is refused") {
    AgentProfile bad = p;
    bad.served_locations = {served.location_id, "loc_missing"};
    CHECK(code_of(db->profiles().put(home, bad)) == "store.invalid");
    CHECK(REQUIRE_OK(db->profiles().get(served, "isa_1")).has_value());  // the old version stands
  }
  SUBCASE("unsharing hides it again") {
    p.shared_pool = false;
    p.served_locations.clear();
    REQUIRE_OK(db->profiles().put(home, p));
    CHECK_FALSE(REQUIRE_OK(db->profiles().get(served, "isa_1")).has_value());
    CHECK(REQUIRE_OK(db->profiles().get(home, "isa_1")).has_value());
  }
  SUBCASE("deleting it at home removes it everywhere") {
    CHECK(REQUIRE_OK(db->profiles().remove(home, "isa_1")));
    CHECK_FALSE(REQUIRE_OK(db->profiles().get(served, "isa_1")).has_value());
  }
}

TEST_CASE_TEMPLATE("store: sessions keep their start time when replaced", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  AgentSession x;
  x.id = "sess_1";
  x.agent_id = "agent_1";
  x.conversation_id = "cv_1";
  x.surface = Surface::streamlit;
  x.stage = ConversationStage::nurturing;
  x.started_at = "2026-11-25T10:00:00+02:00";
  AgentSession stored = REQUIRE_OK(db->profiles().put_session(s, x));
  CHECK(stored.location_id == s.location_id);
  CHECK(stored.started_at == "2026-11-25T08:00:00.000000Z");
  CHECK(is_canonical_time(stored.last_active_at));

  x.turn_count = 7;
  x.summary = "Buyer wants a condo near the lake.";
  x.started_at = "2026-11-26T00:00:00Z";
  x.last_active_at = "2026-11-26T01:02:03.5Z";
  REQUIRE_OK(db->profiles().put_session(s, x));
  auto got = REQUIRE_OK(db->profiles().get_session(s, "sess_1"));
  REQUIRE(got.has_value());
  CHECK(got->started_at == "2026-11-25T08:00:00.000000Z");
  CHECK(got->last_active_at == "2026-11-26T01:02:03.500000Z");
  CHECK(got->turn_count == 7);
  CHECK(got->summary == x.summary);
  CHECK(got->surface == Surface::streamlit);
  CHECK_FALSE(REQUIRE_OK(db->profiles().get_session(s, "sess_2")).has_value());

  x.started_at = "yesterday";
  CHECK(code_of(db->profiles().put_session(s, x)) == "store.invalid");
  x.started_at = "";
  x.agent_id = "";
  CHECK(code_of(db->profiles().put_session(s, x)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: conversations open once and their summary is updated", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  Conversation c = make_conversation(s);
  Conversation opened = REQUIRE_OK(db->transcript().open_conversation(s, c));
  CHECK(opened.id == c.id);
  CHECK(opened.stage == ConversationStage::qualifying);
  CHECK(is_canonical_time(opened.created_at));

  c.stage = ConversationStage::closed_won;  // opening again returns the stored one, unchanged
  Conversation again = REQUIRE_OK(db->transcript().open_conversation(s, c));
  CHECK(again.stage == ConversationStage::qualifying);
  CHECK(again.created_at == opened.created_at);

  REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "user", "hello")));
  REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "assistant", "hi")));
  REQUIRE_OK(db->transcript().update_conversation(s, c.id, ConversationStage::appointment_set, "They met.", 2));
  auto got = REQUIRE_OK(db->transcript().get_conversation(s, c.id));
  REQUIRE(got.has_value());
  CHECK(got->stage == ConversationStage::appointment_set);
  CHECK(got->summary == "They met.");
  CHECK(got->summary_through_seq == 2);

  CHECK(code_of(db->transcript().update_conversation(s, c.id, ConversationStage::active, "x", 3)) == "store.invalid");
  CHECK(code_of(db->transcript().update_conversation(s, "cv_missing", ConversationStage::active, "x", 0)) == "store.not_found");
  CHECK_FALSE(REQUIRE_OK(db->transcript().get_conversation(s, "cv_missing")).has_value());
  c.id = "not valid!";
  CHECK(code_of(db->transcript().open_conversation(s, c)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: the transcript appends with dense seqs and updates streaming answers", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const Conversation c = REQUIRE_OK(db->transcript().open_conversation(s, make_conversation(s)));

  Message u = REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "user", "The seller says 6% is too high")));
  Message a = REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "assistant", "")));
  CHECK(u.seq == 1);
  CHECK(a.seq == 2);
  CHECK(u.id.rfind("msg_", 0) == 0);
  CHECK(u.location_id == s.location_id);
  CHECK(is_canonical_time(u.created_at));

  a.content = "Acknowledge, then show the net sheet.";
  a.status = MessageStatus::complete;
  a.model = "claude-sonnet-4-5";
  a.specialist = "objection_handling";
  a.usage.input_tokens = 900;
  a.usage.output_tokens = 120;
  a.usage.cache_creation_input_tokens = 50;
  a.usage.cache_creation_1h_input_tokens = 20;
  a.usage.cache_read_input_tokens = 800;
  a.cost_usd = 0.00123456;
  a.latency_ms = 1234;
  a.event_id = "ev_1";
  a.conversation_id.clear();  // not needed to update
  REQUIRE_OK(db->transcript().update_message(s, a));

  auto got = REQUIRE_OK(db->transcript().get_message(s, a.id));
  REQUIRE(got.has_value());
  CHECK(got->content == a.content);
  CHECK(got->status == MessageStatus::complete);
  CHECK(got->model == "claude-sonnet-4-5");
  CHECK(got->specialist == "objection_handling");
  CHECK(got->usage.cache_creation_1h_input_tokens == 20);
  CHECK(got->usage.cache_read_input_tokens == 800);
  CHECK(got->cost_usd == doctest::Approx(0.00123456).epsilon(1e-12));
  CHECK(got->latency_ms == 1234);
  CHECK(got->event_id == "ev_1");
  CHECK(got->seq == 2);
  CHECK(got->created_at == a.created_at);

  for (int i = 0; i < 5; ++i) REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "user", "m" + std::to_string(i))));
  auto page = REQUIRE_OK(db->transcript().list_messages(s, c.id, 2, 3));
  REQUIRE(page.size() == 3);
  CHECK(page[0].seq == 3);
  CHECK(page[0].content == "m0");
  CHECK(page[2].seq == 5);
  CHECK(REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 100)).size() == 7);
  CHECK(REQUIRE_OK(db->transcript().list_messages(s, c.id, 7, 100)).empty());

  SUBCASE("bad input") {
    CHECK(code_of(db->transcript().append_message(s, make_message("cv_missing", "user", "x"))) == "store.not_found");
    CHECK(code_of(db->transcript().append_message(s, make_message(c.id, "system", "x"))) == "store.invalid");
    CHECK(code_of(db->transcript().append_message(s, make_message(c.id, "user", std::string("bad \xff utf-8")))) == "store.invalid");
    CHECK(code_of(db->transcript().append_message(s, make_message(c.id, "user", std::string("nul \0 byte", 10)))) == "store.invalid");
    Message m = make_message(c.id, "assistant", "x");
    m.surface = "fax";
    CHECK(code_of(db->transcript().append_message(s, m)) == "store.invalid");
    m = make_message(c.id, "assistant", "x");
    m.cost_usd = -1;
    CHECK(code_of(db->transcript().append_message(s, m)) == "store.invalid");
    m.id = "msg_missing";
    m.cost_usd = 0;
    CHECK(code_of(db->transcript().update_message(s, m)) == "store.not_found");
    Message wrong = a;
    wrong.conversation_id = "cv_other";
    CHECK(code_of(db->transcript().update_message(s, wrong)) == "store.not_found");
    CHECK(code_of(db->transcript().list_messages(s, c.id, 0, 0)) == "store.invalid");
    CHECK(code_of(db->transcript().list_messages(s, c.id, -1, 10)) == "store.invalid");
    CHECK(REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 100)).size() == 7);  // nothing was added
  }
}

TEST_CASE_TEMPLATE("store: concurrent appends get distinct, dense seqs", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  const Conversation c = REQUIRE_OK(db->transcript().open_conversation(s, make_conversation(s)));
  constexpr int kThreads = 4, kEach = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i)
        if (!db->transcript().append_message(s, make_message(c.id, "user", std::to_string(t) + ":" + std::to_string(i))).ok())
          ++failures;
    });
  for (auto& th : threads) th.join();
  CHECK(failures.load() == 0);
  auto all = REQUIRE_OK(db->transcript().list_messages(s, c.id, 0, 1000));
  REQUIRE(all.size() == kThreads * kEach);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].seq == static_cast<std::int64_t>(i + 1));
}

TEST_CASE_TEMPLATE("store: coaching events record, and take feedback and outcomes", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  CoachingEvent e = make_event(s, "ev_1", "2026-11-20T10:00:00Z");
  REQUIRE_OK(db->coaching_history().record(s, e));
  auto got = REQUIRE_OK(db->coaching_history().get(s, "ev_1"));
  REQUIRE(got.has_value());
  e.created_at = "2026-11-20T10:00:00.000000Z";
  CHECK(to_json(*got) == to_json(e));

  CHECK(REQUIRE_OK(db->coaching_history().set_feedback(s, "ev_1", Feedback::helpful, "Great script")));
  CHECK(REQUIRE_OK(db->coaching_history().set_outcome(s, "ev_1", Outcome::appointment_set)));
  got = REQUIRE_OK(db->coaching_history().get(s, "ev_1"));
  CHECK(got->feedback == Feedback::helpful);
  CHECK(got->feedback_comment == "Great script");
  CHECK(got->outcome == Outcome::appointment_set);

  CHECK_FALSE(REQUIRE_OK(db->coaching_history().set_feedback(s, "ev_missing", Feedback::helpful, "")));
  CHECK_FALSE(REQUIRE_OK(db->coaching_history().set_outcome(s, "ev_missing", Outcome::closed_won)));
  CHECK_FALSE(REQUIRE_OK(db->coaching_history().get(s, "ev_missing")).has_value());
  CHECK(code_of(db->coaching_history().record(s, e)) == "store.conflict");
  CoachingEvent bad = make_event(s, "", "");
  CHECK(code_of(db->coaching_history().record(s, bad)) == "store.invalid");
  bad = make_event(s, "ev_2", "");
  bad.usage.output_tokens = -5;
  CHECK(code_of(db->coaching_history().record(s, bad)) == "store.invalid");
  bad = make_event(s, "ev_3", "");  // an empty created_at is now
  REQUIRE_OK(db->coaching_history().record(s, bad));
  CHECK(is_canonical_time(REQUIRE_OK(db->coaching_history().get(s, "ev_3"))->created_at));
}

TEST_CASE_TEMPLATE("store: usage adds up per UTC month, and a retried request counts once", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto usage = [&](const std::string& request, double cost, const std::string& at) {
    UsageRecord u;
    u.key_id = "key_1";
    u.agent_id = "agent_1";
    u.request_id = request;
    u.kind = "coach";
    u.model = "claude-haiku-4-5";
    u.usage.input_tokens = 100;
    u.usage.output_tokens = 10;
    u.cost_usd = cost;
    u.at = at;
    return u;
  };
  REQUIRE_OK(db->ledger().record_usage(s, usage("req_1", 0.25, "2026-11-01T00:00:00Z")));
  REQUIRE_OK(db->ledger().record_usage(s, usage("req_2", 0.125, "2026-11-15T12:00:00Z")));
  REQUIRE_OK(db->ledger().record_usage(s, usage("req_2", 0.125, "2026-11-15T12:00:00Z")));  // a retry
  // 23:30 on Nov 30 at UTC-2 is December in UTC.
  REQUIRE_OK(db->ledger().record_usage(s, usage("req_3", 1.0, "2026-11-30T23:30:00-02:00")));
  REQUIRE_OK(db->ledger().record_usage(s, usage("", 0.5, "2026-10-31T23:59:59.999999Z")));
  REQUIRE_OK(db->ledger().record_usage(s, usage("", 0.5, "2026-10-31T23:59:59.999999Z")));  // no id: both count

  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-11")) == doctest::Approx(0.375));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-12")) == doctest::Approx(1.0));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-10")) == doctest::Approx(1.0));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2025-01")) == 0.0);
  CHECK(code_of(db->ledger().month_spend_usd(s, "2026-13")) == "store.invalid");
  CHECK(code_of(db->ledger().month_spend_usd(s, "November")) == "store.invalid");
  UsageRecord bad = usage("req_9", -1, "");
  CHECK(code_of(db->ledger().record_usage(s, bad)) == "store.invalid");
  bad = usage("req_9", 1, "");
  bad.kind = "";
  CHECK(code_of(db->ledger().record_usage(s, bad)) == "store.invalid");

  // A batch is one transaction: written whole (a retry inside it ignored), or not at all.
  REQUIRE_OK(db->ledger().record_usage_batch(s, {usage("req_4", 0.5, "2026-09-01T00:00:00Z"), usage("req_5", 0.25, "2026-09-02T00:00:00Z"),
                                        usage("req_4", 0.5, "2026-09-01T00:00:00Z")}));
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-09")) == doctest::Approx(0.75));
  CHECK(code_of(db->ledger().record_usage_batch(s, {usage("req_6", 2.0, "2026-08-01T00:00:00Z"), bad})) == "store.invalid");
  CHECK(REQUIRE_OK(db->ledger().month_spend_usd(s, "2026-08")) == 0.0);
}

TEST_CASE_TEMPLATE("store: budgets and rate limits default to none and are replaced", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  CHECK(REQUIRE_OK(db->ledger().get_budget(s)).monthly_usd == 0.0);
  RateLimits none = REQUIRE_OK(db->ledger().get_rate_limits(s));
  CHECK(none.key_requests == 0);
  CHECK(none.location_tokens == 0);

  REQUIRE_OK(db->ledger().set_budget(s, Budget{250.5}));
  REQUIRE_OK(db->ledger().set_budget(s, Budget{300.25}));
  CHECK(REQUIRE_OK(db->ledger().get_budget(s)).monthly_usd == 300.25);
  RateLimits l{60, 100000, 30, 50000, 600, 1000000};
  REQUIRE_OK(db->ledger().set_rate_limits(s, l));
  RateLimits got = REQUIRE_OK(db->ledger().get_rate_limits(s));
  CHECK(got.key_requests == 60);
  CHECK(got.key_tokens == 100000);
  CHECK(got.agent_requests == 30);
  CHECK(got.agent_tokens == 50000);
  CHECK(got.location_requests == 600);
  CHECK(got.location_tokens == 1000000);

  CHECK(code_of(db->ledger().set_budget(s, Budget{-1})) == "store.invalid");
  CHECK(code_of(db->ledger().set_rate_limits(s, RateLimits{-1, 0, 0, 0, 0, 0})) == "store.invalid");
  CHECK(REQUIRE_OK(db->ledger().get_budget(s)).monthly_usd == 300.25);
}

TEST_CASE_TEMPLATE("store: experiments list and assignments stick", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  Experiment e{"exp_tone", "", "Tone of objection answers", {"control", "empathetic"}, true};
  REQUIRE_OK(db->experiments().put(s, e));
  REQUIRE_OK(db->experiments().put(s, Experiment{"exp_a", "", "Another", {"control"}, false}));
  auto all = REQUIRE_OK(db->experiments().list(s));
  REQUIRE(all.size() == 2);
  CHECK(all[0].id == "exp_a");
  CHECK_FALSE(all[0].active);
  CHECK(all[1].variants == std::vector<std::string>{"control", "empathetic"});
  CHECK(all[1].location_id == s.location_id);

  CHECK(REQUIRE_OK(db->experiments().assign(s, "exp_tone", "agent_1", "empathetic")) == "empathetic");
  CHECK(REQUIRE_OK(db->experiments().assign(s, "exp_tone", "agent_1", "control")) == "empathetic");  // sticky
  CHECK(REQUIRE_OK(db->experiments().assign(s, "exp_tone", "agent_2", "control")) == "control");
  CHECK(code_of(db->experiments().assign(s, "exp_missing", "agent_1", "control")) == "store.not_found");
  CHECK(code_of(db->experiments().assign(s, "exp_tone", "agent_3", "loud")) == "store.invalid");
  CHECK(code_of(db->experiments().put(s, Experiment{"exp_b", "", "Dup", {"a", "a"}, true})) == "store.invalid");
  CHECK(code_of(db->experiments().put(s, Experiment{"exp_b", "", "None", {}, true})) == "store.invalid");

  e.active = false;  // replacing keeps assignments
  REQUIRE_OK(db->experiments().put(s, e));
  CHECK(REQUIRE_OK(db->experiments().assign(s, "exp_tone", "agent_1", "control")) == "empathetic");
}

TEST_CASE_TEMPLATE("store: webhooks are deduplicated, claimed once and finished", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  WebhookRecord w;
  w.provider = "gohighlevel";
  w.dedupe_key = unique("evt_");
  w.body = std::string("{\"type\":\"ContactCreate\"}\0\xff\xfe raw", 31);
  w.headers_json = R"({"x-wh-signature":"abc"})";
  w.signature_valid = true;
  CHECK(REQUIRE_OK(db->webhook_inbox().insert(s, w)));
  CHECK_FALSE(REQUIRE_OK(db->webhook_inbox().insert(s, w)));  // the same delivery again

  // The worker serves every location: other tests' webhooks may be claimed too.
  std::vector<WebhookRecord> mine;
  for (int round = 0; round < 50 && mine.empty(); ++round)
    for (auto& c : REQUIRE_OK(db->webhook_inbox().claim(1000)))
      if (c.location_id == s.location_id) mine.push_back(c);
  REQUIRE(mine.size() == 1);
  const WebhookRecord& got = mine[0];
  CHECK(got.body == w.body);
  CHECK(got.headers_json == w.headers_json);
  CHECK(got.signature_valid);
  CHECK(got.state == "processing");
  CHECK(got.attempts == 1);
  CHECK(got.dedupe_key == w.dedupe_key);
  CHECK(is_canonical_time(got.received_at));
  CHECK(got.processed_at.empty());
  for (auto& c : REQUIRE_OK(db->webhook_inbox().claim(1000))) CHECK(c.id != got.id);  // claimed once

  REQUIRE_OK(db->webhook_inbox().finish(s, got.id, false, "contact not found"));
  CHECK(code_of(db->webhook_inbox().finish(s, "wh_missing", true, "")) == "store.not_found");
  CHECK(code_of(db->webhook_inbox().claim(0)) == "store.invalid");
  WebhookRecord bad = w;
  bad.headers_json = "{not json";
  bad.dedupe_key = "other";
  CHECK(code_of(db->webhook_inbox().insert(s, bad)) == "store.invalid");
  bad = w;
  bad.dedupe_key = "";
  CHECK(code_of(db->webhook_inbox().insert(s, bad)) == "store.invalid");
}

TEST_CASE_TEMPLATE("store: analytics group by UTC day over an inclusive range", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto ev = [&](const std::string& id, const std::string& at, const std::string& variant, Feedback f) {
    CoachingEvent e = make_event(s, id, at);
    e.approach_variant = variant;
    e.feedback = f;
    REQUIRE_OK(db->coaching_history().record(s, e));
  };
  ev("e1", "2026-11-20T01:00:00Z", "control", Feedback::helpful);
  ev("e2", "2026-11-20T23:59:59Z", "control", Feedback::not_helpful);
  ev("e3", "2026-11-20T12:00:00Z", "empathetic", Feedback::helpful);
  ev("e4", "2026-11-21T00:30:00+01:00", "control", Feedback::none);  // still Nov 20 in UTC
  ev("e5", "2026-11-22T00:00:00Z", "control", Feedback::helpful);
  ev("e6", "2026-11-23T00:00:00Z", "control", Feedback::helpful);  // outside

  auto rows = REQUIRE_OK(db->analytics().effectiveness(s, "2026-11-20", "2026-11-22"));
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].day == "2026-11-20");
  CHECK(rows[0].guidance_type == "objection_response");
  CHECK(rows[0].approach_variant == "control");
  CHECK(rows[0].events == 3);
  CHECK(rows[0].helpful == 1);
  CHECK(rows[0].not_helpful == 1);
  CHECK(rows[1].approach_variant == "empathetic");
  CHECK(rows[1].events == 1);
  CHECK(rows[2].day == "2026-11-22");

  auto u = [&](const std::string& agent, const std::string& at, double cost) {
    UsageRecord r;
    r.agent_id = agent;
    r.kind = "messages";
    r.model = "claude-sonnet-4-5";
    r.usage.input_tokens = 1000;
    r.usage.output_tokens = 100;
    r.usage.cache_read_input_tokens = 500;
    r.usage.cache_creation_input_tokens = 200;
    r.cost_usd = cost;
    r.at = at;
    REQUIRE_OK(db->ledger().record_usage(s, r));
  };
  u("agent_1", "2026-11-20T08:00:00Z", 0.5);
  u("agent_1", "2026-11-20T09:00:00Z", 0.25);
  u("agent_2", "2026-11-21T09:00:00Z", 1.0);
  auto usage = REQUIRE_OK(db->analytics().usage_by_agent(s, "2026-11-20", "2026-11-21"));
  REQUIRE(usage.size() == 2);
  CHECK(usage[0].day == "2026-11-20");
  CHECK(usage[0].agent_id == "agent_1");
  CHECK(usage[0].model == "claude-sonnet-4-5");
  CHECK(usage[0].requests == 2);
  CHECK(usage[0].input_tokens == 2000);
  CHECK(usage[0].output_tokens == 200);
  CHECK(usage[0].cache_read_tokens == 1000);
  CHECK(usage[0].cache_write_tokens == 400);
  CHECK(usage[0].cost_usd == doctest::Approx(0.75));
  CHECK(usage[1].agent_id == "agent_2");

  // Latencies come from completed assistant answers, today (the store stamps messages).
  const Conversation c = REQUIRE_OK(db->transcript().open_conversation(s, make_conversation(s)));
  for (std::int64_t ms : {300, 100, 200}) {
    Message a = REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "assistant", "answer")));
    a.status = MessageStatus::complete;
    a.latency_ms = ms;
    REQUIRE_OK(db->transcript().update_message(s, a));
  }
  REQUIRE_OK(db->transcript().append_message(s, make_message(c.id, "assistant", "still streaming")));
  const std::string today = store::detail::now_rfc3339().substr(0, 10);
  CHECK(REQUIRE_OK(db->analytics().latencies_ms(s, today, today)) == std::vector<std::int64_t>{100, 200, 300});
  CHECK(REQUIRE_OK(db->analytics().latencies_ms(s, "2026-01-01", "2026-01-02")).empty());

  CHECK(code_of(db->analytics().effectiveness(s, "2026-11-22", "2026-11-20")) == "store.invalid");
  CHECK(code_of(db->analytics().usage_by_agent(s, "2026-02-30", "2026-03-01")) == "store.invalid");
  CHECK(code_of(db->analytics().latencies_ms(s, "today", "2026-03-01")) == "store.invalid");
}
