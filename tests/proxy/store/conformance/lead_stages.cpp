// The store conformance suite (fixtures.hpp): each lead's stage history (lead_stages.hpp).

#include "store/conformance/fixtures.hpp"

namespace {
porchlight::store::StageChange move(std::optional<porchlight::ConversationStage> from, porchlight::ConversationStage to,
                                    std::string trigger) {
  porchlight::store::StageChange c;
  c.from = from;
  c.to = to;
  c.trigger = std::move(trigger);
  c.reason = "because";
  c.agent_id = "agent_1";
  c.source = "coach";
  return c;
}
}  // namespace

TEST_CASE_TEMPLATE("store: a lead's stage moves are appended in order, and read back newest last", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto& stages = db->lead_stages();
  CHECK_FALSE(REQUIRE_OK(stages.last(s, "lead_1")).has_value());
  CHECK(REQUIRE_OK(stages.history(s, "lead_1", 10)).empty());

  auto first = REQUIRE_OK(stages.append(s, "lead_1", 0, {move(std::nullopt, ConversationStage::contacted, "crm"),
                                                        move(ConversationStage::contacted, ConversationStage::qualifying, "event:replied")}));
  REQUIRE(first.size() == 2);
  CHECK(first[0].seq == 1);
  CHECK(first[1].seq == 2);
  CHECK(first[0].id.rfind("stg_", 0) == 0);
  CHECK(is_canonical_time(first[1].created_at));
  REQUIRE_OK(stages.append(s, "lead_1", std::nullopt, {move(ConversationStage::qualifying, ConversationStage::under_contract,
                                                             "signal:contract_accepted")}));
  const auto last = REQUIRE_OK(stages.last(s, "lead_1"));
  REQUIRE(last);
  CHECK(last->seq == 3);
  CHECK(last->to == ConversationStage::under_contract);
  CHECK(last->from == ConversationStage::qualifying);
  CHECK(last->trigger == "signal:contract_accepted");
  CHECK(last->reason == "because");
  CHECK(last->agent_id == "agent_1");

  const auto all = REQUIRE_OK(stages.history(s, "lead_1", 10));
  REQUIRE(all.size() == 3);
  CHECK_FALSE(all[0].from.has_value());
  CHECK(all[2].to == ConversationStage::under_contract);
  const auto newest = REQUIRE_OK(stages.history(s, "lead_1", 2));  // the newest two, oldest first
  REQUIRE(newest.size() == 2);
  CHECK(newest[0].seq == 2);
  CHECK(newest[1].seq == 3);
  CHECK(REQUIRE_OK(stages.history(s, "lead_2", 10)).empty());  // leads are separate
}

TEST_CASE_TEMPLATE("store: a stale writer cannot append, and bad moves are refused whole", B, STORE_BACKENDS) {
  auto db = B::open();
  const Scope s = new_location(*db);
  auto& stages = db->lead_stages();
  REQUIRE_OK(stages.append(s, "lead_1", 0, {move(std::nullopt, ConversationStage::contacted, "crm")}));
  // Another writer read the lead before that move: refused, nothing written.
  CHECK(code_of(stages.append(s, "lead_1", 0, {move(std::nullopt, ConversationStage::closed_lost, "event:lost")})) == "store.conflict");
  CHECK(REQUIRE_OK(stages.history(s, "lead_1", 10)).size() == 1);
  // Moves that do not chain, no moves, a bad lead id, an empty trigger.
  CHECK(code_of(stages.append(s, "lead_1", std::nullopt, {move(ConversationStage::contacted, ConversationStage::qualifying, "x"),
                                                            move(ConversationStage::nurturing, ConversationStage::active, "y")})) ==
        "store.invalid");
  CHECK(code_of(stages.append(s, "lead_1", std::nullopt, {})) == "store.invalid");
  CHECK(code_of(stages.append(s, "lead 1", std::nullopt, {move(std::nullopt, ConversationStage::contacted, "crm")})) == "store.invalid");
  CHECK(code_of(stages.append(s, "lead_1", std::nullopt, {move(ConversationStage::contacted, ConversationStage::qualifying, "")})) ==
        "store.invalid");
  CHECK(code_of(stages.history(s, "lead_1", 0)) == "store.invalid");
  CHECK(REQUIRE_OK(stages.history(s, "lead_1", 10)).size() == 1);
}
