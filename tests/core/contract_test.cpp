// The contract-to-close calculator: each form's counting rules, worked by hand on real calendars.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "porchlight/api.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/qualify.hpp"

using namespace porchlight;
using porchlight::testing::has_code;

namespace {

ContractTimeline timeline(ContractTerms t, std::string_view today = "2026-11-25") {
  auto r = contract_timeline(t, today);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.errors().front().message));
  return r.value();
}

const ContractDeadline* find(const ContractTimeline& t, std::string_view id) {
  for (const auto& x : t.items)
    if (x.id == id) return &x;
  return nullptr;
}

bool noted(const ContractTimeline& t, std::string_view text) {
  for (const auto& n : t.notes)
    if (n.find(text) != std::string::npos) return true;
  return false;
}

ContractTerms financed(std::string form, std::string effective, std::string closing) {
  ContractTerms t;
  t.form = std::move(form);
  t.effective_date = std::move(effective);
  t.closing_date = std::move(closing);
  t.financing = "conventional";
  return t;
}

}  // namespace

TEST_CASE("contract: the generic form counts calendar days from the day after, and rolls off weekends") {
  // Effective Friday 2026-11-20. Inspection 10 days: Monday 11-30. Earnest money 3 business days:
  // Mon 23, Tue 24, Wed 25. Lead-paint 10 days, no roll.
  auto t = financed("generic", "2026-11-20", "2026-12-18");
  t.conditions = {"pre_1978"};
  const auto x = timeline(t);
  CHECK(find(x, "inspection")->date == "2026-11-30");
  CHECK(find(x, "earnest_money")->date == "2026-11-25");
  CHECK(find(x, "earnest_money")->status == "due_today");
  CHECK(find(x, "lead_paint")->date == "2026-11-30");
  // 5 days for disclosures: Wednesday 11-25; a 7-day term lands on Friday 11-27, the day after
  // Thanksgiving, which is no federal holiday: it stands.
  t.days["seller_disclosure_days"] = 7;
  CHECK(find(timeline(t), "seller_disclosures")->date == "2026-11-27");
  // A term that lands on Thanksgiving Thursday 11-26 (6 days) rolls to Friday 11-27.
  t.days["inspection_days"] = 6;
  const auto y = timeline(t);
  CHECK(find(y, "inspection")->date == "2026-11-27");
  CHECK(find(y, "inspection")->rule.find("Thanksgiving Day") != std::string::npos);
  // 9 days: Sunday 11-29 rolls to Monday 11-30.
  t.days["inspection_days"] = 9;
  CHECK(find(timeline(t), "inspection")->date == "2026-11-30");
}

TEST_CASE("contract: the Closing Disclosure: 3 Regulation Z business days before the loan signing, only for TRID loans") {
  auto t = financed("generic", "2026-11-20", "2026-12-18");
  // Closing Friday 12-18: Thursday 17, Wednesday 16, Tuesday 15.
  CHECK(find(timeline(t), "closing_disclosure")->date == "2026-12-15");
  // Saturday counts, Sunday does not: closing Monday 2026-11-30 -> Sat 28, Fri 27, and Thursday
  // 11-26 is Thanksgiving, so Wednesday 11-25.
  t.closing_date = "2026-11-30";
  CHECK(find(timeline(t, "2026-11-20"), "closing_disclosure")->date == "2026-11-25");
  // Consummation is the loan signing when it comes first (escrow states).
  t.closing_date = "2026-12-18";
  t.loan_signing_date = "2026-12-15";
  CHECK(find(timeline(t), "closing_disclosure")->date == "2026-12-11");  // Mon 14, Sat 12, Fri 11
  // Cash: no Closing Disclosure, no loan deadlines, and a note saying why.
  t.financing = "cash";
  const auto cash = timeline(t);
  CHECK(find(cash, "closing_disclosure") == nullptr);
  CHECK(find(cash, "financing") == nullptr);
  CHECK(find(cash, "appraisal") == nullptr);
  CHECK(noted(cash, "Cash purchase"));
  // A HELOC or a business-purpose loan: loan deadlines, but no Closing Disclosure.
  t.financing = "business_purpose";
  const auto biz = timeline(t);
  CHECK(find(biz, "closing_disclosure") == nullptr);
  CHECK(find(biz, "financing") != nullptr);
  CHECK(noted(biz, "not a loan the TRID rule covers"));
  // An investor's DSCR loan is business-purpose credit (12 C.F.R. 1026.3(a)): no Closing Disclosure.
  t.financing = "DSCR";
  const auto dscr = timeline(t);
  CHECK(find(dscr, "closing_disclosure") == nullptr);
  CHECK(noted(dscr, "not a loan the TRID rule covers"));
}

