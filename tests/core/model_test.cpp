#include <doctest/doctest.h>

#include "helpers.hpp"
#include "porchlight/model.hpp"

using namespace porchlight;
using porchlight::testing::has_code;

namespace {
json valid_profile_json() {
  return json::parse(R"({
    "id": "agent-7", "location_id": "loc-1", "name": "  Dana   Whitfield ",
    "role": "listing_agent", "experience": "novice",
    "specializations": ["luxury", "relocation"],
    "preferences": {"tone": "direct", "verbosity": "brief", "language": "es"}
  })");
}
}  // namespace

TEST_CASE("model: a valid profile round-trips through JSON with a schema version") {
  auto p = profile_from_json(valid_profile_json());
  REQUIRE(p.ok());
  CHECK(p->name == "Dana Whitfield");
  CHECK(p->role == AgentRole::listing_agent);
  CHECK(p->specializations.size() == 2);
  const json out = to_json(p.value());
  CHECK(out["schema_version"] == kSchemaVersion);
  auto again = profile_from_json(out);
  REQUIRE(again.ok());
  CHECK(to_json(again.value()) == out);
}

TEST_CASE("model: validation reports every field error at once, with paths and stable codes") {
  json j = valid_profile_json();
  j["role"] = "buyer";
  j["experience"] = 3;
  j["name"] = "";
  j["specializations"] = {"luxury", "luxury", "yachts"};
  j["preferences"]["language"] = "english please";
  j["colour"] = "blue";
  auto p = profile_from_json(j);
  REQUIRE_FALSE(p.ok());
  const auto& e = p.errors();
  CHECK(e.size() == 7);
  CHECK(has_code(e, "profile.invalid_role"));
  CHECK(has_code(e, "profile.invalid_experience"));
  CHECK(has_code(e, "profile.missing_name"));
  CHECK(has_code(e, "profile.invalid_specializations"));
  CHECK(has_code(e, "profile.invalid_language"));
  CHECK(has_code(e, "profile.unknown_field"));
  for (const auto& err : e) CHECK_FALSE(err.path.empty());
  bool role_message = false;
  for (const auto& err : e)
    if (err.code == "profile.invalid_role")
      role_message = err.message.find("expected one of buyer_agent, listing_agent") != std::string::npos &&
                     err.path == "profile.role";
  CHECK(role_message);
}

TEST_CASE("model: shared-pool agents list the locations they serve, home included") {
  json j = valid_profile_json();
  j["shared_pool"] = true;
  auto missing = profile_from_json(j);
  REQUIRE_FALSE(missing.ok());
  CHECK(has_code(missing.errors(), "profile.invalid_served_locations"));

  j["served_locations"] = {"loc-3", "loc-2"};
  auto p = profile_from_json(j);
  REQUIRE(p.ok());
  CHECK(p->served_locations == std::vector<std::string>{"loc-1", "loc-2", "loc-3"});

  json solo = valid_profile_json();
  solo["served_locations"] = {"loc-2"};
  CHECK_FALSE(profile_from_json(solo).ok());
}

TEST_CASE("model: ids, control characters and a newer schema are rejected") {
  json j = valid_profile_json();
  j["id"] = "has space";
  j["name"] = "Dana\nWhitfield";
  j["schema_version"] = 99;
  auto p = profile_from_json(j);
  REQUIRE_FALSE(p.ok());
  CHECK(has_code(p.errors(), "profile.invalid_id"));
  CHECK(has_code(p.errors(), "profile.invalid_name"));
  CHECK(has_code(p.errors(), "profile.invalid_schema_version"));
  CHECK_FALSE(profile_from_json(json::array()).ok());
}

