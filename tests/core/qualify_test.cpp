#include <doctest/doctest.h>

#include "helpers.hpp"
#include "porchlight/offline.hpp"
#include "porchlight/qualify.hpp"

using namespace porchlight;
using porchlight::testing::sample_profile;

TEST_CASE("qualify: the LPMAMA checklist ticks as facts become known") {
  Lead lead;
  auto c = qualification_checklist(sample_profile(), lead);
  CHECK(c.side == "buyer");
  REQUIRE(c.items.size() == 6);
  CHECK(c.score == 0);
  CHECK(c.next()->id == "location");
  lead.facts = {{"area", "East Austin"}, {"price_range", "$450-500k"}, {"pre_approved", "yes"}};
  c = qualification_checklist(sample_profile(), lead);
  CHECK(c.items[0].done);
  CHECK(c.items[0].known_as == "area");
  CHECK(c.items[4].done);
  CHECK(c.next()->id == "motivation");
  CHECK(c.score == 80 * 3 / 6 + 20);
}

TEST_CASE("qualify: listing agents and seller leads get the seller checklist") {
  Lead lead;
  CHECK(qualification_checklist(sample_profile(AgentRole::listing_agent), lead).side == "seller");
  lead.facts["side"] = "buyer";
  CHECK(qualification_checklist(sample_profile(AgentRole::listing_agent), lead).side == "buyer");
}

TEST_CASE("qualify: dates are real calendar dates") {
  std::int64_t d;
  CHECK(parse_civil_date("2026-11-25", d));
  CHECK(format_civil_date(d) == "2026-11-25");
  CHECK_FALSE(parse_civil_date("2026-02-30", d));
  CHECK_FALSE(parse_civil_date("2026-13-01", d));
  CHECK_FALSE(parse_civil_date("next week", d));
  CHECK(parse_civil_date("2024-02-29", d));
}

TEST_CASE("qualify: deadlines come soonest first, and the Closing Disclosure date is derived") {
  Lead lead;
  lead.facts = {{"inspection_deadline", "2026-12-01"}, {"appraisal_deadline", "2026-12-08"},
                {"closing_date", "2026-12-18"}, {"financing_deadline", "not a date"}};
  const auto d = upcoming_deadlines(lead, "2026-11-25");
  REQUIRE(d.size() == 4);
  CHECK(d[0].fact == "inspection_deadline");
  CHECK(d[0].days_left == 6);
  // Closing Friday 2026-12-18: three business days before is Tuesday 2026-12-15.
  CHECK(d[2].fact == "closing_disclosure_date");
  CHECK(d[2].derived);
  CHECK(d[2].date == "2026-12-15");
  CHECK(d[3].fact == "closing_date");
}

TEST_CASE("qualify: Sundays and federal holidays are not business days for the Closing Disclosure") {
  Lead lead;
  // Closing Monday 2026-11-30: back over Sunday 11-29 and Thanksgiving Thursday 11-26:
  // Saturday 11-28, Friday 11-27, Wednesday 11-25.
  lead.facts = {{"closing_date", "2026-11-30"}};
  const auto d = upcoming_deadlines(lead, "2026-11-20");
  REQUIRE(d.size() == 2);
  CHECK(d[0].date == "2026-11-25");
}

TEST_CASE("qualify: cards fit the agent and the stage") {
  Lead lead;
  lead.facts = {{"closing_date", "2026-12-18"}, {"price_range", "$500k"}};
  RouteDecision route;
  route.specialist = Specialist::transaction_timeline;
  const json tc = guidance_cards(sample_profile(AgentRole::transaction_coordinator), lead,
                                 ConversationStage::under_contract, route, "", "2026-11-25");
  REQUIRE(tc.size() == 1);
  CHECK(tc[0]["type"] == "deadlines");
  const json buyer = guidance_cards(sample_profile(), lead, ConversationStage::qualifying, route,
                                    "## Plan\n\n1. **Call the lender** today to confirm pre-approval.\n2. Then...", "2026-11-25");
  REQUIRE(buyer.size() == 2);
  CHECK(buyer[0]["type"] == "next_best_action");
  CHECK(buyer[0]["text"] == "Call the lender today to confirm pre-approval.");
  CHECK(buyer[1]["type"] == "qualification_checklist");
  CHECK(buyer[1]["items"][1]["done"] == true);
}

TEST_CASE("offline: answers say they are offline and draw on the routed playbook") {
  RouteDecision route;
  route.specialist = Specialist::qualification;
  Lead lead;
  lead.facts = {{"area", "Round Rock"}};
  const std::string a = offline_answer(route, "what should I ask about the price range?", sample_profile(), lead);
  CHECK(a.rfind(std::string(kOfflineLabel), 0) == 0);
  CHECK(a.find("**Ask next:** Price") != std::string::npos);
  CHECK(a.find("### ") != std::string::npos);
  route.specialist = Specialist::transaction_timeline;
  const std::string b = offline_answer(route, "closing disclosure timing", sample_profile(), lead);
  CHECK(b.find("Closing Disclosure") != std::string::npos);
}
