// Router v2: the trainer, the model file, the features and the decisions it gives.
#include <doctest/doctest.h>

#include <algorithm>

#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/route.hpp"
#include "porchlight/router_train.hpp"
#include "router_model.hpp"

using namespace porchlight;

namespace {

LabeledRequest labeled(std::string id, std::string query, std::vector<Specialist> specialists, ModelTier tier) {
  LabeledRequest e;
  e.id = std::move(id);
  e.request.query = std::move(query);
  e.request.profile = testing::sample_profile();
  e.specialists = std::move(specialists);
  e.tier = tier;
  return e;
}

// A small, clearly separable training set: each specialist's own words, repeated with variants.
std::vector<LabeledRequest> toy_data() {
  std::vector<LabeledRequest> out;
  const std::vector<std::pair<std::string, Specialist>> phrases = {
      {"she thinks the commission is a rip off", Specialist::objection_handling},
      {"pull comps and the price per square foot", Specialist::market_analysis},
      {"when is the inspection deadline and the closing disclosure", Specialist::transaction_timeline},
      {"write the mls description for the listing", Specialist::listing_marketing},
  };
  for (int round = 0; round < 12; ++round)
    for (std::size_t i = 0; i < phrases.size(); ++i)
      out.push_back(labeled("t-" + std::to_string(round) + "-" + std::to_string(i),
                            phrases[i].first + (round % 2 ? " asap" : " please"), {phrases[i].second},
                            i == 1 ? ModelTier::deep : ModelTier::fast));
  for (int round = 0; round < 12; ++round)
    out.push_back(labeled("c-" + std::to_string(round),
                          "she thinks the commission is a rip off and pull comps" + std::string(round % 2 ? " asap" : ""),
                          {Specialist::objection_handling, Specialist::market_analysis}, ModelTier::balanced));
  return out;
}

// The embedded policy with router v2 on and a given model file.
Result<Policy> policy_with(const std::string& model, bool enabled, std::string version = "") {
  auto files = Policy::embedded().files();
  auto routing = nlohmann::json::parse(files.at("routing.json"));
  if (version.empty()) version = nlohmann::json::parse(model)["version"].get<std::string>();
  routing["learned"]["enabled"] = enabled;
  routing["learned"]["model_version"] = version;
  files["routing.json"] = routing.dump();
  files["router/model.json"] = model;
  return Policy::from_files(files);
}

std::string toy_model(std::uint64_t seed = 7) {
  TrainOptions options;
  options.seed = seed;
  options.hash_bits = 10;
  options.release = "test";
  return train_router(toy_data(), options, Policy::embedded());
}

}  // namespace

TEST_CASE("router v2: the trainer is deterministic and its seed matters") {
  const std::string a = toy_model(7), b = toy_model(7), c = toy_model(8);
  CHECK(a == b);
  CHECK(a != c);
  const auto j = nlohmann::json::parse(a);
  CHECK(j["version"].get<std::string>().rfind("router-test+", 0) == 0);
  CHECK(j["outputs"].size() == detail::kRouterOutputs);
}

TEST_CASE("router v2: a trained model routes, plans compound requests and estimates each tier") {
  auto policy = policy_with(toy_model(), true);
  REQUIRE(policy);
  RouteRequest r;
  r.profile = testing::sample_profile();
  r.query = "my buyer thinks the commission is a rip off";
  auto d = route(r, policy.value());
  CHECK(d.learned);
  CHECK(d.specialist == Specialist::objection_handling);
  CHECK(d.plan.empty());
  CHECK(d.tier == ModelTier::fast);
  CHECK(d.tier_adequacy[2] == 1.0);
  CHECK(d.tier_adequacy[0] <= d.tier_adequacy[1]);
  REQUIRE_FALSE(d.reasons.empty());
  CHECK(d.reasons[0].find("points to objection_handling") != std::string::npos);
  const auto j = to_json(d);
  CHECK(j.contains("tier_adequacy"));
  CHECK_FALSE(j.contains("plan"));

  r.query = "pull comps please";
  d = route(r, policy.value());
  CHECK(d.specialist == Specialist::market_analysis);
  CHECK(d.tier == ModelTier::deep);  // its label in the toy data: fast is not adequate

  r.query = "she thinks the commission is a rip off and pull comps";
  d = route(r, policy.value());
  REQUIRE(d.plan.size() == 2);
  CHECK(d.plan[0] == d.specialist);
  CHECK(to_json(d)["plan"].size() == 2);

  // The caller's choices still bind, and the budget still caps the tier.
  r.specialist = Specialist::coaching;
  r.tier = ModelTier::deep;
  r.budget = Budget{100, 99};
  d = route(r, policy.value());
  CHECK(d.specialist == Specialist::coaching);
  CHECK(d.tier == ModelTier::fast);
}

TEST_CASE("router v2: off, the model changes nothing; the model's bytes are not the policy's version") {
  const std::string model = toy_model();
  auto off = policy_with(model, false);
  REQUIRE(off);
  RouteRequest r;
  r.profile = testing::sample_profile();
  r.query = "my buyer thinks the commission is a rip off";
  const auto v1 = route(r, testing::v1_policy());
  const auto d = route(r, off.value());
  CHECK_FALSE(d.learned);
  CHECK(to_json(d).dump().find("tier_adequacy") == std::string::npos);
  CHECK(d.specialist == v1.specialist);
  // Without the file (the browser before it loads), the same routing.json gives the same version.
  auto files = off.value().files();
  files.erase("router/model.json");
  auto without = Policy::from_files(files);
  REQUIRE(without);
  CHECK(without.value().version() == off.value().version());
}

