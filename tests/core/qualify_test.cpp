// The checklist reads values, not presence; problems say what to do; compliance ones are alerts;
// the score ranks leads as a broker would; cards differ in substance by experience.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "helpers.hpp"
#include "porchlight/offline.hpp"
#include "porchlight/qualify.hpp"

using namespace porchlight;
using porchlight::testing::sample_profile;

namespace {

Lead lead_with(std::map<std::string, std::string> facts) {
  Lead l;
  l.facts = std::move(facts);
  return l;
}

Checklist buyer(std::map<std::string, std::string> facts, std::string_view today = "2026-11-25") {
  return qualification_checklist(sample_profile(), lead_with(std::move(facts)), today);
}

Checklist seller(std::map<std::string, std::string> facts, std::string_view today = "2026-11-25") {
  return qualification_checklist(sample_profile(AgentRole::listing_agent), lead_with(std::move(facts)), today);
}

const Problem* problem(const Checklist& c, std::string_view id) {
  for (const auto& p : c.problems)
    if (p.id == id) return &p;
  return nullptr;
}

}  // namespace

TEST_CASE("qualify: an empty lead is all unknown, and the next question is the first item") {
  const auto c = buyer({});
  CHECK(c.side == "buyer");
  for (const auto& i : c.items) CHECK(i.status == ItemStatus::unknown);
  CHECK(c.problems.empty());
  REQUIRE(c.next() != nullptr);
  CHECK(c.next()->id == "location");
}

TEST_CASE("qualify: financing reads pre-approval, pre-qualification, cash and a mere lender name apart") {
  // The bug this replaced: lender "Chase" ticked "pre-approved".
  auto c = buyer({{"lender", "Chase"}});
  CHECK(c.item("mortgage")->status == ItemStatus::unknown);
  CHECK(c.item("mortgage")->reading == "lender_named");

  c = buyer({{"pre_approved", "yes"}, {"lender", "Chase"}});
  CHECK(c.item("mortgage")->status == ItemStatus::ok);
  CHECK(c.item("mortgage")->reading == "pre_approval");
  CHECK(c.item("mortgage")->known_as == "pre_approved");

  c = buyer({{"pre_approved", "pre-qualified with Chase"}});
  CHECK(c.item("mortgage")->status == ItemStatus::problem);
  CHECK(c.item("mortgage")->problem == "pre_qualified_only");
  REQUIRE(problem(c, "pre_qualified_only"));
  CHECK(problem(c, "pre_qualified_only")->severity == Severity::tip);

  c = buyer({{"pre_approved", "not yet, meeting the lender Friday"}});
  CHECK(c.item("mortgage")->problem == "no_pre_approval");

  c = buyer({{"financing", "all cash, proof of funds on file"}});
  CHECK(c.item("mortgage")->reading == "cash");
  CHECK(c.item("mortgage")->status == ItemStatus::ok);

  // "cash_buyer: no" only says the buyer finances; it does not hide a pre-approval elsewhere.
  c = buyer({{"cash_buyer", "no"}, {"pre_approval", "Approved, letter on file"}});
  CHECK(c.item("mortgage")->reading == "pre_approval");
  c = buyer({{"cash_buyer", "no"}});
  CHECK(c.item("mortgage")->status == ItemStatus::unknown);
}

TEST_CASE("qualify: a tour booked without a signed buyer agreement is an alert, not a tip") {
  // The scenario from the issue: no agreement, a showing the day after tomorrow.
  auto c = buyer({{"buyer_agreement", "no"}, {"showing_date", "2026-11-27"}});
  REQUIRE(!c.problems.empty());
  CHECK(c.problems[0].id == "touring_without_agreement");
  CHECK(c.problems[0].severity == Severity::alert);
  CHECK(c.problems[0].action.find("Friday, 2026-11-27 (in 2 days)") != std::string::npos);
  // The alert replaces the item's own tip: one card, the louder one.
  CHECK(problem(c, "no_written_agreement") == nullptr);
  CHECK(c.item("agreement")->problem == "touring_without_agreement");

  // Unknown agreement status with a tour booked is an alert too.
  c = buyer({{"appointment", "Tour 3 homes Saturday 10am"}});
  CHECK(problem(c, "touring_without_agreement") != nullptr);
  c = buyer({{"appointment", "wants to see a house Saturday"}});
  CHECK(problem(c, "touring_without_agreement") != nullptr);
  c = buyer({{"buyer_agreement", "no"}, {"showing_scheduled", "Saturday 10am"}});
  CHECK(problem(c, "touring_without_agreement") != nullptr);
  // A consultation is not a tour.
  c = buyer({{"appointment", "Buyer consultation at the office Tuesday"}});
  CHECK(problem(c, "touring_without_agreement") == nullptr);
  // Signed (a touring agreement counts): no alert.
  c = buyer({{"buyer_agreement", "signed touring agreement 11/20"}, {"showing_date", "2026-11-27"}});
  CHECK(c.item("agreement")->status == ItemStatus::ok);
  CHECK(problem(c, "touring_without_agreement") == nullptr);
  // Not signed, no tour yet: a tip.
  c = buyer({{"buyer_agreement", "sent, waiting on signature"}});
  CHECK(c.item("agreement")->reading == "not_signed");
  REQUIRE(problem(c, "no_written_agreement"));
  CHECK(problem(c, "no_written_agreement")->severity == Severity::tip);
}