TEST_CASE("contract: Texas: option period ends 5 p.m. and never rolls; earnest money and option fee roll") {
  // Effective Wednesday 2026-11-25. Option 4 days: Sunday 11-29, stands, 17:00.
  // Earnest money 3 days: Saturday 11-28, rolls to Monday 11-30.
  auto t = financed("texas_trec_resale", "2026-11-25", "2026-12-23");
  t.days = {{"option_days", 4}, {"financing_days", 21}};
  const auto x = timeline(t);
  CHECK(find(x, "option")->date == "2026-11-29");
  CHECK(find(x, "option")->time == "17:00");
  CHECK(find(x, "earnest_money")->date == "2026-11-30");
  // Other deadlines stand on a weekend: financing 21 days is Wednesday 12-16; 24 days a Saturday.
  CHECK(find(x, "financing")->date == "2026-12-16");
  t.days["financing_days"] = 24;
  CHECK(find(timeline(t), "financing")->date == "2026-12-19");
  // A blank option period is not invented: the calculator asks for it.
  t.days.erase("option_days");
  const auto blank = timeline(t);
  CHECK(find(blank, "option") == nullptr);
  CHECK(noted(blank, "option_days"));
}

TEST_CASE("contract: the generic form's typical periods are dated but marked ASSUMED until the contract's number is given") {
  auto t = financed("generic", "2026-11-20", "2026-12-18");
  t.conditions = {"pre_1978"};
  const auto x = timeline(t);
  CHECK(find(x, "inspection")->assumed);
  CHECK(find(x, "inspection")->rule.find("ASSUMED") != std::string::npos);
  CHECK(find(x, "inspection")->rule.find("inspection_days") != std::string::npos);
  CHECK(find(x, "financing")->assumed);
  CHECK_FALSE(find(x, "lead_paint")->assumed);          // 10 days by federal rule, not a guess
  CHECK_FALSE(find(x, "closing_disclosure")->assumed);  // TRID
  CHECK(noted(x, "ASSUMED dates"));
  CHECK(noted(x, "financing_days"));
  // The contract's numbers replace them; a date the lead typed replaces them too.
  t.days = {{"inspection_days", 7}};
  t.dates = {{"financing_deadline", "2026-12-11"}};
  const auto y = timeline(t);
  CHECK_FALSE(find(y, "inspection")->assumed);
  CHECK_FALSE(find(y, "financing")->assumed);
  CHECK(find(y, "appraisal")->assumed);
  CHECK_FALSE(noted(y, "inspection_days,"));
  CHECK(noted(y, "appraisal_days"));
  // So does the JSON API.
  const auto j = nlohmann::json::parse(api::contract_timeline(
      R"({"today": "2026-11-25", "form": "generic", "effective_date": "2026-11-20", "financing": "conventional"})"));
  bool inspection_assumed = false;
  for (const auto& item : j["items"]) inspection_assumed = inspection_assumed || (item["id"] == "inspection" && item["assumed"] == true);
  CHECK(inspection_assumed);
}

