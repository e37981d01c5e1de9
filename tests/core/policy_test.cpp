#include <doctest/doctest.h>

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
    CHECK(p.data().specialists[i].playbook.size() > 1000);
    CHECK_FALSE(p.data().specialists[i].keywords.empty());
  }
  CHECK(p.model_for(ModelTier::fast) == "claude-haiku-5-5");
}

TEST_CASE("policy: playbooks carry the facts agents are held to in 2026") {
  const auto& d = Policy::embedded().data();
  CHECK(d.house_rules.find("August 17, 2024") != std::string::npos);
  CHECK(d.house_rules.find("before touring") != std::string::npos);
  CHECK(d.rules(Specialist::qualification).playbook.find("LPMAMA") != std::string::npos);
  const auto& tx = d.rules(Specialist::transaction_timeline).playbook;
  for (const char* term : {"inspection", "appraisal", "Financing", "Closing Disclosure", "3 business days"})
    CHECK_MESSAGE(tx.find(term) != std::string::npos, std::string(term));
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