TEST_CASE("qualify: a buyer under agreement with another agent is an alert not to solicit") {
  auto c = buyer({{"other_agent", "signed exclusive agreement with Jane at Compass"}});
  CHECK(c.item("agent")->reading == "represented");
  REQUIRE(problem(c, "represented_elsewhere"));
  CHECK(problem(c, "represented_elsewhere")->severity == Severity::alert);
  CHECK(problem(c, "represented_elsewhere")->source.find("Article 16") != std::string::npos);
  // "Also talking to Redfin" is not representation yet: ask.
  c = buyer({{"other_agent", "also talking to Redfin"}});
  CHECK(c.item("agent")->reading == "involved");
  CHECK(problem(c, "ask_about_other_agent") != nullptr);
  CHECK(problem(c, "represented_elsewhere") == nullptr);
  c = buyer({{"other_agent", "no"}});
  CHECK(c.item("agent")->status == ItemStatus::ok);
  // "No" answers the question only alone: in a sentence it may be followed by the opposite.
  c = buyer({{"other_agent", "no, we signed with Jane last week"}});
  CHECK(c.item("agent")->reading == "represented");
  for (const char* said : {"we don't have an agreement with anyone", "no buyer agreement yet", "looking without an agent"}) {
    CAPTURE(said);
    c = buyer({{"other_agent", said}});
    CHECK(c.item("agent")->reading == "none");
  }
}

TEST_CASE("issue: a lead who has NOT signed with anyone read as represented elsewhere (alert, score 0, closed lost)") {
  // No "none" phrase matched, then "signed*" / "signed with" did.
  for (const char* said : {"havent signed with anyone", "not signed with anyone yet", "nothing signed, just browsing redfin",
                           "haven't signed anything", "I have not signed with an agent", "never signed anything"}) {
    CAPTURE(said);
    const auto c = buyer({{"timeline", "60 days"}, {"other_agent", said}});
    CHECK(c.item("agent")->reading == "none");
    CHECK(c.item("agent")->status == ItemStatus::ok);
    CHECK(problem(c, "represented_elsewhere") == nullptr);
    CHECK(c.score.value > 0);
    CHECK(c.score.capped.empty());
    const auto s = seller({{"timeline", "60 days"}, {"listed_with", said}});
    CHECK(s.item("listing_status")->reading == "not_listed");
    CHECK(problem(s, "listed_with_another_broker") == nullptr);
    CHECK(s.score.value > 0);
    Lead lead;
    lead.facts = {{"other_agent", said}};
    CHECK(advance_stage(c, lead, ConversationStage::contacted, {}).stage != ConversationStage::closed_lost);
  }
  // Signed with someone still reads as signed.
  CHECK(buyer({{"other_agent", "signed with Compass"}}).item("agent")->reading == "represented");
  CHECK(seller({{"listed_with", "signed with ABC Realty"}}).item("listing_status")->reading == "listed");
  CHECK(seller({{"listed_with", "isn't listed with anyone"}}).item("listing_status")->reading == "not_listed");
}

TEST_CASE("qualify: timelines are read into months") {
  struct Case { const char* text; int months; };
  for (const Case& k : {Case{"30 days", 1}, Case{"within 45 days", 2}, Case{"2 years", 24}, Case{"6+ months", 6},
                        Case{"3-6 months", 3}, Case{"ASAP", 0}, Case{"a year or two", 12}, Case{"by March", 4},
                        Case{"March 2028", 16}, Case{"next spring", 4}, Case{"2027-02-01", 3}}) {
    CAPTURE(k.text);
    const auto c = buyer({{"timeline", k.text}});
    CHECK(c.item("timeline")->reading == "dated");
    CHECK(c.item("timeline")->months == k.months);
  }
  auto c = buyer({{"timeline", "just looking"}});
  CHECK(c.item("timeline")->reading == "browsing");
  CHECK(c.item("timeline")->months == -1);
  c = buyer({{"timeline", "when the kids are older"}});
  CHECK(c.item("timeline")->status == ItemStatus::unknown);
  // Without today a month name cannot be placed.
  c = buyer({{"timeline", "by March"}}, "");
  CHECK(c.item("timeline")->status == ItemStatus::unknown);
}