TEST_CASE("contract: California: 17/17/17 defaults (RPA 12/22 and later), business-day deposit, state holidays roll") {
  // Acceptance Friday 2026-03-13: investigation 17 days = Monday 03-30; appraisal and loan the
  // same. Deposit 3 business days: Mon 16, Tue 17, Wed 18.
  auto t = financed("california_car_rpa", "2026-03-13", "2026-04-15");
  const auto x = timeline(t, "2026-03-14");
  CHECK(find(x, "inspection")->date == "2026-03-30");
  CHECK(find(x, "appraisal")->date == "2026-03-30");
  CHECK(find(x, "financing")->date == "2026-03-30");
  CHECK_FALSE(find(x, "financing")->assumed);  // the form's printed number
  // An older form's 21 days, given as the term: Friday 04-03.
  t.days["financing_days"] = 21;
  CHECK(find(timeline(t, "2026-03-14"), "financing")->date == "2026-04-03");
  t.days.erase("financing_days");
  CHECK(find(x, "earnest_money")->date == "2026-03-18");
  CHECK(find(x, "seller_disclosures")->date == "2026-03-20");
  // 18 days lands on Cesar Chavez Day (Tuesday 03-31), a California holiday: Wednesday 04-01.
  t.days["inspection_days"] = 18;
  const auto y = timeline(t, "2026-03-14");
  CHECK(find(y, "inspection")->date == "2026-04-01");
  CHECK(find(y, "inspection")->rule.find("Cesar Chavez Day") != std::string::npos);
  CHECK(find(y, "inspection")->note.find("confirm your form treats it as a holiday") != std::string::npos);
  CHECK(find(x, "inspection")->note.find("confirm your form") == std::string::npos);  // no state holiday passed
  // Final verification 5 days before close of escrow.
  CHECK(find(y, "walkthrough")->date == "2026-04-10");
}

TEST_CASE("contract: a 1031 exchange's 180 days end at the tax return's due date when that comes first") {
  ContractTerms t;
  t.effective_date = "2026-11-20";
  t.closing_date = "2026-12-22";
  t.financing = "cash";
  t.conditions = {"exchange_1031"};
  const auto x = timeline(t, "2026-12-05");
  CHECK(find(x, "exchange_identification")->date == "2027-02-05");  // 45 days, no roll
  const auto* completion = find(x, "exchange_completion");
  REQUIRE(completion);
  CHECK(completion->date == "2027-04-15");  // not Sunday 2027-06-20: April 15 comes first
  CHECK(completion->rule.find("April 15 2027") != std::string::npos);
  // A transfer early in the year keeps its 180 days.
  t.effective_date = "2027-02-01";
  t.closing_date = "2027-03-01";
  CHECK(find(timeline(t, "2026-12-05"), "exchange_completion")->date == "2027-08-28");
}

TEST_CASE("issue: a closing counted from closing_days stayed on a Saturday, and every closing task with it") {
  // California, acceptance Tuesday 2027-09-07 + 32 days = Saturday 10-09; Sunday; Monday 10-11 is
  // Columbus Day: close of escrow Tuesday 10-12 (RPA "Days"), as the form's own count says.
  auto t = financed("california_car_rpa", "2027-09-07", "");
  t.days = {{"closing_days", 32}};
  const auto x = timeline(t, "2026-12-05");
  const auto* closing = find(x, "closing");
  REQUIRE(closing);
  CHECK(closing->date == "2027-10-12");
  CHECK_FALSE(closing->from_lead);
  CHECK(closing->rule.find("32 days after the effective date") != std::string::npos);
  // The explanation names every day passed, not only the first.
  CHECK(closing->rule.find("Saturday 2027-10-09, Sunday 2027-10-10, Monday 2027-10-11 (Columbus Day) are not business days") !=
        std::string::npos);
  CHECK_FALSE(noted(x, "Closing falls on"));
  CHECK(find(x, "possession")->date == "2027-10-12");
  // The generic form rolls the same way.
  t.form = "generic";
  CHECK(find(timeline(t, "2026-12-05"), "closing")->date == "2027-10-12");
  // A closing date typed in stands as entered (the contract governs), with the Saturday noted.
  t.form = "california_car_rpa";
  t.days.clear();
  t.closing_date = "2027-10-09";
  const auto y = timeline(t, "2026-12-05");
  CHECK(find(y, "closing")->date == "2027-10-09");
  CHECK(find(y, "closing")->rule == "as entered (closing_date)");
  CHECK(noted(y, "Closing falls on Saturday 2027-10-09"));
}

