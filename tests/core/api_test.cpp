#include <doctest/doctest.h>

#include <string>

#include "porchlight/api.hpp"
#include "porchlight/model.hpp"

using porchlight::json;
namespace api = porchlight::api;

namespace {
const char* kProfile =
    R"({"id":"a1","location_id":"loc-1","name":"Dana","role":"buyer_agent","experience":"novice"})";

json call(std::string (*fn)(std::string_view), const std::string& input) {
  const std::string out = fn(input);
  json j = json::parse(out, nullptr, false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

std::string error_code(const json& j) {
  return j.contains("error") ? j["error"]["code"].get<std::string>() : "";
}
}  // namespace

TEST_CASE("api: bad input of every kind gets a typed error, never a crash") {
  CHECK(error_code(call(api::route, "")) == "request.malformed_json");
  CHECK(error_code(call(api::route, "{\"query\":")) == "request.malformed_json");
  CHECK(error_code(call(api::route, "[1,2]")) == "request.not_object");
  CHECK(error_code(call(api::route, "{\"q\":\"\xff\"}")) == "request.invalid_utf8");
  CHECK(error_code(call(api::route, std::string(10000, '['))) == "request.too_deep");
  CHECK(error_code(call(api::route, std::string(2 << 20, ' '))) == "request.too_large");
  const std::string huge = "{\"query\":\"" + std::string(1'000'000, 'a') + "\",\"profile\":" + kProfile + "}";
  const json long_query = call(api::route, huge);
  CHECK(error_code(long_query) == "route.invalid_query");
  CHECK(long_query["error"]["path"] == "query");
  const json wrong = call(api::route, R"({"query": 5, "profile": {"role": "astronaut"}, "tier": "ultra"})");
  CHECK(wrong["error"]["errors"].size() >= 5);
}

TEST_CASE("api: route answers with specialist, tier, confidence and reasons") {
  const json d = call(api::route, std::string(R"({"query":"How do I handle the commission objection?","profile":)") +
                                      kProfile + R"(,"stage":"nurturing"})");
  REQUIRE_FALSE(d.contains("error"));
  CHECK(d["specialist"] == "objection_handling");
  CHECK(d["tier"].is_string());
  CHECK(d["confidence"].is_number());
  CHECK(d["reasons"].is_array());
  CHECK(d["policy_version"].is_string());
}

TEST_CASE("api: validateProfile separates invalid profiles from malformed requests") {
  const json ok = call(api::validate_profile, kProfile);
  CHECK(ok["valid"] == true);
  CHECK(ok["profile"]["schema_version"] == 1);
  const json bad = call(api::validate_profile, R"({"id":"a 1","role":"buyer"})");
  CHECK(bad["valid"] == false);
  CHECK(bad["errors"].size() >= 4);
  CHECK(error_code(call(api::validate_profile, "nope")) == "request.malformed_json");
}

TEST_CASE("api: buildPrompt, fitContext and estimateCost answer in their documented shapes") {
  const json p = call(api::build_prompt, std::string(R"({"query":"Next step?","profile":)") + kProfile +
                                             R"(,"history":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}],"stream":true})");
  REQUIRE_FALSE(p.contains("error"));
  CHECK(p["request"]["stream"] == true);
  CHECK(p["request"]["messages"].size() == 3);
  CHECK(p["context"]["kept"] == json::array({0, 1}));
  const json bad_turn = call(api::build_prompt, std::string(R"({"query":"x","profile":)") + kProfile +
                                                    R"(,"history":[{"role":"system","content":"hi"}]})");
  CHECK(error_code(bad_turn) == "turn.invalid_role");
  CHECK(bad_turn["error"]["path"] == "history[0].role");

  const json w = call(api::fit_context, R"({"budget_tokens":200,"turns":[{"role":"user","content":"hello"}]})");
  CHECK(w["first_kept"] == 0);
  CHECK(w["tokens"]["total"].get<int>() > 0);
  // turns is documented as required: its absence is a typed error, not an empty history.
  CHECK(error_code(call(api::fit_context, R"({"budget_tokens":200})")) == "context.missing_turns");

  const json c = call(api::estimate_cost, R"({"usage":{"input_tokens":10000,"output_tokens":10000}})");
  CHECK(c["by_tier"]["fast"]["total_usd"] == 0.006);
  CHECK(c["by_tier"]["balanced"]["total_usd"] == 0.12);
  CHECK(c["by_tier"]["deep"]["total_usd"] == 0.24);
  // Past 100k prompt tokens, Haiku 5.5 bills the long-context band.
  const json big = call(api::estimate_cost, R"({"usage":{"input_tokens":1000000},"tier":"fast"})");
  CHECK(big["long_context"] == true);
  CHECK(big["total_usd"] == 0.5);
  CHECK(error_code(call(api::estimate_cost, R"({"usage":{},"model":"gpt-9"})")) == "cost.unknown_model");
}

TEST_CASE("api: version names the core, the policy and the schema") {
  const json v = json::parse(api::version());
  CHECK(v["core"].is_string());
  CHECK(v["policy"].get<std::string>().find('+') != std::string::npos);
  CHECK(v["schema_version"] == 1);
}

TEST_CASE("api: enums lists every enum's JSON spellings in the core's order") {
  const json e = json::parse(api::enums());
  CHECK(e.size() == 17);
  CHECK(e["access_roles"] == json::array({"agent", "team_lead", "location_admin"}));
  CHECK(e["stages"].size() == porchlight::enum_count<porchlight::ConversationStage>());
  CHECK(e["stages"].front() == "new_lead");
  CHECK(e["roles"][3] == "team_lead");
  CHECK(e["card_types"] == json::array({"next_best_action", "qualification_checklist", "deadlines", "compliance_alert",
                                        "coaching_tip", "proposed_facts", "stage_change"}));
  CHECK(e["item_statuses"] == json::array({"unknown", "ok", "problem"}));
  CHECK(e["severities"] == json::array({"alert", "tip"}));
  CHECK(e["coach_events"].front() == "meta");
  CHECK(e["coach_events"].back() == "done");
  for (const auto& [kind, names] : e.items()) {
    INFO(kind);
    CHECK(names.is_array());
    CHECK_FALSE(names.empty());
  }
}

TEST_CASE("api: qualify, extractFacts and contractTimeline answer JSON, and typed errors for bad input") {
  const std::string profile = R"({"id":"a","location_id":"l","name":"N","role":"buyer_agent"})";
  json q = json::parse(api::qualify(R"({"profile":)" + profile +
                                    R"(,"today":"2026-11-25","events":["contacted"],"lead":{"facts":{"pre_approved":"yes"}}})"));
  CHECK(q["side"] == "buyer");
  CHECK(q["stage"]["to"] == "contacted");
  CHECK(q["score"]["parts"].size() == 5);
  q = json::parse(api::qualify(R"({"profile":)" + profile + R"(,"events":["signed"],"today":"11/25"})"));
  REQUIRE(q["error"]["errors"].size() == 2);  // every problem at once
  CHECK(q["error"]["errors"][0]["code"] == "qualify.invalid_today");
  CHECK(q["error"]["errors"][1]["code"] == "qualify.invalid_events");

  json x = json::parse(api::extract_facts(R"({"text":"pre-approved for 450"})"));
  CHECK(x["proposals"].size() == 2);
  x = json::parse(api::extract_facts(R"({"text":7})"));
  CHECK(x["error"]["code"] == "extract.invalid_text");

  json t = json::parse(api::contract_timeline(R"({"effective_date":"2026-11-20","closing_date":"2026-12-18","financing":"va","today":"2026-11-25"})"));
  CHECK(t["form"] == "generic");
  CHECK(t["items"].size() > 15);
  t = json::parse(api::contract_timeline(R"({"today":"2026-11-25","lead":{"facts":{"effective_date":"2026-11-20"}}})"));
  CHECK(t["items"].size() > 5);
  t = json::parse(api::contract_timeline(R"({"effective_date":"2026-11-20","form":"texas","today":"2026-11-25"})"));
  CHECK(t["error"]["code"] == "contract.unknown_form");
  t = json::parse(api::contract_timeline(R"({"today":"2026-11-25"})"));
  CHECK(t["error"]["code"] == "contract.missing_effective_date");
  t = json::parse(api::contract_timeline(R"({"today":"2026-11-25","effective_date":"2026-11-20","lead":{}})"));
  CHECK(t["error"]["code"] == "contract.invalid_request");
}