TEST_CASE("qualify: price above the pre-approval, and seller price and equity checks") {
  auto c = buyer({{"max_price", "$550k"}, {"pre_approval_amount", "450"}});
  REQUIRE(problem(c, "price_above_approval"));
  CHECK(problem(c, "price_above_approval")->say.find("$450,000") != std::string::npos);
  CHECK(problem(c, "price_above_approval")->say.find("$550,000") != std::string::npos);
  c = buyer({{"price_range", "$400-450k"}, {"pre_approval_amount", "$450,000"}});
  CHECK(problem(c, "price_above_approval") == nullptr);

  auto s = seller({{"price_expectation", "$650,000"}, {"cma_value", "590k"}});
  CHECK(problem(s, "price_above_cma") != nullptr);
  s = seller({{"price_expectation", "$600,000"}, {"cma_value", "590k"}});  // within 5%
  CHECK(problem(s, "price_above_cma") == nullptr);
  s = seller({{"mortgage_payoff", "$560,000"}, {"cma_value", "$590,000"}});
  CHECK(problem(s, "thin_equity") != nullptr);
  s = seller({{"mortgage_payoff", "$300,000"}, {"cma_value", "$590,000"}});
  CHECK(problem(s, "thin_equity") == nullptr);
  CHECK(s.item("equity")->status == ItemStatus::ok);
}

TEST_CASE("qualify: seller checks: listed elsewhere, authority to sign") {
  auto s = seller({{"listed_with", "listed with ABC Realty until January"}});
  CHECK(s.side == "seller");
  REQUIRE(problem(s, "listed_with_another_broker"));
  CHECK(problem(s, "listed_with_another_broker")->severity == Severity::alert);
  s = seller({{"listed_with", "expired last month"}});
  CHECK(s.item("listing_status")->status == ItemStatus::ok);
  s = seller({{"on_title", "Estate of Mary Lee; son is executor"}});
  CHECK(s.item("decision")->problem == "authority_to_sell");
  s = seller({{"decision_makers", "both spouses, divorcing"}});
  CHECK(s.item("decision")->problem == "authority_to_sell");
}

TEST_CASE("qualify: opt-outs and Do-Not-Call are alerts that stop texting and calling") {
  auto c = buyer({{"texting_opt_out", "yes"}});
  REQUIRE(problem(c, "stop_texting"));
  CHECK(problem(c, "stop_texting")->severity == Severity::alert);
  CHECK(problem(c, "stop_texting")->action.find("10 business days") != std::string::npos);
  // Checks stay out of the list the agent works through.
  CHECK_FALSE(c.item("contact")->shown);
  c = buyer({{"on_dnc", "yes"}});
  CHECK(problem(c, "dnc_without_consent") != nullptr);
  c = buyer({{"on_dnc", "yes"}, {"sms_consent", "signed web form 2026-11-01"}});
  CHECK(problem(c, "dnc_without_consent") == nullptr);
  // Revocation wins over earlier consent.
  c = seller({{"sms_consent", "yes"}, {"opted_out", "replied STOP 11/24"}});
  CHECK(problem(c, "stop_texting") != nullptr);
}

TEST_CASE("issue: the next question for a lead who opted out of texts was suggested as if it could be texted") {
  RouteDecision route;
  const auto profile = sample_profile(AgentRole::buyer_agent, ExperienceLevel::novice);
  const auto next_action = [&](const Lead& lead) {
    for (const auto& card : guidance_cards(profile, lead, ConversationStage::qualifying, route, "", "2026-11-25"))
      if (card["type"] == "next_best_action") return card["text"].get<std::string>();
    return std::string();
  };
  const std::string opted_out = next_action(lead_with({{"sms_opt_out", "yes"}}));
  CHECK(opted_out.rfind("Ask by phone or e-mail, not by text", 0) == 0);
  const std::string no_calls = next_action(lead_with({{"do_not_call", "yes"}}));
  CHECK(no_calls.rfind("Ask only when they reach out", 0) == 0);
  const std::string free = next_action(lead_with({}));
  CHECK(free.rfind("Ask: ", 0) == 0);
}