TEST_CASE("issue: California's day after Thanksgiving was the 4th Friday of November, wrong when November 1 is a Friday") {
  // 2030: November 1 is a Friday, Thanksgiving Thursday 11-28, the day after Friday 11-29 (the 4th
  // Friday was 11-22). Acceptance Tuesday 2030-11-19: 10 days lands on Friday 11-29, which rolls
  // past the weekend to Monday 12-02; 3 days lands on Friday 11-22, a working day that stands.
  auto t = financed("california_car_rpa", "2030-11-19", "2031-01-15");
  t.days["inspection_days"] = 10;
  t.days["pre_approval_days"] = 3;
  const auto x = timeline(t, "2030-11-19");
  CHECK(find(x, "inspection")->date == "2030-12-02");
  CHECK(find(x, "inspection")->rule.find("Day after Thanksgiving") != std::string::npos);
  CHECK(find(x, "pre_approval_letter")->date == "2030-11-22");
  // 2026 (November 1 a Sunday): Thanksgiving 11-26, the day after 11-27, as before.
  t = financed("california_car_rpa", "2026-11-17", "2027-01-15");
  t.days["inspection_days"] = 10;
  CHECK(find(timeline(t, "2026-11-17"), "inspection")->date == "2026-11-30");
  // days_after is checked when the policy loads: 1 to 6, and a misspelt key is an error, not ignored.
  REQUIRE(Policy::from_files(Policy::embedded().files()));
  for (const char* bad : {R"({"name": "x", "month": 11, "weekday": 4, "nth": 4, "days_after": 7})",
                          R"({"name": "x", "month": 11, "weekday": 4, "nth": 4, "day_after": 1})"}) {
    CAPTURE(bad);
    auto files = Policy::embedded().files();
    auto forms = nlohmann::json::parse(files.at("contract_forms.json"));
    for (auto& f : forms["forms"])
      if (f["id"] == "california_car_rpa") f["holidays"].push_back(nlohmann::json::parse(bad));
    files["contract_forms.json"] = forms.dump();
    CHECK_FALSE(Policy::from_files(files));
  }
}

TEST_CASE("contract: Florida: a period ending on a weekend runs to 5 p.m. the next business day") {
  // Effective Friday 2026-07-03 (Independence Day is Saturday 07-04, observed Friday 07-03).
  // Inspection 15 days: Saturday 07-18 -> Monday 07-20 at 17:00. Deposit 3 days: Monday 07-06.
  auto t = financed("florida_as_is", "2026-07-03", "2026-08-14");
  const auto x = timeline(t, "2026-07-03");
  CHECK(find(x, "inspection")->date == "2026-07-20");
  CHECK(find(x, "inspection")->time == "17:00");
  CHECK(find(x, "earnest_money")->date == "2026-07-06");
  CHECK(find(x, "earnest_money")->time == "23:59");
  CHECK(find(x, "loan_application")->date == "2026-07-08");
  CHECK(find(x, "financing")->date == "2026-08-03");  // 30 days: Sunday 08-02 -> Monday 08-03
  CHECK(find(x, "walkthrough")->date == "2026-08-13");
}

TEST_CASE("contract: New Jersey attorney review: three business days") {
  // Delivered Friday 2026-11-20: Mon 23, Tue 24, Wed 25.
  const auto x = timeline(financed("new_jersey", "2026-11-20", "2027-01-15"));
  CHECK(find(x, "attorney_review")->date == "2026-11-25");
  // The generic form has no attorney review unless the contract says so.
  CHECK(find(timeline(financed("generic", "2026-11-20", "2027-01-15")), "attorney_review") == nullptr);
}

TEST_CASE("contract: nothing is hidden by a horizon; overdue and done are flagged") {
  // New construction closing months out: every deadline is still listed.
  auto t = financed("generic", "2026-11-20", "2027-06-30");
  const auto far = timeline(t);
  CHECK(find(far, "closing")->date == "2027-06-30");
  CHECK(find(far, "closing")->days_left == 217);
  CHECK(find(far, "closing_disclosure") != nullptr);
  // Looked at after the inspection deadline: overdue, unless marked done.
  auto late = timeline(t, "2026-12-02");
  CHECK(find(late, "inspection")->status == "overdue");
  CHECK(find(late, "inspection")->days_left == -2);
  t.done = {"inspection"};
  CHECK(find(timeline(t, "2026-12-02"), "inspection")->status == "done");
  // Soonest first.
  for (std::size_t i = 1; i < far.items.size(); ++i) CHECK(far.items[i - 1].date <= far.items[i].date);
}

