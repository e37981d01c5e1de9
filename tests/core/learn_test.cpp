#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include "helpers.hpp"
#include "learn_math.hpp"
#include "porchlight/api.hpp"
#include "porchlight/learn.hpp"

using namespace porchlight;
using namespace porchlight::learn;

namespace {

Experiment two_arms(std::int64_t min_sample = 100) {
  Experiment e;
  e.id = "exp-1";
  e.guidance_type = GuidanceType::objection_response;
  e.variants = {{"control", "", 1.0}, {"empathy_first", "", 1.0}};
  e.min_sample = min_sample;
  return e;
}

std::vector<ArmCounts> counts(std::int64_t n0, std::int64_t s0, std::int64_t n1, std::int64_t s1) {
  return {{"control", n0, s0}, {"empathy_first", n1, s1}};
}

json parse(const std::string& s) { return json::parse(s); }

}  // namespace

TEST_CASE("learn: log and exp without libm agree with libm to ~1e-14, so both targets get the same bits") {
  for (double x : {1e-300, 1e-10, 0.001, 0.3, 0.7071, 1.0, 1.5, 2.0, 10.0, 12345.678, 1e200}) {
    CHECK(std::fabs(learn::detail::log(x) - std::log(x)) <= 1e-14 * std::max(1.0, std::fabs(std::log(x))));
  }
  for (double x : {-700.0, -20.0, -1.0, -1e-9, 0.0, 0.5, 1.0, 3.3, 50.0, 700.0}) {
    CHECK(std::fabs(learn::detail::exp(x) - std::exp(x)) <= 1e-14 * std::exp(x));
  }
  CHECK(learn::detail::normal_quantile(0.975) == doctest::Approx(1.959964).epsilon(1e-6));
  CHECK(learn::detail::normal_quantile(0.05) == doctest::Approx(-1.644854).epsilon(1e-6));
}

TEST_CASE("learn: an agent's bucket is stable and the buckets are uniform") {
  CHECK(bucket_point("exp-1", "agent-7") == bucket_point("exp-1", "agent-7"));
  CHECK(bucket_point("exp-1", "agent-7") != bucket_point("exp-2", "agent-7"));
  int low = 0;
  for (int i = 0; i < 20000; ++i) low += bucket_point("exp-1", "agent-" + std::to_string(i)) < 0.5;
  CHECK(low > 9600);
  CHECK(low < 10400);
}

TEST_CASE("learn: assignment follows the split, and moving a boundary moves only the agents past it") {
  Experiment e = two_arms();
  e.allocation = {{"control", 0.5}, {"empathy_first", 0.5}};
  std::vector<std::string> before;
  int challenger = 0;
  for (int i = 0; i < 4000; ++i) {
    before.push_back(assign(e, "agent-" + std::to_string(i)));
    challenger += before.back() == "empathy_first";
  }
  CHECK(challenger > 1850);
  CHECK(challenger < 2150);
  e.allocation = {{"control", 0.2}, {"empathy_first", 0.8}};
  for (int i = 0; i < 4000; ++i)  // control grew... no: shrank, so only control agents may move
    if (before[i] == "empathy_first") CHECK(assign(e, "agent-" + std::to_string(i)) == "empathy_first");
  e.status = ExperimentStatus::paused;
  CHECK(assign(e, "agent-1") == "control");
  e.status = ExperimentStatus::running;
  e.winner = "empathy_first";
  e.allocation = {{"control", 1.0}, {"empathy_first", 0.0}};
  CHECK(assign(e, "agent-1") == "empathy_first");
  e.status = ExperimentStatus::stopped;  // stopped after the test decided: the winner is adopted
  CHECK(assign(e, "agent-1") == "empathy_first");
  e.status = ExperimentStatus::paused;
  CHECK(assign(e, "agent-1") == "control");
  e.status = ExperimentStatus::stopped;
  e.winner.clear();  // stopped without a winner: back to the control
  CHECK(assign(e, "agent-1") == "control");
}

TEST_CASE("learn: applies only to its guidance type and roles") {
  Experiment e = two_arms();
  e.roles = {AgentRole::listing_agent};
  CHECK(applies(e, GuidanceType::objection_response, AgentRole::listing_agent));
  CHECK_FALSE(applies(e, GuidanceType::objection_response, AgentRole::buyer_agent));
  CHECK_FALSE(applies(e, GuidanceType::coaching_tip, AgentRole::listing_agent));
}

TEST_CASE("learn: a new variant's exposure is capped until it has the minimum sample") {
  Experiment e = two_arms(100);
  e.variants[1].max_share = 0.1;
  auto ev = evaluate(e, counts(0, 0, 0, 0));
  REQUIRE(ev.ok());
  CHECK(ev->decision == "warming_up");
  CHECK(ev->arms[1].share == doctest::Approx(0.1));
  CHECK(ev->arms[0].share == doctest::Approx(0.9));
  auto later = evaluate(e, counts(900, 270, 100, 30));
  REQUIRE(later.ok());
  CHECK(later->decision == "exploring");
  CHECK(later->arms[1].share > 0.1);
}

