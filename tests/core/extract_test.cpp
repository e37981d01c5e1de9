// The cheap extractor proposes facts a text states, with the clause that said them.
#include <doctest/doctest.h>

#include <algorithm>

#include "helpers.hpp"
#include "porchlight/qualify.hpp"

using namespace porchlight;

namespace {
std::map<std::string, ProposedFact> extract(std::string_view text, std::map<std::string, std::string> facts = {}) {
  Lead lead;
  lead.facts = std::move(facts);
  std::map<std::string, ProposedFact> out;
  for (auto& p : extract_facts(text, lead, "2026-11-25")) out[p.fact] = p;
  return out;
}
}  // namespace

TEST_CASE("extract: the issue's three sentences") {
  const auto p = extract("She said they're pre-approved for 450 and need to move by March. We're also talking to Redfin.");
  REQUIRE(p.count("pre_approved"));
  CHECK(p.at("pre_approved").value == "yes");
  REQUIRE(p.count("pre_approval_amount"));
  CHECK(p.at("pre_approval_amount").value == "$450,000");
  REQUIRE(p.count("timeline"));
  CHECK(p.at("timeline").value == "by March");
  REQUIRE(p.count("other_agent"));
  CHECK(p.at("other_agent").value == "We're also talking to Redfin");
  CHECK(p.at("other_agent").evidence == "We're also talking to Redfin");
}

TEST_CASE("extract: negations, money forms and counts") {
  auto p = extract("We are not pre-approved yet, just pre-qualified. 3 bedrooms, 2 baths, budget is $600k.");
  CHECK(p.at("pre_approved").value == "pre-qualified only");  // the later statement wins
  CHECK(p.at("max_price").value == "$600,000");
  CHECK(p.at("beds").value == "3");
  CHECK(p.at("baths").value == "2");
  p = extract("We haven't signed the agreement yet.");
  CHECK(p.at("buyer_agreement").value == "not signed");
  p = extract("We are not working with another agent.");
  CHECK(p.at("other_agent").value == "none");
  p = extract("We owe about 310k and want to list it at 499,900. Zillow says 520.");
  CHECK(p.at("mortgage_payoff").value == "$310,000");
  CHECK(p.at("price_expectation").value == "$499,900");
  CHECK(p.count("price_expectation_source"));
  p = extract("We could pay 1.2 million, approved up to $1.25M");
  CHECK(p.at("pre_approval_amount").value == "$1,250,000");
}

TEST_CASE("extract: STOP alone, or plain words, opts out; STOP inside a sentence does not") {
  CHECK(extract("STOP").at("texting_opt_out").value == "yes");
  CHECK(extract("Unsubscribe").count("texting_opt_out"));
  CHECK(extract("please stop texting me").count("texting_opt_out"));
  CHECK_FALSE(extract("Can we stop by the house on Elm Saturday?").count("texting_opt_out"));
  // Revocation "by any reasonable means" (47 C.F.R. 64.1200(a)(10)): plain words count too.
  for (const char* reply : {"Stop. Thanks", "stop contacting me", "don't message me again", "leave me alone",
                            "lose my number", "wrong number", "ALTO", "no me escriba mas", "pls stop txting me", "quit texting me",
                            "stop msging me", "remove my number"}) {
    const std::string text = reply;
    CAPTURE(text);
    CHECK(extract(reply).count("texting_opt_out"));
  }
  CHECK_FALSE(extract("stop sending me the same listing twice, send the new ones").count("do_not_call"));
  CHECK(extract("Don't call me at work").at("do_not_call").value == "yes");
  for (const char* reply : {"I want to unsubscribe", "Alto por favor", "remove me", "no más mensajes"}) {
    const std::string text = reply;
    CAPTURE(text);
    CHECK(extract(reply).count("texting_opt_out"));
  }
}