TEST_CASE("issue: a buyer who must sell first scored as ready, with nothing said about it") {
  auto c = buyer({{"home_sale_contingency", "yes"}, {"pre_approved", "yes"}});
  REQUIRE(problem(c, "sell_first"));
  CHECK(problem(c, "sell_first")->severity == Severity::tip);
  CHECK_FALSE(c.item("sale_first")->shown);  // a check, not a question in the list
  CHECK(problem(buyer({{"current_home", "need to sell our condo first"}}), "sell_first"));
  CHECK_FALSE(problem(buyer({{"current_home", "renting, lease ends in May"}}), "sell_first"));
  CHECK_FALSE(problem(buyer({{"home_sale_contingency", "no"}}), "sell_first"));
}

TEST_CASE("issue: a seller owing more than the likely price was told only that the payoff was close to it") {
  auto s = seller({{"mortgage_payoff", "480000"}, {"cma_value", "450000"}});
  REQUIRE(problem(s, "underwater"));
  CHECK(problem(s, "underwater")->why.find("$480,000") != std::string::npos);
  CHECK_FALSE(problem(s, "thin_equity"));
  s = seller({{"mortgage_payoff", "430000"}, {"cma_value", "450000"}});
  CHECK(problem(s, "thin_equity"));
  CHECK_FALSE(problem(s, "underwater"));
}

TEST_CASE("issue: a client who signed our buyer agreement was asked whether they had signed with another agent") {
  auto c = buyer({{"buyer_agreement", "signed, exclusive with us"}});
  CHECK(c.item("agent")->status == ItemStatus::ok);
  CHECK(c.item("agent")->reads == "our buyer agreement is signed");
  CHECK(c.next()->id != "agent");
  // What the lead said about another agent still counts over it.
  c = buyer({{"buyer_agreement", "signed"}, {"other_agent", "also talking to Redfin"}});
  CHECK(c.item("agent")->problem == "ask_about_other_agent");
  CHECK(seller({{"listing_agreement", "signed"}}).item("listing_status")->status == ItemStatus::ok);
}

TEST_CASE("issue: open-ended pay, an expired agreement or pre-approval, and needed cash read as fine") {
  auto c = buyer({{"buyer_agreement", "signed - compensation: whatever the seller offers"}});
  CHECK(c.item("agreement")->problem == "agreement_pay_not_specific");
  CHECK(problem(c, "agreement_pay_not_specific")->severity == Severity::alert);
  CHECK(buyer({{"buyer_agreement", "signed, compensation TBD"}}).item("agreement")->problem == "agreement_pay_not_specific");
  CHECK(buyer({{"buyer_agreement", "signed 2025-06-01, expired 2025-12-01"}}).item("agreement")->problem == "no_written_agreement");
  CHECK(buyer({{"buyer_agreement", "signed 2.5% of price"}}).item("agreement")->status == ItemStatus::ok);
  CHECK(buyer({{"pre_approved", "pre-approval expired"}}).item("mortgage")->problem == "no_pre_approval");
  for (const char* value : {"needs cash from sale of current home", "cash-out refinance on rental to fund down payment"}) {
    CAPTURE(std::string(value));
    CHECK(buyer({{"financing", value}}).item("mortgage")->reading == "financed");
  }
  CHECK(buyer({{"financing", "all cash, proof of funds sent"}}).item("mortgage")->reading == "cash");
  // "real estate investor" is no estate to settle.
  CHECK(seller({{"situation", "real estate investor"}}).item("decision")->problem.empty());
  CHECK(seller({{"situation", "estate of her late mother"}}).item("decision")->problem == "authority_to_sell");
  // A do-not-call value with a note on it is still a request.
  CHECK(problem(buyer({{"do_not_call", "yes (asked on 12/01 call)"}}), "do_not_call_request"));
  CHECK_FALSE(problem(buyer({{"do_not_call", "no"}}), "do_not_call_request"));
}