TEST_CASE("model: sessions check timestamps; events check usage and enums") {
  json s = {{"id", "s1"}, {"location_id", "loc-1"}, {"agent_id", "a1"},
            {"conversation_id", "cv_0123456789abcdef0123456789abcdef"},
            {"surface", "streamlit"}, {"stage", "under_contract"},
            {"started_at", "2026-11-25T15:04:05Z"}, {"last_active_at", "2026-11-25T15:04:05.123+02:00"}};
  auto session = session_from_json(s);
  REQUIRE(session.ok());
  CHECK(session->surface == Surface::streamlit);
  CHECK(to_json(session.value())["stage"] == "under_contract");
  s["started_at"] = "yesterday";
  CHECK(has_code(session_from_json(s).errors(), "session.invalid_started_at"));

  json e = {{"id", "e1"}, {"location_id", "loc-1"}, {"agent_id", "a1"},
            {"guidance_type", "objection_response"}, {"specialist", "objection_handling"},
            {"usage", {{"input_tokens", 10}, {"cache_creation_input_tokens", 5},
                       {"cache_creation_1h_input_tokens", 6}}},
            {"feedback", "helpful"}, {"outcome", "closed_won"}};
  auto bad = event_from_json(e);
  REQUIRE_FALSE(bad.ok());
  CHECK(has_code(bad.errors(), "event.invalid_cache_creation_1h_input_tokens"));
  e["usage"]["cache_creation_1h_input_tokens"] = 5;
  auto good = event_from_json(e);
  REQUIRE(good.ok());
  CHECK(good->outcome == Outcome::closed_won);
  CHECK(event_from_json(to_json(good.value())).ok());
}

TEST_CASE("model: check_usage applies usage_from_json's rules to a record built in code") {
  Usage u;
  u.input_tokens = 900;
  u.cache_creation_input_tokens = 50;
  u.cache_creation_1h_input_tokens = 20;
  CHECK(check_usage(u).empty());
  CHECK(usage_from_json(to_json(u)).ok());

  u.output_tokens = -1;
  u.cache_read_input_tokens = 100'000'001;
  u.cache_creation_1h_input_tokens = 51;
  Errors errors = check_usage(u, "message.usage");
  CHECK(errors.size() == 3);
  CHECK(has_code(errors, "usage.invalid_output_tokens"));
  CHECK(has_code(errors, "usage.invalid_cache_read_input_tokens"));
  CHECK(has_code(errors, "usage.invalid_cache_creation_1h_input_tokens"));
  CHECK(errors[0].path == "message.usage.output_tokens");
  CHECK(errors[0].message == "message.usage.output_tokens: must be between 0 and 100000000");

  // The JSON reader reports the same codes, paths and messages for the same record.
  auto from_json = usage_from_json(to_json(u), "message.usage");
  REQUIRE_FALSE(from_json.ok());
  REQUIRE(from_json.errors().size() == errors.size());
  for (std::size_t i = 0; i < errors.size(); ++i) {
    CHECK(from_json.errors()[i].code == errors[i].code);
    CHECK(from_json.errors()[i].path == errors[i].path);
    CHECK(from_json.errors()[i].message == errors[i].message);
  }

  // A count out of range is one error, not also a broken rule with the count it did not accept.
  Usage negative;
  negative.cache_creation_input_tokens = -5;
  CHECK(check_usage(negative).size() == 1);
  CHECK(usage_from_json(to_json(negative)).errors().size() == 1);
}

TEST_CASE("model: lead facts are snake_case keys with short scalar values") {
  json l = {{"id", "lead-9"}, {"name", "Jordan"}, {"stage", "qualifying"},
            {"facts", {{"price_range", "$450-500k"}, {"pre_approved", true}, {"beds", 3}, {"note", nullptr}}}};
  auto lead = lead_from_json(l);
  REQUIRE(lead.ok());
  CHECK(lead->facts.at("pre_approved") == "yes");
  CHECK(lead->facts.at("beds") == "3");
  CHECK(lead->facts.count("note") == 0);
  l["facts"]["Bad Key"] = "x";
  l["facts"]["nested"] = json::object();
  auto bad = lead_from_json(l);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.errors().size() == 2);
}
