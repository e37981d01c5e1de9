// porchlight/learn.hpp: experiments on coaching approaches, and the decisions made from their
// results: which variant an agent gets, how traffic moves, when a variant wins or is stopped.
//
// Everything here is a pure function of its inputs (the experiment, its counts, a seed) computed
// with arithmetic that is the same natively and in WebAssembly (no libm: see learn_math.hpp), so
// the browser's core and the proxy's core pick the same variant and reach the same decision.
// The method and its error guarantee: docs/learning.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "porchlight/model.hpp"

namespace porchlight {
namespace learn {
enum class ExperimentStatus { running, paused, stopped };
enum class ArmStatus { warming_up, active, killed, winner, retired };
}  // namespace learn
template <> struct EnumNames<learn::ExperimentStatus> {
  static constexpr std::string_view kind = "experiment_status";
  static constexpr auto names = std::to_array<std::string_view>({"running", "paused", "stopped"});
};
template <> struct EnumNames<learn::ArmStatus> {
  static constexpr std::string_view kind = "arm_status";
  static constexpr auto names =
      std::to_array<std::string_view>({"warming_up", "active", "killed", "winner", "retired"});
};
}  // namespace porchlight

namespace porchlight::learn {

// ---- Experiments as data -------------------------------------------------------------------------

struct Variant {
  std::string id;           // "control", "empathy_first", "playbook_v2", "tier_fast"
  std::string description;  // what the variant changes (a prompt approach, a playbook version, a tier)
  double max_share = 1.0;   // exposure cap while the variant has fewer than min_sample results
};

struct Share {
  std::string variant;
  double share = 0;
};

struct Experiment {
  std::string id;
  GuidanceType guidance_type = GuidanceType::coaching_tip;
  std::vector<AgentRole> roles;  // empty: every role
  std::vector<Variant> variants;  // 2..8; the first is the control (the fallback, never killed)
  ExperimentStatus status = ExperimentStatus::running;
  double alpha = 0.05;         // the error rate: P(a wrong winner) <= alpha, P(a wrong kill) <= alpha
  std::int64_t min_sample = 200;  // results per variant before traffic shifts or anything is decided
  double mixture_sd = 0.05;    // the mSPRT's prior on the difference of rates: the effect you hope for
  double floor_share = 0.1;    // Thompson sampling never starves a live variant below this (the test needs its results)
  std::uint64_t seed = 1;      // Thompson sampling's draws are a function of this and the counts
  std::string winner;          // set once the test has declared one (kept when re-evaluated)
  std::vector<Share> allocation;  // the published split (from evaluate); empty: the warm-up split
};

// Results so far: trials (guidance shown and rated) and successes (rated helpful).
struct ArmCounts {
  std::string variant;
  std::int64_t trials = 0;
  std::int64_t successes = 0;
};

Result<Experiment> experiment_from_json(const json& j, std::string_view path = "experiment");
json to_json(const Experiment& e);

// ---- Assignment ------------------------------------------------------------------------------

// A stable 64-bit hash (FNV-1a, then splitmix64's finalizer): the same on every platform.
std::uint64_t stable_hash(std::string_view text);

// Whether the experiment runs for this guidance type and role.
bool applies(const Experiment& e, GuidanceType type, AgentRole role);

// The agent's variant under the experiment's allocation. The agent's point in [0, 1) is fixed by
// hash(experiment id, agent id), so an agent moves only when the split's boundaries move past it.
// A declared winner takes everyone; a paused or stopped experiment gives the control.
std::string assign(const Experiment& e, std::string_view agent_id);
double bucket_point(std::string_view experiment_id, std::string_view agent_id);

// ---- The sequential test ----------------------------------------------------------------------

// A confidence sequence for p_a - p_b: valid at every moment it is looked at (mSPRT, normal mixture
// with sd mixture_sd over the difference, Ville's inequality), so checking after every event is fine.
struct Interval {
  double estimate = 0;
  double low = 0;
  double high = 0;
};
Interval difference_sequence(const ArmCounts& a, const ArmCounts& b, double alpha, double mixture_sd);
// The same for one arm's rate (for display).
Interval rate_sequence(const ArmCounts& a, double alpha, double mixture_sd);

// ---- The decision: the test alone ---------------------------------------------------------------

struct Decision {
  std::string winner;                // empty until declared
  std::vector<std::string> killed;   // challengers significantly worse than the control
  bool warming_up = true;            // some live variant has fewer than min_sample results
};
// Cheap (no draws): what evaluate decides, for checking after every event. Counts are looked up
// by variant id; absent ones are zero.
Decision decide(const Experiment& e, const std::vector<ArmCounts>& counts);

// ---- Evaluation: the decision, intervals and the next allocation -------------------------------

struct ArmResult {
  std::string variant;
  std::int64_t trials = 0;
  std::int64_t successes = 0;
  Interval rate;
  ArmStatus status = ArmStatus::warming_up;
  double p_best = 0;  // Thompson sampling's estimate that this variant is the best
  double share = 0;   // its share of traffic from now on
};

struct Comparison {
  std::string variant;
  std::string against;  // the control
  Interval difference;  // variant - control, at the per-comparison alpha
  bool significant = false;
};

struct Evaluation {
  std::string experiment_id;
  ExperimentStatus status = ExperimentStatus::running;
  std::vector<ArmResult> arms;
  std::vector<Comparison> comparisons;
  std::string winner;    // empty until the test declares one
  std::string decision;  // "warming_up", "exploring", "winner", "paused", "stopped"
  std::string reason;    // one sentence for a person
  double comparison_alpha = 0;
  std::int64_t total_trials = 0;
};

// Counts for variants the experiment does not have are reported as errors
// (learn.unknown_variant); missing ones count as zero.
Result<Evaluation> evaluate(const Experiment& e, const std::vector<ArmCounts>& counts);
json to_json(const Evaluation& ev);
std::vector<Share> shares_of(const Evaluation& ev);

// ---- Power analysis ---------------------------------------------------------------------------

struct PlanRequest {
  double baseline_rate = 0.3;   // the control's helpful rate
  double relative_lift = 0.2;   // the challenger's rate is baseline * (1 + lift)
  double alpha = 0.05;
  double power = 0.95;
  double mixture_sd = 0.05;
  double best_share = 0.85;     // the better variant's expected share: about 1 - 1.5 * floor_share under Thompson sampling
};
struct Plan {
  std::int64_t total_sample = 0;  // results (both variants) by which the test declares with `power`
  std::int64_t per_variant_low = 0;  // of them, the less-served variant's
  double difference = 0;
};
// The smallest total sample at which the confidence sequence's radius, plus the one-sided
// z(power) spread, fits inside the true difference: by then the test has stopped with at least
// `power` probability (crossing earlier only helps).
Plan plan(const PlanRequest& r);

}  // namespace porchlight::learn