TEST_CASE("contract: the TC's tasks, FIRPTA when the seller is foreign, 1031 periods for an exchange") {
  auto t = financed("generic", "2026-11-20", "2026-12-18");
  auto x = timeline(t);
  for (const char* id : {"payoff_request", "cda", "compliance_review", "recording", "firpta_certification", "wire_warning"}) {
    CAPTURE(id);
    REQUIRE(find(x, id) != nullptr);
    CHECK(find(x, id)->task);
  }
  CHECK(find(x, "firpta_filing") == nullptr);
  // Tasks land on working days: 5 days before Friday 12-18 is Sunday 12-13, done Friday 12-11.
  CHECK(find(x, "cda")->date == "2026-12-11");
  t.conditions = {"seller_foreign", "exchange_1031"};
  x = timeline(t);
  CHECK(find(x, "firpta_plan") != nullptr);
  CHECK(find(x, "firpta_filing")->date == "2027-01-07");             // 20 days after closing
  CHECK(find(x, "exchange_identification")->date == "2027-02-01");  // 45 days, no roll
  CHECK(find(x, "exchange_completion")->date == "2027-04-15");      // 180 days is 06-16: the tax return's due date comes first
}

TEST_CASE("contract: dates typed into the lead win, and disagreements are noted") {
  Lead lead;
  lead.facts = {{"effective_date", "2026-11-20"}, {"closing_date", "2026-12-18"}, {"financing", "FHA"},
                {"inspection_deadline", "2026-12-01"}, {"state", "Texas"}, {"option_days", "7"}, {"year_built", "1962"}};
  auto terms = contract_terms_from(lead);
  REQUIRE(terms);
  CHECK(terms->form == "texas_trec_resale");
  CHECK(terms->financing == "fha");
  CHECK(terms->days.at("option_days") == 7);
  CHECK(std::find(terms->conditions.begin(), terms->conditions.end(), "pre_1978") != terms->conditions.end());
  const auto x = timeline(*terms);
  CHECK(find(x, "option")->date == "2026-11-27");
  CHECK(find(x, "lead_paint") != nullptr);
  // No effective date, no closing, no deadline dates: nothing to compute.
  Lead empty;
  empty.facts = {{"area", "Austin"}};
  CHECK_FALSE(contract_terms_from(empty));
  // A typed closing disclosure date that the count disagrees with is kept, with a note.
  lead.facts["closing_disclosure_date"] = "2026-12-16";
  const auto y = timeline(*contract_terms_from(lead));
  CHECK(find(y, "closing_disclosure")->date == "2026-12-16");
  CHECK(find(y, "closing_disclosure")->from_lead);
  CHECK(noted(y, "Check the contract"));
}

TEST_CASE("contract: bad terms are typed errors, all at once") {
  ContractTerms t = financed("ohio_mystery", "2026-11-20", "");
  auto r = contract_timeline(t, "2026-11-25");
  REQUIRE_FALSE(r.ok());
  CHECK(has_code(r.errors(), "contract.unknown_form"));
  t.form = "generic";
  t.effective_date = "2026-11-31";
  t.days = {{"optoin_days", 5}};
  t.conditions = {"haunted"};
  r = contract_timeline(t, "2026-11-25");
  REQUIRE_FALSE(r.ok());
  CHECK(has_code(r.errors(), "contract.invalid_date"));
  CHECK(has_code(r.errors(), "contract.unknown_term"));
  CHECK(has_code(r.errors(), "contract.unknown_condition"));
}

TEST_CASE("contract: a lead with a pre-approval or a lender on file is financing, so the Closing Disclosure counts") {
  Lead lead;
  lead.facts = {{"closing_date", "2026-12-18"}, {"pre_approved", "yes"}};
  auto terms = contract_terms_from(lead);
  REQUIRE(terms);
  CHECK(terms->financing == "mortgage");
  CHECK(find(timeline(*terms), "closing_disclosure")->date == "2026-12-15");
  lead.facts = {{"closing_date", "2026-12-18"}, {"cash_buyer", "yes"}, {"lender", "none, cash"}};
  CHECK(contract_terms_from(lead)->financing == "cash");
}
