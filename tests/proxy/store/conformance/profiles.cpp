// The store conformance suite (fixtures.hpp): profiles and sessions (profiles.hpp).

#include <algorithm>
#include <vector>

#include "store/conformance/fixtures.hpp"

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

TEST_CASE_TEMPLATE("store: a shared-pool agent is visible in every location it serves that accepts its home, and only there", B,
                   STORE_BACKENDS) {
  auto db = B::open();
  const Scope home = new_location(*db), served = new_location(*db), other = new_location(*db);
  AgentProfile p = make_profile(home, "isa_1", "Pool ISA");
  p.shared_pool = true;
  p.served_locations = {served.location_id, other.location_id};
  AgentProfile stored = REQUIRE_OK(db->profiles().put(home, p));
  std::vector<std::string> expected{home.location_id, served.location_id, other.location_id};
  std::sort(expected.begin(), expected.end());
  CHECK(stored.served_locations == expected);  // canonical: sorted, home included

  // Listed, but not accepted yet: nowhere but home.
  CHECK_FALSE(REQUIRE_OK(db->profiles().get(served, "isa_1")).has_value());
  CHECK(REQUIRE_OK(db->profiles().list(served)).empty());
  CHECK(REQUIRE_OK(db->profiles().accepting(home, {served.location_id, other.location_id})).empty());
  CHECK(REQUIRE_OK(db->profiles().accept_pools(served, {home.location_id, home.location_id})) ==
        std::vector<std::string>{home.location_id});
  CHECK(REQUIRE_OK(db->profiles().accepted_pools(served)) == std::vector<std::string>{home.location_id});
  CHECK(REQUIRE_OK(db->profiles().accepting(home, {served.location_id, other.location_id})) ==
        std::vector<std::string>{served.location_id});
  CHECK(code_of(db->profiles().accept_pools(served, {served.location_id})) == "store.invalid");
  CHECK(code_of(db->profiles().accept_pools(served, {"loc_missing"})) == "store.invalid");
  CHECK(REQUIRE_OK(db->profiles().accepted_pools(served)) == std::vector<std::string>{home.location_id});  // unchanged

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
  SUBCASE("the served location takes its consent back") {
    CHECK(REQUIRE_OK(db->profiles().accept_pools(served, {})).empty());
    CHECK_FALSE(REQUIRE_OK(db->profiles().get(served, "isa_1")).has_value());
    CHECK(REQUIRE_OK(db->profiles().list(served)).empty());
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

TEST_CASE_TEMPLATE("store: a profile keeps its access and team", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  AgentProfile p = make_profile(s, "lead_1", "Sarah Lopez");
  p.access = AccessRole::team_lead;
  p.team_id = "north";
  REQUIRE_OK(db->profiles().put(s, p));
  for (int read = 0; read < 2; ++read) {  // the second read comes from the cache, where there is one
    auto got = REQUIRE_OK(db->profiles().get(s, "lead_1"));
    REQUIRE(got.has_value());
    CHECK(got->access == AccessRole::team_lead);
    CHECK(got->team_id == "north");
  }
  p.access = AccessRole::location_admin;
  p.team_id = "";
  REQUIRE_OK(db->profiles().put(s, p));
  CHECK(REQUIRE_OK(db->profiles().get(s, "lead_1"))->access == AccessRole::location_admin);
}
