#include <doctest/doctest.h>

#include <algorithm>

#include "helpers.hpp"
#include "policy_data.hpp"
#include "porchlight/policy.hpp"

using namespace porchlight;
using porchlight::testing::has_code;

TEST_CASE("policy: the embedded data loads, and its version names release and content") {
  const Policy& p = Policy::embedded();
  auto reloaded = Policy::from_files(p.files());
  if (!reloaded) for (const auto& e : reloaded.errors()) MESSAGE(e.message);
  REQUIRE(reloaded.ok());
  CHECK(p.version() != "invalid");
  CHECK(p.version().rfind(p.release() + "+", 0) == 0);
  CHECK(reloaded->version() == p.version());
  for (std::size_t i = 0; i < enum_count<Specialist>(); ++i) {
    for (std::size_t level = 0; level < enum_count<ExperienceLevel>(); ++level)
      CHECK(p.data().specialists[i].playbooks[level].text.size() > 1000);
    CHECK_FALSE(p.data().specialists[i].keywords.empty());
  }
  CHECK(p.model_for(ModelTier::fast) == "claude-haiku-5-5");
}

TEST_CASE("policy: playbooks carry the facts agents are held to in 2026") {
  const auto& d = Policy::embedded().data();
  auto playbook = [&](Specialist s) { return d.rules(s).playbook(ExperienceLevel::intermediate).text; };
  auto has = [](const std::string& text, std::initializer_list<const char*> terms) {
    for (const char* term : terms) CHECK_MESSAGE(text.find(term) != std::string::npos, std::string(term));
  };
  has(d.house_rules, {"August 17, 2024", "before touring", "8 am and 9 pm", "10 business days", "Article 10"});
  has(playbook(Specialist::qualification), {"LPMAMA", "pre-approval"});
  has(playbook(Specialist::transaction_timeline),
      {"inspection", "appraisal", "Financing", "Closing Disclosure", "3 business days", "loan signing", "HELOC", "FIRPTA", "CDA"});
  // Offers and negotiation, new in 2026.11: the moves a buyer's or listing agent makes every week.
  has(playbook(Specialist::negotiation), {"Multiple offers", "Escalation", "Appraisal gaps", "Waiving contingencies",
                                          "Repair requests and credits", "Counteroffers", "amendatory", "Tidewater", "1-7"});
  has(playbook(Specialist::objection_handling), {"wait until spring", "Zillow", "not set by law and are fully negotiable"});
  has(playbook(Specialist::compliance), {"Section 9", "12 U.S.C. 2608", "Alabama", "A2P 10DLC", "January 31, 2027", "April 11, 2025",
                                         "Housing for Older Persons Act", "disparate-impact", "Article 10", "4% of the VA reasonable value"});
  has(playbook(Specialist::market_analysis), {"including extensions"});
  has(playbook(Specialist::listing_marketing), {"Reviewing listing photos", "Photo order", "virtually staged"});
  // The fair-housing line is current: HUD's 2021 reading of "sex" is no longer stated as HUD's position.
  CHECK(d.house_rules.find("HUD has interpreted sex") == std::string::npos);
}

TEST_CASE("policy: experience changes the playbook's content, not only its tone") {
  const auto& d = Policy::embedded().data();
  for (std::size_t i = 0; i < enum_count<Specialist>(); ++i) {
    const auto& rules = d.specialists[i];
    CAPTURE(EnumNames<Specialist>::names[i]);
    const std::string& novice = rules.playbook(ExperienceLevel::novice).text;
    const std::string& expert = rules.playbook(ExperienceLevel::expert).text;
    CHECK(novice.find("## For newer agents") != std::string::npos);
    CHECK(novice.find("Common mistakes") != std::string::npos);
    CHECK(novice.find("## For seasoned agents") == std::string::npos);
    CHECK(expert.find("## For seasoned agents") != std::string::npos);
    CHECK(expert.find("Edge cases") != std::string::npos);
    CHECK(expert.find("## For newer agents") == std::string::npos);
    // Levels of one band read the same bytes, so they share the prompt cache.
    CHECK(rules.playbook(ExperienceLevel::intermediate).text == novice);
    CHECK(rules.playbook(ExperienceLevel::experienced).block_json == rules.playbook(ExperienceLevel::expert).block_json);
  }
}

TEST_CASE("policy: situations load with their notes") {
  const auto& d = Policy::embedded().data();
  std::vector<std::string> ids;
  for (const auto& s : d.situations.list) {
    ids.push_back(s.id);
    CHECK(s.text.rfind("## ", 0) == 0);
    CHECK(s.tokens > 50);
  }
  for (const char* id : {"probate", "divorce", "two_to_four", "foreign_seller", "new_construction", "age_restricted", "va_loan", "exchange_1031"})
    CHECK_MESSAGE(std::find(ids.begin(), ids.end(), id) != ids.end(), id);
}

TEST_CASE("policy: any edit changes the version") {
  auto files = Policy::embedded().files();
  files["playbooks/coaching.md"] += "\nOne more line.";
  auto edited = Policy::from_files(files);
  REQUIRE(edited.ok());
  CHECK(edited->version() != Policy::embedded().version());
}

TEST_CASE("policy: a broken data file is reported with its path, never a crash") {
  auto files = Policy::embedded().files();
  files["routing.json"] = R"({"min_score": 1, "fallback_specialist": "astrology", "specialists": {}, "budget": {}})";
  files.erase("playbooks/compliance.md");
  files["prices.json"] = "{not json";
  auto broken = Policy::from_files(files);
  REQUIRE_FALSE(broken.ok());
  const auto& e = broken.errors();
  CHECK(has_code(e, "policy.invalid_fallback_specialist"));
  CHECK(has_code(e, "policy.missing_qualification"));
  CHECK(has_code(e, "policy.missing_file"));
  CHECK(has_code(e, "policy.invalid_file"));
}

TEST_CASE("policy: dated model ids price as their family, and only as their own family") {
  const auto& d = Policy::embedded().data();
  std::string matched;
  REQUIRE(d.price_for("claude-sonnet-5-5-20261001", &matched));
  CHECK(matched == "claude-sonnet-5-5");
  REQUIRE(d.price_for("claude-opus-5-5", &matched));
  CHECK(matched == "claude-opus-5-5");
  CHECK(d.price_for("claude-opus-5-9") == nullptr);
  CHECK(d.price_for("gpt-5") == nullptr);
}