TEST_CASE("issue: a lead who texted STOP and asked not to be called showed one of the two, and the next question could be asked by phone") {
  RouteDecision route;
  const auto profile = sample_profile(AgentRole::buyer_agent, ExperienceLevel::novice);
  const auto cards = [&](const Lead& lead) { return guidance_cards(profile, lead, ConversationStage::qualifying, route, "", "2026-11-25"); };
  const auto next_action = [&](const Lead& lead) {
    for (const auto& card : cards(lead))
      if (card["type"] == "next_best_action") return card["text"].get<std::string>();
    return std::string();
  };
  const Lead both = lead_with({{"texting_opt_out", "yes"}, {"do_not_call", "yes"}});
  auto c = buyer({{"texting_opt_out", "yes"}, {"do_not_call", "yes"}});
  CHECK(problem(c, "stop_texting"));
  CHECK(problem(c, "do_not_call_request"));
  CHECK(next_action(both).rfind("Ask by e-mail, not by text or phone (they opted out of texts; they asked not to be called)", 0) == 0);
  // "Don't call, text is fine": texting is how to ask.
  CHECK(next_action(lead_with({{"do_not_call", "yes"}, {"contact_preference", "text"}})).rfind("Ask by text, as they prefer, not by phone", 0) == 0);
  CHECK(next_action(lead_with({{"preferred_contact", "Email"}})).rfind("Ask by e-mail, as they prefer: ", 0) == 0);
  // A preference for a closed channel is not followed.
  CHECK(next_action(lead_with({{"sms_opt_out", "yes"}, {"contact_preference", "text"}})).rfind("Ask by phone or e-mail, not by text", 0) == 0);
  // Consent on file still answers the Do-Not-Call registry; an opt-out beside it is still shown.
  c = buyer({{"on_dnc", "yes"}, {"sms_consent", "signed web form 2026-11-01"}, {"texting_opt_out", "yes"}});
  CHECK(problem(c, "stop_texting"));
  CHECK_FALSE(problem(c, "dnc_without_consent"));
}

TEST_CASE("issue: a consent note with end, cancel or quit in it read as an opt-out") {
  // end/cancel/quit count only as the whole value, as a lead's reply does in extraction.json.
  for (const char* note : {"written consent signed at open house, end of May", "opted in, can cancel anytime",
                           "consented on the web form; told her she can quit texts anytime"}) {
    CAPTURE(note);
    const auto c = buyer({{"sms_consent", note}});
    CHECK(c.item("contact")->reading == "consented");
    CHECK(problem(c, "stop_texting") == nullptr);
  }
  for (const char* reply : {"END", "cancel", "Quit.", "STOP", "replied STOP 11/24", "unsubscribed 11/20", "revoked consent"}) {
    CAPTURE(reply);
    CHECK(problem(buyer({{"sms_consent", "yes"}, {"opted_out", reply}}), "stop_texting") != nullptr);
  }
}

TEST_CASE("issue: a consent note that says no (\"no consent\", \"consent pending\") read as consent on file and hid the Do-Not-Call alert") {
  for (const char* note : {"no consent", "not consented", "consent pending", "not signed", "declined consent", "none", "unknown"}) {
    CAPTURE(note);
    CHECK(buyer({{"sms_consent", note}}).item("contact")->reading == "no_consent");
    CHECK(problem(buyer({{"on_dnc", "yes"}, {"sms_consent", note}}), "dnc_without_consent") != nullptr);
  }
  CHECK(buyer({{"sms_consent", "no"}}).item("contact")->reading == "no_consent");
  for (const char* note : {"consent noted on the web form 11/02", "signed consent form", "opted in"}) {
    CAPTURE(note);
    CHECK(buyer({{"sms_consent", note}}).item("contact")->reading == "consented");
  }
}

TEST_CASE("qualify: the score ranks leads as a broker would") {
  const auto hot = buyer({{"area", "Round Rock"}, {"timeline", "60 days"}, {"pre_approved", "yes"}, {"motivation", "new job in Austin"},
                          {"buyer_agreement", "signed"}, {"appointment", "consultation Tuesday"}});
  const auto warm = buyer({{"timeline", "6 months"}, {"pre_approved", "pre-qualified"}, {"motivation", "growing out of the condo"}});
  const auto browser = buyer({{"timeline", "2 years"}, {"lender", "Chase"}});
  const auto cold = buyer({{"timeline", "just looking"}});
  CAPTURE(hot.score.value);
  CAPTURE(warm.score.value);
  CAPTURE(browser.score.value);
  CHECK(hot.score.value > warm.score.value);
  CHECK(warm.score.value > browser.score.value);
  CHECK(browser.score.value > cold.score.value);
  CHECK(hot.score.value >= 90);
  CHECK(browser.score.value <= 35);
  // Each part says why.
  REQUIRE(hot.score.parts.size() == 5);
  CHECK(hot.score.parts[0].id == "urgency");
  CHECK(hot.score.parts[0].points == 100);
  CHECK(hot.score.parts[0].reason.find("about 2 months") != std::string::npos);
  int weights = 0;
  for (const auto& p : hot.score.parts) weights += p.weight;
  CHECK(weights == 100);
  // A represented buyer is not a prospect, however hot.
  auto taken = hot;
  auto facts = std::map<std::string, std::string>{{"timeline", "60 days"}, {"pre_approved", "yes"}, {"other_agent", "signed with Compass"}};
  taken = buyer(facts);
  CHECK(taken.score.value == 0);
  CHECK(!taken.score.capped.empty());

  // Sellers: equity and decision makers count.
  const auto ready = seller({{"timeline", "30 days"}, {"motivation", "relocating"}, {"mortgage_payoff", "$200,000"},
                             {"cma_value", "$600,000"}, {"decision_makers", "both owners"}, {"listing_appointment", "Thursday"}});
  const auto stuck = seller({{"timeline", "30 days"}, {"motivation", "relocating"}, {"mortgage_payoff", "$590,000"},
                             {"cma_value", "$600,000"}, {"decision_makers", "divorcing, court order pending"}, {"listing_appointment", "Thursday"}});
  CHECK(ready.score.value > stuck.score.value);
}