TEST_CASE("learn: nothing is decided or shifted before the minimum sample, however large the effect") {
  Experiment e = two_arms(200);
  auto ev = evaluate(e, counts(150, 10, 150, 140));
  REQUIRE(ev.ok());
  CHECK(ev->decision == "warming_up");
  CHECK(ev->winner.empty());
  CHECK(ev->arms[0].share == doctest::Approx(0.5));
  CHECK(decide(e, counts(150, 10, 150, 140)).winner.empty());
}

TEST_CASE("learn: a clearly better variant is declared the winner and takes all traffic") {
  Experiment e = two_arms(100);
  auto ev = evaluate(e, counts(1000, 300, 1000, 450));
  REQUIRE(ev.ok());
  CHECK(ev->decision == "winner");
  CHECK(ev->winner == "empathy_first");
  CHECK(ev->arms[1].share == 1.0);
  CHECK(ev->arms[1].status == ArmStatus::winner);
  REQUIRE(ev->comparisons.size() == 1);
  CHECK(ev->comparisons[0].significant);
  CHECK(ev->comparisons[0].difference.low > 0);
  CHECK(ev->comparisons[0].difference.estimate == doctest::Approx(0.15));
}

TEST_CASE("learn: a variant significantly worse than the control is killed") {
  Experiment e;
  e.id = "exp-3";
  e.variants = {{"control", "", 1}, {"a", "", 1}, {"b", "", 1}};
  e.min_sample = 100;
  auto ev = evaluate(e, {{"control", 1000, 400}, {"a", 1000, 250}, {"b", 300, 120}});
  REQUIRE(ev.ok());
  CHECK(ev->arms[1].status == ArmStatus::killed);
  CHECK(ev->arms[1].share == 0.0);
  CHECK(ev->winner.empty());
  CHECK(ev->reason.find("worse than the control") != std::string::npos);
}

TEST_CASE("learn: similar rates give no winner, and the interval covers the true difference") {
  Experiment e = two_arms(100);
  auto ev = evaluate(e, counts(2000, 600, 2000, 615));
  REQUIRE(ev.ok());
  CHECK(ev->decision == "exploring");
  CHECK(ev->comparisons[0].difference.low < 0.0075);
  CHECK(ev->comparisons[0].difference.high > 0.0075);
  double total = 0;
  for (const auto& a : ev->arms) { total += a.share; CHECK(a.share >= e.floor_share); }
  CHECK(total == doctest::Approx(1.0));
}

TEST_CASE("learn: intervals shrink as results arrive") {
  const Interval small = difference_sequence({"a", 200, 70}, {"b", 200, 60}, 0.05, 0.05);
  const Interval large = difference_sequence({"a", 20000, 7000}, {"b", 20000, 6000}, 0.05, 0.05);
  CHECK(large.high - large.low < (small.high - small.low) / 5);
  const Interval strict = difference_sequence({"a", 200, 70}, {"b", 200, 60}, 0.01, 0.05);
  CHECK(strict.high - strict.low > small.high - small.low);
}

TEST_CASE("learn: A/A peeking after every event rarely declares a winner (a small check; bench/learn has the 1000-run one)") {
  int false_winners = 0;
  for (int run = 0; run < 60; ++run) {
    Experiment e = two_arms(100);
    std::mt19937_64 rng(run);
    std::bernoulli_distribution helpful(0.3);
    auto c = counts(0, 0, 0, 0);
    for (int t = 0; t < 3000; ++t) {
      auto& arm = c[t % 2];
      arm.trials++;
      arm.successes += helpful(rng);
      if (!decide(e, c).winner.empty()) { ++false_winners; break; }
    }
  }
  CHECK(false_winners <= 6);
}

TEST_CASE("learn: Thompson sampling is a function of the seed and the counts") {
  Experiment e = two_arms(100);
  auto a = evaluate(e, counts(500, 150, 500, 170));
  auto b = evaluate(e, counts(500, 150, 500, 170));
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a->arms[1].p_best == b->arms[1].p_best);
  CHECK(a->arms[1].p_best > 0.7);  // 34% vs 30% helpful
  CHECK(a->arms[1].share > a->arms[0].share);
  e.seed = 99;
  auto c = evaluate(e, counts(500, 150, 500, 170));
  REQUIRE(c.ok());
  CHECK(c->arms[1].p_best != a->arms[1].p_best);
}