TEST_CASE("extract: a tour asked for with its day, as leads text it; Spanish and SMS spellings") {
  CHECK(extract("Can we see 1418 Juniper Ln on Saturday?").at("showing_date").value == "Saturday");
  CHECK(extract("can we see it tmrw @ 4").at("showing_date").value == "tmrw @ 4");
  CHECK(extract("FaceTime me through the house on Thursday").at("showing_date").value == "Thursday");
  CHECK(extract("we'd love to tour the Maple St house this weekend").at("showing_date").value == "this weekend");
  CHECK(extract("Queremos ver la casa el sábado a las 11").at("showing_date").value == "sábado a las 11");
  CHECK_FALSE(extract("can we see it?").count("showing_date"));  // no day: nothing to date
  auto p = extract("Somos preaprobados por 380 mil con FHA. Todavía no tenemos agente.");
  CHECK(p.at("pre_approved").value == "yes");
  CHECK(p.at("pre_approval_amount").value == "$380,000");  // Spanish "mil" is thousands
  CHECK(p.at("other_agent").value == "none");
  CHECK(extract("approved for 1.2 mil").at("pre_approval_amount").value == "$1,200,000");
  p = extract("pre-apprvd 4 425k w/ VA");
  CHECK(p.at("pre_approval_amount").value == "$425,000");
  CHECK(p.at("loan_type").value == "VA");
  CHECK(extract("no agt yet").at("other_agent").value == "none");
  CHECK(extract("haven't signed anything with anybody").at("other_agent").value == "none");
}

TEST_CASE("extract: how the lead asks to be reached; a negation does not reach past a comma") {
  auto p = extract("don't call, text is fine");
  CHECK(p.at("do_not_call").value == "yes");
  CHECK(p.at("contact_preference").value == "text");
  CHECK_FALSE(p.count("texting_opt_out"));
  p = extract("dont text, email only");
  CHECK(p.at("texting_opt_out").value == "yes");
  CHECK(p.at("contact_preference").value == "e-mail");
  p = extract("No llamadas por favor, mejor por texto");
  CHECK(p.at("do_not_call").value == "yes");
  CHECK(p.at("contact_preference").value == "text");
  CHECK(extract("Honestly just call me instead, I never check texts").at("contact_preference").value == "phone");
  // Within a part of a clause, a negation still turns the fact around.
  CHECK(extract("We are not pre-approved yet").at("pre_approved").value == "no");
  CHECK(extract("not pre-approved, but a lender called us").at("pre_approved").value == "no");
}

TEST_CASE("extract: no false timelines, no counts read as prices") {
  auto p = extract("The house is within walking distance of the park, and we can afford 3 more years of rent.");
  CHECK_FALSE(p.count("timeline"));
  CHECK_FALSE(p.count("max_price"));
  p = extract("Our lease ends in June.");
  CHECK(p.at("timeline").value == "in June");
}

TEST_CASE("extract: facts already known are not proposed again; changes show the current value") {
  auto p = extract("We're pre-approved for 450.", {{"pre_approved", "yes"}, {"pre_approval_amount", "$400,000"}});
  CHECK_FALSE(p.count("pre_approved"));
  REQUIRE(p.count("pre_approval_amount"));
  CHECK(p.at("pre_approval_amount").current == "$400,000");
  CHECK(extract("").empty());
  CHECK(extract("Sounds good, talk soon!").empty());
}

TEST_CASE("extract: facts_stated keeps what the lead knows already; proposals_for leaves it out, as extract_facts does") {
  Lead lead;
  lead.facts = {{"texting_opt_out", "yes"}, {"pre_approval_amount", "$400,000"}};
  auto has = [](const std::vector<ProposedFact>& v, const std::string& fact) {
    return std::any_of(v.begin(), v.end(), [&](const ProposedFact& f) { return f.fact == fact; });
  };
  const auto stop = facts_stated("STOP");
  CHECK(has(stop, "texting_opt_out"));                           // stated, though known
  CHECK_FALSE(has(proposals_for(stop, lead), "texting_opt_out"));  // known, with the same value
  CHECK(extract_facts("STOP", lead).empty());

  const std::string text = "We're pre-approved for 450 now";
  const auto proposals = proposals_for(facts_stated(text, "2026-11-25"), lead);
  REQUIRE(has(proposals, "pre_approval_amount"));  // changed: the current value rides along
  for (const auto& p : proposals)
    if (p.fact == "pre_approval_amount") CHECK(p.current == "$400,000");
  const auto once = extract_facts(text, lead, "2026-11-25");
  REQUIRE(once.size() == proposals.size());
  for (std::size_t i = 0; i < once.size(); ++i) CHECK(once[i].fact == proposals[i].fact);
}
