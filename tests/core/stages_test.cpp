// The stage machine: facts and events move a lead, each move with its reason; events outrank
// signals; a represented buyer is not pursued.
#include <doctest/doctest.h>

#include "helpers.hpp"
#include "porchlight/qualify.hpp"

using namespace porchlight;
using porchlight::testing::sample_profile;

namespace {
StageResult advance(AgentRole role, std::map<std::string, std::string> facts, ConversationStage from,
                    std::vector<std::string> events = {}) {
  Lead lead;
  lead.facts = std::move(facts);
  const auto c = qualification_checklist(sample_profile(role), lead, "2026-11-25");
  return advance_stage(c, lead, from, events);
}
}  // namespace

TEST_CASE("stages: nothing known, no events: the stage stands") {
  const auto r = advance(AgentRole::buyer_agent, {}, ConversationStage::new_lead);
  CHECK(r.stage == ConversationStage::new_lead);
  CHECK(r.moves.empty());
}

TEST_CASE("stages: events move a buyer through the lifecycle, each move with its reason") {
  auto r = advance(AgentRole::buyer_agent, {}, ConversationStage::new_lead, {"contacted"});
  CHECK(r.stage == ConversationStage::contacted);
  REQUIRE(r.moves.size() == 1);
  CHECK(r.moves[0].trigger == "event:contacted");
  CHECK(r.moves[0].reason.find("first contact") != std::string::npos);

  r = advance(AgentRole::buyer_agent, {}, ConversationStage::appointment_set, {"agreement_signed"});
  CHECK(r.stage == ConversationStage::agreement_signed);
  r = advance(AgentRole::buyer_agent, {}, ConversationStage::agreement_signed, {"showing"});
  CHECK(r.stage == ConversationStage::active);
  r = advance(AgentRole::buyer_agent, {}, ConversationStage::active, {"offer_written"});
  CHECK(r.stage == ConversationStage::offer_negotiation);
  r = advance(AgentRole::buyer_agent, {}, ConversationStage::offer_negotiation, {"offer_accepted"});
  CHECK(r.stage == ConversationStage::under_contract);
  r = advance(AgentRole::buyer_agent, {}, ConversationStage::under_contract, {"contract_terminated"});
  CHECK(r.stage == ConversationStage::active);
  // Two events at once: the furthest move the machine knows from here, in one step.
  r = advance(AgentRole::buyer_agent, {}, ConversationStage::under_contract, {"clear_to_close", "closed"});
  CHECK(r.stage == ConversationStage::closed_won);
  REQUIRE(r.moves.size() == 1);
  CHECK(r.moves[0].trigger == "event:closed");
}

TEST_CASE("stages: facts move a lead too, straight to where they put it") {
  // An accepted contract on file: under contract, whatever the CRM said before.
  auto r = advance(AgentRole::buyer_agent, {{"effective_date", "2026-11-20"}}, ConversationStage::qualifying);
  CHECK(r.stage == ConversationStage::under_contract);
  REQUIRE(r.moves.size() == 1);
  CHECK(r.moves[0].trigger == "signal:contract_accepted");
  CHECK(r.moves[0].reason.find("effective_date") != std::string::npos);
  // A signed agreement, then a showing booked: agreement_signed (a booked showing is not a tour yet).
  r = advance(AgentRole::buyer_agent, {{"buyer_agreement", "signed"}, {"showing_date", "2026-11-28"}}, ConversationStage::contacted);
  CHECK(r.stage == ConversationStage::agreement_signed);
  // Two items known: qualifying; a long timeline: nurturing.
  r = advance(AgentRole::buyer_agent, {{"area", "Cedar Park"}, {"price_range", "$400k"}}, ConversationStage::contacted);
  CHECK(r.stage == ConversationStage::qualifying);
  r = advance(AgentRole::buyer_agent, {{"area", "Cedar Park"}, {"timeline", "18 months"}}, ConversationStage::contacted);
  CHECK(r.stage == ConversationStage::nurturing);
  CHECK(r.moves.back().trigger == "signal:long_timeline");
  // A short timeline does not nurture.
  r = advance(AgentRole::buyer_agent, {{"area", "Cedar Park"}, {"timeline", "2 months"}}, ConversationStage::contacted);
  CHECK(r.stage == ConversationStage::qualifying);
}

TEST_CASE("stages: a buyer represented by another agent is closed lost, with why") {
  const auto r = advance(AgentRole::buyer_agent, {{"other_agent", "signed exclusive with Keller Williams"}}, ConversationStage::contacted);
  CHECK(r.stage == ConversationStage::closed_lost);
  CHECK(r.moves[0].reason.find("another agent") != std::string::npos);
}

TEST_CASE("stages: an event outranks a signal that would undo it") {
  // Reactivated, though the old lost reason is still on file.
  const auto r = advance(AgentRole::buyer_agent, {{"lost_reason", "went quiet in June"}}, ConversationStage::closed_lost, {"reactivated"});
  CHECK(r.stage == ConversationStage::contacted);
}

TEST_CASE("stages: sellers move through the listing side") {
  auto r = advance(AgentRole::listing_agent, {{"listing_agreement", "signed"}}, ConversationStage::appointment_set);
  CHECK(r.stage == ConversationStage::agreement_signed);
  r = advance(AgentRole::listing_agent, {{"listing_agreement", "signed"}, {"mls_number", "TX1234567"}}, ConversationStage::appointment_set);
  CHECK(r.stage == ConversationStage::active);
  CHECK(r.moves.size() == 2);
  r = advance(AgentRole::listing_agent, {{"listed_with", "currently listed with Redfin"}}, ConversationStage::new_lead);
  CHECK(r.stage == ConversationStage::closed_lost);
  CHECK_FALSE(is_stage_event("signed"));
  CHECK(is_stage_event("listing_live"));
}
