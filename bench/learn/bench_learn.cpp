// porchlight-bench-learn: the learning loop against a simulation whose truth is known.
//
// Synthetic agents ask for guidance one event at a time; each event's agent is assigned a variant
// by learn::assign under the published split, and the guidance is rated helpful with the variant's
// true rate. The split is re-published (learn::evaluate: Thompson sampling) every `batch` events, as
// the proxy publishes policy versions; the test (learn::decide) is checked after every event.
//
//   learn.correct_winner_rate        A/B (+20% relative), the challenger (v1) declared within plan()'s sample
//   learn.false_winner_rate          A/A, any winner (or kill) declared within twice that sample
//   learn.best_variant_traffic_share the better variant's share of the split in force when the test stops
//   learn.regret                     helpful answers lost against always serving the better variant, per 1000 events
//   learn.three_variant_*            one variant 20% better and one 20% worse than the control: the
//                                    better one declared, the worse one out of traffic (killed or retired)
//
// Usage: porchlight-bench-learn [runs]   (default 1000 of each; the targets need >= 1000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "porchlight/learn.hpp"

namespace learn = porchlight::learn;

namespace {

constexpr double kBaseline = 0.30;  // a plausible helpful rate for coaching guidance
constexpr double kLift = 0.20;
constexpr int kBatch = 250;         // events between published splits

// Variants "control", "v1", "v2", ... with the true helpful rates `p`.
learn::Experiment experiment(std::uint64_t seed, std::size_t arms) {
  learn::Experiment e;
  e.id = "bench-" + std::to_string(seed);
  e.guidance_type = porchlight::GuidanceType::objection_response;
  for (std::size_t i = 0; i < arms; ++i) e.variants.push_back({i == 0 ? "control" : "v" + std::to_string(i), "", 1.0});
  e.alpha = 0.05;
  e.min_sample = 200;
  e.mixture_sd = 0.05;
  e.floor_share = 0.1;
  e.seed = seed;
  return e;
}

struct Run {
  std::string winner;
  std::vector<std::string> killed;
  std::int64_t events = 0;
  double best_share_at_stop = 0;  // in the split in force when the test stopped (or at the horizon)
  std::int64_t best_served = 0;
  double regret = 0;
};

Run simulate(std::uint64_t seed, const std::vector<double>& p, std::int64_t horizon) {
  learn::Experiment e = experiment(seed, p.size());
  std::mt19937_64 rng(seed * 7919 + 17);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<learn::ArmCounts> counts;
  for (const auto& v : e.variants) counts.push_back({v.id, 0, 0});
  std::size_t best = 0;
  for (std::size_t i = 1; i < p.size(); ++i)
    if (p[i] > p[best]) best = i;
  Run run;
  for (std::int64_t t = 0; t < horizon; ++t) {
    if (t % kBatch == 0) e.allocation = learn::shares_of(learn::evaluate(e, counts).value());
    const std::string agent = "agent-" + std::to_string(seed) + "-" + std::to_string(t);
    const std::string variant = learn::assign(e, agent);
    std::size_t arm = 0;
    while (e.variants[arm].id != variant) ++arm;
    counts[arm].trials++;
    if (u(rng) < p[arm]) counts[arm].successes++;
    run.best_served += arm == best;
    run.regret += p[best] - p[arm];
    run.events = t + 1;
    const learn::Decision d = learn::decide(e, counts);
    run.killed = d.killed;
    if (!d.winner.empty()) { run.winner = d.winner; break; }
  }
  for (const auto& s : e.allocation)
    if (s.variant == e.variants[best].id) run.best_share_at_stop = s.share;
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 1000;
  const auto start = std::chrono::steady_clock::now();
  learn::PlanRequest pr;
  pr.baseline_rate = kBaseline;
  pr.relative_lift = kLift;
  pr.alpha = 0.05;
  pr.power = 0.95;
  pr.mixture_sd = 0.05;
  // Thompson sampling gives the better variant about 1 - 1.5 * floor_share of the split by the
  // time the test decides (the floor keeps the other variant's results coming): plan for that.
  pr.best_share = 0.85;
  const learn::Plan plan = learn::plan(pr);
  const double p1 = kBaseline * (1 + kLift);

  int correct = 0, wrong = 0;
  double share_at_stop = 0, served = 0, regret = 0, events = 0;
  for (int i = 0; i < runs; ++i) {
    const Run r = simulate(1000 + i, {kBaseline, p1}, plan.total_sample);
    correct += r.winner == "v1";
    wrong += r.winner == "control";
    share_at_stop += r.best_share_at_stop;
    served += static_cast<double>(r.best_served) / static_cast<double>(r.events);
    regret += r.regret / static_cast<double>(r.events) * 1000;
    events += static_cast<double>(r.events);
  }
  int false_winners = 0;
  for (int i = 0; i < runs; ++i)
    false_winners += !simulate(500000 + i, {kBaseline, kBaseline}, 2 * plan.total_sample).winner.empty();

  // Three variants: one 20% better, one 20% worse. Bonferroni halves each comparison's alpha, so
  // the plan is made at alpha / 2; the worse one should be stopped (killed) on the way.
  learn::PlanRequest pr3 = pr;
  pr3.alpha = pr.alpha / 2;
  pr3.best_share = 0.85;
  const learn::Plan plan3 = learn::plan(pr3);
  // The worse variant keeps its floor (a tenth of the traffic) until it is stopped: the pair the
  // plan counts gets the rest.
  const std::int64_t horizon3 = static_cast<std::int64_t>(static_cast<double>(plan3.total_sample) / 0.9);
  const int runs3 = runs / 4;
  int correct3 = 0, killed3 = 0;
  for (int i = 0; i < runs3; ++i) {
    const Run r = simulate(900000 + i, {kBaseline, p1, kBaseline * (1 - kLift)}, horizon3);
    correct3 += r.winner == "v1";
    killed3 += r.winner == "v1" || (!r.killed.empty() && r.killed[0] == "v2");
  }

  const double even_regret = (p1 - kBaseline) / 2 * 1000;
  std::printf("# %d A/B runs (%.2f vs %.2f, horizon %lld events from plan(): power 0.95, alpha 0.05), %d A/A runs "
              "(horizon %lld), split re-published every %d events\n",
              runs, kBaseline, p1, static_cast<long long>(plan.total_sample), runs,
              static_cast<long long>(2 * plan.total_sample), kBatch);
  std::printf("BENCH learn.planned_sample=%lld events\n", static_cast<long long>(plan.total_sample));
  std::printf("BENCH learn.correct_winner_rate=%.4f ratio\n", static_cast<double>(correct) / runs);
  std::printf("BENCH learn.wrong_winner_rate=%.4f ratio\n", static_cast<double>(wrong) / runs);
  std::printf("BENCH learn.mean_events_to_decision=%.0f events\n", events / runs);
  std::printf("BENCH learn.false_winner_rate=%.4f ratio\n", static_cast<double>(false_winners) / runs);
  std::printf("BENCH learn.best_variant_traffic_share=%.4f ratio\n", share_at_stop / runs);
  std::printf("BENCH learn.best_variant_cumulative_share=%.4f ratio\n", served / runs);
  std::printf("BENCH learn.regret=%.2f helpful_per_1000_events\n", regret / runs);
  std::printf("BENCH learn.regret_even_split=%.2f helpful_per_1000_events\n", even_regret);
  std::printf("BENCH learn.three_variant_planned_sample=%lld events\n", static_cast<long long>(horizon3));
  std::printf("BENCH learn.three_variant_correct_winner_rate=%.4f ratio\n", static_cast<double>(correct3) / runs3);
  std::printf("BENCH learn.three_variant_worse_stopped_rate=%.4f ratio\n", static_cast<double>(killed3) / runs3);
  std::printf("BENCH learn.bench_seconds=%.1f s\n",
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}