TEST_CASE("issue: a non-exclusive or one-home touring agreement read as represented elsewhere (do not solicit)") {
  for (const char* note : {"non-exclusive agreement with Redfin", "signed a touring agreement with redfin for one house"}) {
    CAPTURE(std::string(note));
    const auto c = buyer({{"other_agent", note}});
    CHECK(problem(c, "represented_elsewhere") == nullptr);
    CHECK(problem(c, "ask_about_other_agent") != nullptr);
  }
  CHECK(problem(buyer({{"other_agent", "signed an exclusive buyer agreement with Redfin"}}), "represented_elsewhere") != nullptr);
}

TEST_CASE("issue: the checklist's side came only from the agent's role: a team lead's FSBO seller got the buyer checklist") {
  const auto lead = lead_with({{"listed_with", "FSBO"}, {"price_expectation", "480000"}});
  CHECK(qualification_checklist(sample_profile(AgentRole::team_lead), lead, "2026-11-25").side == "seller");
  CHECK(qualification_checklist(sample_profile(AgentRole::buyer_agent), lead, "2026-11-25").side == "seller");
  // A listing agent's buyer lead is a buyer.
  const auto buyer_lead = lead_with({{"pre_approved", "yes"}, {"buyer_agreement", "no"}, {"showing_date", "2026-11-28"}});
  CHECK(qualification_checklist(sample_profile(AgentRole::listing_agent), buyer_lead, "2026-11-25").side == "buyer");
  // Nothing either way: the role decides; a side fact decides over everything.
  CHECK(qualification_checklist(sample_profile(AgentRole::listing_agent), lead_with({}), "2026-11-25").side == "seller");
  CHECK(qualification_checklist(sample_profile(AgentRole::team_lead), lead_with({{"side", "buyer"}, {"listed_with", "FSBO"}}), "2026-11-25").side ==
        "buyer");
}

TEST_CASE("issue: the next question for a lead on the Do-Not-Call registry said nothing of how it may be asked") {
  RouteDecision route;
  const auto profile = sample_profile(AgentRole::listing_agent, ExperienceLevel::novice);
  std::string text;
  for (const auto& card : guidance_cards(profile, lead_with({{"on_dnc", "yes"}}), ConversationStage::qualifying, route, "", "2026-11-25"))
    if (card["type"] == "next_best_action") text = card["text"];
  CHECK(text.rfind("Ask only with written consent, or when they reach out to you", 0) == 0);
}

