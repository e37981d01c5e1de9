// The store conformance suite (fixtures.hpp): experiments and assignments (experiments.hpp).

#include <vector>

#include "store/conformance/fixtures.hpp"

namespace {
Experiment experiment(std::string id, std::string name, std::vector<std::string> variants, bool active) {
  Experiment e;
  e.id = std::move(id);
  e.name = std::move(name);
  e.variants = std::move(variants);
  e.active = active;
  return e;
}
}  // namespace

TEST_CASE_TEMPLATE("store: experiments list and assignments stick", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  Experiment e = experiment("exp_tone", "Tone of objection answers", {"control", "empathetic"}, true);
  REQUIRE_OK(db->experiments().put(s, e));
  REQUIRE_OK(db->experiments().put(s, experiment("exp_a", "Another", {"control"}, false)));
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
  CHECK(code_of(db->experiments().put(s, experiment("exp_b", "Dup", {"a", "a"}, true))) == "store.invalid");
  CHECK(code_of(db->experiments().put(s, experiment("exp_b", "None", {}, true))) == "store.invalid");

  e.active = false;  // replacing keeps assignments
  REQUIRE_OK(db->experiments().put(s, e));
  CHECK(REQUIRE_OK(db->experiments().assign(s, "exp_tone", "agent_1", "control")) == "empathetic");
}