TEST_CASE("router v2 decides with the built-in policy; without its weights (a browser's core before they arrive) v1 does") {
  CHECK(Policy::embedded().router() == "v2");
  CHECK(testing::v1_policy().router() == "v1");
  auto files = Policy::embedded().files();
  files.erase("router/model.json");
  auto awaiting = Policy::from_files(files);
  REQUIRE(awaiting);
  CHECK(awaiting.value().router() == "v2_awaiting_weights");
  CHECK(awaiting.value().version() == Policy::embedded().version());
  RouteRequest r;
  r.profile = testing::sample_profile();
  r.query = "Can you pull comps and tell me the months of supply in 78704?";
  CHECK(route(r).learned);
  const auto before = route(r, awaiting.value());
  CHECK_FALSE(before.learned);
  const auto v1 = route(r, testing::v1_policy());
  CHECK(before.specialist == v1.specialist);
  CHECK(before.tier == v1.tier);
  CHECK(before.reasons == v1.reasons);
}

TEST_CASE("router v2: a stale or broken model file is a policy error that says what to do") {
  auto stale = policy_with(toy_model(), true, "router-test+000000000000");
  REQUIRE_FALSE(stale);
  CHECK(stale.errors()[0].code == "policy.router_model_stale");
  CHECK(stale.errors()[0].message.find("retrain") != std::string::npos);
  auto broken = policy_with(R"({"version": "v", "hash_bits": 10, "outputs": [], "weights_base64": ""})", true, "v");
  REQUIRE_FALSE(broken);
  CHECK(broken.errors()[0].code == "policy.invalid_router_model");
  auto garbage = detail::parse_router_model("not json");
  CHECK_FALSE(garbage);
}

TEST_CASE("router v2: features fold accents and apostrophes, and ignore long numbers' values") {
  const detail::KeywordScores none{};
  auto features = [&](const char* q) {
    RouteRequest r;
    r.query = q;
    return detail::router_features(r, 12, none).text;
  };
  CHECK(features("la comisión es muy alta") == features("la comision es muy alta"));
  CHECK(features("COMISIÓN") == features("comision"));
  CHECK(features("don't sign") == features("dont sign"));
  CHECK(features("don\xE2\x80\x99t sign") == features("dont sign"));
  CHECK(features("offer at 525000") == features("offer at 480000"));
  CHECK(features("a 1031 exchange") != features("a 1032 exchange"));
  CHECK(features("").empty());
}

TEST_CASE("router v2: a pasted page is read at its start and its end, where the agent's question is") {
  const detail::KeywordScores none{};
  auto features = [&](const std::string& q) {
    RouteRequest r;
    r.query = q;
    return detail::router_features(r, 12, none);
  };
  std::string page = "here is the inspection summary the buyer got today ";
  while (page.size() < 3000) page += "roof shingles worn at the ridge, gutters loose on the north side. ";
  const auto ask = features(page + "how do I ask the seller for a credit?");
  const auto other = features(page + "what deadlines are coming up?");
  CHECK(ask.text != other.text);  // the question at the end is read
  // The middle is not: a page that differs only there has the same features.
  std::string edited = page;
  edited.replace(1500, 8, "SHINGLES");
  CHECK(features(edited + "what deadlines are coming up?").text == other.text);
  CHECK(features(page).text.size() < 1000);  // bounded, however long the page
}

TEST_CASE("router v2: the labeled-request reader names what is wrong") {
  auto ok = read_labeled_request(
      R"({"id":"x-1","query":"hola","role":"buyer_agent","experience":"novice","specializations":["relocation"],)"
      R"("stage":"new_lead","specialists":["qualification","compliance"],"tier":"fast","why":"w","facts":{"a":1}})");
  REQUIRE(ok);
  CHECK(ok->specialists.size() == 2);
  CHECK(ok->request.profile.specializations.size() == 1);
  CHECK(read_labeled_request("{").errors()[0].code == "routing_data.invalid_line");
  CHECK(read_labeled_request(R"({"id":"x","query":"q","role":"pilot","experience":"novice","stage":"new_lead","specialists":["coaching"],"tier":"fast"})")
            .errors()[0].code == "routing_data.invalid_role");
  CHECK(read_labeled_request(R"({"id":"x","query":"q","role":"buyer_agent","experience":"novice","stage":"new_lead","specialists":["coaching","coaching"],"tier":"fast"})")
            .errors()[0].code == "routing_data.invalid_specialists");
  CHECK(split_of("a-001", 1) == split_of("a-001", 1));
}

TEST_CASE("router v2: a follow-up stays with the conversation's specialist unless another is clearly better") {
  auto policy = policy_with(toy_model(), true);
  REQUIRE(policy);
  RouteRequest r;
  r.profile = testing::sample_profile();
  r.query = "she thinks the commission is a rip off and pull comps";  // both fit about as well
  const auto fresh = route(r, policy.value());
  const Specialist other = fresh.specialist == Specialist::objection_handling ? Specialist::market_analysis
                                                                               : Specialist::objection_handling;
  r.previous_specialist = other;
  const auto followed = route(r, policy.value());
  CHECK(followed.specialist == other);
  CHECK(std::any_of(followed.reasons.begin(), followed.reasons.end(),
                    [](const std::string& w) { return w.find("the conversation's specialist") != std::string::npos; }));
  // A request that clearly belongs to another specialist moves on.
  r.query = "write the mls description for the listing please";
  r.previous_specialist = Specialist::objection_handling;
  CHECK(route(r, policy.value()).specialist == Specialist::listing_marketing);
}