TEST_CASE("learn: counts for unknown variants or impossible counts are errors") {
  Experiment e = two_arms();
  auto bad = evaluate(e, {{"nope", 10, 1}});
  REQUIRE_FALSE(bad.ok());
  CHECK(testing::has_code(bad.errors(), "learn.unknown_variant"));
  auto worse = evaluate(e, {{"control", 10, 11}});
  REQUIRE_FALSE(worse.ok());
  CHECK(testing::has_code(worse.errors(), "learn.invalid_counts"));
}

TEST_CASE("learn: the power analysis asks more for smaller lifts, stricter alpha and lopsided splits") {
  PlanRequest r;
  const auto base = plan(r).total_sample;
  CHECK(base > 1000);
  PlanRequest small = r;
  small.relative_lift = 0.1;
  CHECK(plan(small).total_sample > 3 * base);
  PlanRequest strict = r;
  strict.alpha = 0.01;
  CHECK(plan(strict).total_sample > base);
  PlanRequest even = r;
  even.best_share = 0.5;
  CHECK(plan(even).total_sample < base);
}

TEST_CASE("learn: experiments from JSON list every problem") {
  auto e = experiment_from_json(json::parse(R"({"id": "x y", "guidance_type": "pep_talk",
    "variants": [{"id": "control"}, {"id": "control", "max_share": 2}], "alpha": 0.9, "winner": "other",
    "typo": 1})"));
  REQUIRE_FALSE(e.ok());
  for (const char* code : {"experiment.invalid_id", "experiment.invalid_guidance_type", "experiment.invalid_variants",
                           "experiment.invalid_max_share", "experiment.invalid_alpha", "experiment.invalid_winner",
                           "experiment.unknown_field"})
    CHECK_MESSAGE(testing::has_code(e.errors(), code), code);
  auto one = experiment_from_json(json::parse(R"({"id": "e", "guidance_type": "coaching_tip", "variants": [{"id": "c"}]})"));
  REQUIRE_FALSE(one.ok());
  CHECK(testing::has_code(one.errors(), "experiment.invalid_variants"));
  auto ok = experiment_from_json(json::parse(R"({"id": "e", "guidance_type": "coaching_tip", "roles": ["team_lead"],
    "variants": [{"id": "c"}, {"id": "d", "max_share": 0.2}], "allocation": [{"variant": "c", "share": 0.8}, {"variant": "d", "share": 0.2}]})"));
  REQUIRE(ok.ok());
  auto again = experiment_from_json(to_json(ok.value()));
  REQUIRE(again.ok());
  CHECK(to_json(again.value()) == to_json(ok.value()));
}

TEST_CASE("learn api: evaluate, assign and plan answer JSON, and typed errors for bad input") {
  const std::string experiment = R"({"id": "exp-9", "guidance_type": "objection_response", "min_sample": 100,
    "variants": [{"id": "control"}, {"id": "story"}]})";
  json ev = parse(api::evaluate_experiment(R"({"experiment": )" + experiment +
                                           R"(, "counts": [{"variant": "control", "trials": 1000, "successes": 300},
                                               {"variant": "story", "trials": 1000, "successes": 420}]})"));
  CHECK(ev["decision"] == "winner");
  CHECK(ev["winner"] == "story");
  CHECK(ev["allocation"][1]["share"] == 1.0);
  CHECK(ev["comparisons"][0]["interval"][0].get<double>() > 0);
  json bad = parse(api::evaluate_experiment(R"({"experiment": )" + experiment +
                                            R"(, "counts": [{"variant": "story", "trials": 5, "successes": 6}]})"));
  CHECK(bad["error"]["code"] == "counts.invalid_successes");
  json unknown = parse(api::evaluate_experiment(R"({"experiment": )" + experiment +
                                                R"(, "counts": [{"variant": "nope", "trials": 5, "successes": 1}]})"));
  CHECK(unknown["error"]["code"] == "learn.unknown_variant");
  json a = parse(api::assign_variant(R"({"experiment": )" + experiment + R"(, "agent_id": "agent-1"})"));
  CHECK(a["applies"] == true);
  CHECK((a["variant"] == "control" || a["variant"] == "story"));
  json other = parse(api::assign_variant(R"({"experiment": )" + experiment +
                                         R"(, "agent_id": "agent-1", "guidance_type": "coaching_tip"})"));
  CHECK(other["applies"] == false);
  CHECK(other["variant"] == "control");
  CHECK(parse(api::assign_variant(R"({"experiment": )" + experiment + "}"))["error"]["code"] == "assign.missing_agent_id");
  json p = parse(api::plan_experiment(R"({"baseline_rate": 0.3, "relative_lift": 0.2})"));
  CHECK(p["total_sample"].get<int>() > 1000);
  CHECK(parse(api::plan_experiment(R"({"baseline_rate": 0.9, "relative_lift": 0.5})"))["error"]["code"] ==
        "plan.invalid_relative_lift");
  CHECK(parse(api::plan_experiment("[]"))["error"]["code"] == "request.not_object");
}