TEST_CASE("qualify: a compliance risk in what was said this turn is a card, whatever the lead's facts") {
  RouteDecision route;
  const auto profile = sample_profile(AgentRole::listing_agent, ExperienceLevel::novice);
  auto ids_for = [&](const std::string& said, ConversationStage stage = ConversationStage::qualifying) {
    std::vector<std::string> ids;
    for (const auto& card : guidance_cards(profile, lead_with({}), stage, route, "", "2026-11-25", Policy::embedded(), said))
      if (card.contains("id")) ids.push_back(card["id"].get<std::string>());
    return ids;
  };
  auto raised = [&](const std::string& said, const std::string& id, ConversationStage stage = ConversationStage::qualifying) {
    const auto ids = ids_for(said, stage);
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  // As agents and leads type it.
  CHECK(raised("buyer asks is it a safe neighborhood w good schools and lots of families?", "steering_question"));
  CHECK(raised("my landlord client says no section 8, can I put that in the ad", "source_of_income"));
  CHECK(raised("seller wants to leave the roof leak off the disclosure", "nondisclosure_request"));
  CHECK(raised("seller asked me not to disclose the old water damage", "nondisclosure_request"));
  CHECK(raised("a lender offered me $50 gift cards for every client I send", "provider_referral_payment"));
  CHECK(raised("buyer got an email with new wire instructions from title, what do I do", "wire_instructions_changed",
               ConversationStage::under_contract));
  CHECK(raised("luxury seller wants a pocket listing, no MLS", "off_mls_listing"));
  // A trainer's rewordings (2026-12): religion, "steer", reworded fraud, disclosure and referral pay, Spanish.
  CHECK(raised("they asked if it's a Christian neighborhood. Should I steer them to the north side?", "steering_question"));
  CHECK(raised("Is the area near the mosque going to hurt resale?", "steering_question"));
  CHECK(raised("¿Es un barrio seguro? ¿Hay buenas escuelas?", "steering_question"));
  CHECK(raised("email from the title company saying the bank account for my down payment changed, wire it today",
               "wire_instructions_changed", ConversationStage::clear_to_close));
  CHECK(raised("can I just zelle the earnest money to you", "earnest_money_by_app", ConversationStage::under_contract));
  CHECK(raised("Seller says don't mention the foundation crack, the buyer's inspector will find it anyway", "nondisclosure_request"));
  CHECK(raised("The lender will pay me $500 for every buyer I send", "provider_referral_payment"));
  CHECK(raised("Can I tell the other buyer agents the highest offer?", "offer_terms_confidential", ConversationStage::offer_negotiation));
  // A buyer's agent's lead asks for a tour this turn, before any agreement: the alert now, not once
  // the date is recorded. (A listing agent showing the listing to a buyer it does not represent needs none.)
  const auto buyer_ids = [&](const std::string& said) {
    std::vector<std::string> ids;
    for (const auto& card : guidance_cards(sample_profile(AgentRole::buyer_agent, ExperienceLevel::novice), lead_with({}),
                                           ConversationStage::qualifying, route, "", "2026-11-25", Policy::embedded(), said))
      if (card.contains("id")) ids.push_back(card["id"].get<std::string>());
    return ids;
  };
  CHECK(buyer_ids("Can we see 1418 Juniper Ln on Saturday?") == std::vector<std::string>{"touring_without_agreement"});
  CHECK(buyer_ids("Can we see it?").empty());
  CHECK_FALSE(raised("Can we see 1418 Juniper Ln on Saturday?", "touring_without_agreement"));
  // An alert comes first, with the words for a novice.
  const json cards = guidance_cards(profile, lead_with({}), ConversationStage::qualifying, route, "", "2026-11-25",
                                    Policy::embedded(), "Is it a safe area?");
  REQUIRE_FALSE(cards.empty());
  CHECK(cards[0]["type"] == "compliance_alert");
  CHECK(cards[0]["id"] == "steering_question");
  CHECK(cards[0].contains("say"));
  // Ordinary questions raise nothing.
  for (const char* said : {"Is it safe to waive the inspection?", "where should I hide the lockbox key?",
                           "what does section 8 of the purchase contract say about closing costs?",
                           "how do I pitch my listing presentation?", "referral fee for an agent in another state?"}) {
    CAPTURE(std::string(said));
    CHECK(ids_for(said).empty());
  }
}

TEST_CASE("qualify: cards give a novice the words and the why, an expert the edge cases and the source") {
  const auto lead = lead_with({{"buyer_agreement", "no"}, {"showing_date", "2026-11-27"}, {"pre_approved", "pre-qualified"}});
  RouteDecision route;
  const json novice = guidance_cards(sample_profile(AgentRole::buyer_agent, ExperienceLevel::novice), lead,
                                     ConversationStage::qualifying, route, "", "2026-11-25");
  const json expert = guidance_cards(sample_profile(AgentRole::buyer_agent, ExperienceLevel::expert), lead,
                                     ConversationStage::qualifying, route, "", "2026-11-25");
  REQUIRE(novice.size() >= 3);
  // The compliance alert comes first, for both.
  CHECK(novice[0]["type"] == "compliance_alert");
  CHECK(expert[0]["type"] == "compliance_alert");
  CHECK(novice[0]["id"] == "touring_without_agreement");
  // Substance differs: the novice gets the script, the why and the common mistakes...
  CHECK(novice[0].contains("say"));
  CHECK(novice[0].contains("why"));
  CHECK(novice[0].contains("mistakes"));
  CHECK_FALSE(novice[0].contains("edge"));
  // ...the expert the edge cases and the source, no script.
  CHECK(expert[0].contains("edge"));
  CHECK(expert[0].contains("source"));
  CHECK_FALSE(expert[0].contains("say"));
  CHECK_FALSE(expert[0].contains("mistakes"));
  // The next question: word for word for a novice, the checklist label for an expert.
  auto nba = [](const json& cards) {
    for (const auto& c : cards) if (c["type"] == "next_best_action") return c["text"].get<std::string>();
    return std::string();
  };
  CHECK(nba(novice).find("\"Where would you love to live") != std::string::npos);
  CHECK(nba(expert).find("Location:") != std::string::npos);
  // The checklist card carries statuses, the score and its parts.
  const json* checklist = nullptr;
  for (const auto& c : novice) if (c["type"] == "qualification_checklist") checklist = &c;
  REQUIRE(checklist);
  CHECK((*checklist)["score_parts"].size() == 5);
  bool saw_problem = false;
  for (const auto& i : (*checklist)["items"]) saw_problem = saw_problem || i["status"] == "problem";
  CHECK(saw_problem);
}

TEST_CASE("qualify: cards fit the agent and the stage") {
  const auto lead = lead_with({{"effective_date", "2026-11-20"}, {"closing_date", "2026-12-18"}, {"financing", "conventional"},
                               {"price_range", "$500k"}});
  RouteDecision route;
  route.specialist = Specialist::transaction_timeline;
  const json tc = guidance_cards(sample_profile(AgentRole::transaction_coordinator), lead, ConversationStage::under_contract,
                                 route, "", "2026-11-25");
  REQUIRE(tc.size() == 1);
  CHECK(tc[0]["type"] == "deadlines");
  CHECK(tc[0]["items"].size() > 10);
  // Each item carries its caveat (the HOA review's "from delivery", the kick-out's hours...).
  bool noted = false;
  for (const auto& item : tc[0]["items"]) noted = noted || !item.value("note", "").empty();
  CHECK(noted);
  const json agent = guidance_cards(sample_profile(), lead, ConversationStage::qualifying, route,
                                    "## Plan\n\n1. **Call the lender** today to confirm pre-approval.\n2. Then...", "2026-11-25");
  CHECK(agent[0]["type"] == "next_best_action");
  CHECK(agent[0]["text"] == "Call the lender today to confirm pre-approval.");
  bool checklist = false;
  for (const auto& c : agent) checklist = checklist || c["type"] == "qualification_checklist";
  CHECK(checklist);
}

TEST_CASE("qualify: listing agents and seller leads get the seller checklist") {
  Lead lead;
  CHECK(qualification_checklist(sample_profile(AgentRole::listing_agent), lead).side == "seller");
  lead.facts["side"] = "buyer";
  CHECK(qualification_checklist(sample_profile(AgentRole::listing_agent), lead).side == "buyer");
  lead.facts["side"] = "seller";
  CHECK(qualification_checklist(sample_profile(), lead).side == "seller");
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

TEST_CASE("issue: offline answers ignored the situation notes (55+, condos, short sales) and showed unrelated sections") {
  RouteDecision route;
  route.specialist = Specialist::qualification;
  const auto first_heading = [](const std::string& answer) {
    const std::size_t at = answer.find("### ");
    return at == std::string::npos ? std::string() : answer.substr(at + 4, answer.find('\n', at) - at - 4);
  };
  CHECK(first_heading(offline_answer(route, "My buyers want a 55+ community, what are the HOPA rules?", sample_profile(), Lead{})) ==
        "55+ and senior communities");
  route.specialist = Specialist::coaching;
  const std::string condo = offline_answer(route, "condo isn't FHA approved and there's a special assessment coming", sample_profile(), Lead{});
  CHECK(first_heading(condo) == "Condos and HOAs");
  CHECK(condo.find("### Method") == std::string::npos);  // nothing of the playbook matches: nothing of it shown
  Lead seller;
  seller.facts = {{"situation", "short sale, behind on payments"}};
  route.specialist = Specialist::action_planning;
  CHECK(first_heading(offline_answer(route, "what do I do first?", sample_profile(), seller)) == "Short sales and pre-foreclosure");
  // The routed playbook's best section by its rare words: escalation, not the generic ones.
  route.specialist = Specialist::negotiation;
  CHECK(offline_answer(route, "how do escalation clauses work?", sample_profile(), Lead{}).find("Escalation") != std::string::npos);
}
