// learn.cpp: experiments, assignment, the sequential test, Thompson sampling, power analysis.
//
// Sections:
//   [1] experiments as data (JSON)
//   [2] assignment
//   [3] confidence sequences (mSPRT)
//   [4] the decision and the evaluation
//   [5] power analysis

#include "porchlight/learn.hpp"

#include <algorithm>
#include <cmath>

#include "json_reader.hpp"
#include "learn_math.hpp"
#include "porchlight/json_output.hpp"

namespace porchlight::learn {

using porchlight::detail::FieldReader;
using porchlight::detail::in_quotes;
using porchlight::detail::Need;

namespace {

constexpr std::size_t kMaxVariants = 8;
constexpr int kThompsonDraws = 500;

// Shares and intervals are rounded for people and for stable JSON; rounding is exact arithmetic.
// Dividing by the scale (not multiplying by its inverse) lands on the double nearest the decimal.
double round_to(double x, double scale) { return std::round(x * scale) / scale; }

}  // namespace

// ---- [1] experiments as data ---------------------------------------------------------------

Result<Experiment> experiment_from_json(const json& j, std::string_view path) {
  Errors errors;
  FieldReader r(j, "experiment", std::string(path), errors);
  if (!r.valid()) return errors;
  r.reject_unknown({"id", "guidance_type", "roles", "variants", "status", "alpha", "min_sample", "mixture_sd",
                    "floor_share", "seed", "winner", "allocation"});
  Experiment e;
  if (auto v = r.id("id", Need::required)) e.id = *v;
  if (auto v = r.enumeration<GuidanceType>("guidance_type", Need::required)) e.guidance_type = *v;
  e.roles = r.enum_list<AgentRole>("roles", enum_count<AgentRole>());
  if (const json* vs = r.array("variants", Need::required, kMaxVariants)) {
    if (vs->size() < 2)
      r.add("invalid_variants", r.child_path("variants"),
            "needs at least 2 variants (the first is the control), got " + std::to_string(vs->size()));
    for (std::size_t i = 0; i < vs->size(); ++i) {
      const std::string vpath = r.child_path("variants") + "[" + std::to_string(i) + "]";
      FieldReader vr((*vs)[i], "experiment", vpath, errors);  // one family of codes: experiment.*
      if (!vr.valid()) continue;
      vr.reject_unknown({"id", "description", "max_share"});
      Variant v;
      if (auto id = vr.id("id", Need::required)) v.id = *id;
      if (auto d = vr.string("description", Need::optional, 500)) v.description = *d;
      if (auto m = vr.number("max_share", Need::optional, 0.01, 1)) v.max_share = *m;
      for (const auto& other : e.variants)
        if (!v.id.empty() && other.id == v.id)
          r.add("invalid_variants", vpath + ".id", "duplicate variant id " + in_quotes(v.id));
      e.variants.push_back(std::move(v));
    }
  }
  if (auto v = r.enumeration<ExperimentStatus>("status", Need::optional)) e.status = *v;
  if (auto v = r.number("alpha", Need::optional, 0.0001, 0.5)) e.alpha = *v;
  if (auto v = r.integer("min_sample", Need::optional, 10, 1'000'000'000)) e.min_sample = *v;
  if (auto v = r.number("mixture_sd", Need::optional, 0.001, 1)) e.mixture_sd = *v;
  if (auto v = r.number("floor_share", Need::optional, 0, 0.2)) e.floor_share = *v;
  if (auto v = r.integer("seed", Need::optional, 0, 9'007'199'254'740'991)) e.seed = static_cast<std::uint64_t>(*v);
  if (e.floor_share * static_cast<double>(e.variants.size()) >= 1)
    r.add("invalid_floor_share", r.child_path("floor_share"),
          "floor_share times the number of variants must stay below 1");
  auto known = [&](const std::string& id) {
    return std::any_of(e.variants.begin(), e.variants.end(), [&](const Variant& v) { return v.id == id; });
  };
  if (auto w = r.id("winner", Need::optional)) {
    if (!known(*w)) r.add("invalid_winner", r.child_path("winner"), "no variant is called " + in_quotes(*w));
    else e.winner = *w;
  }
  if (const json* al = r.array("allocation", Need::optional, kMaxVariants)) {
    double total = 0;
    for (std::size_t i = 0; i < al->size(); ++i) {
      const std::string apath = r.child_path("allocation") + "[" + std::to_string(i) + "]";
      FieldReader ar((*al)[i], "experiment", apath, errors);
      if (!ar.valid()) continue;
      ar.reject_unknown({"variant", "share"});
      Share s;
      auto id = ar.id("variant", Need::required);
      auto share = ar.number("share", Need::required, 0, 1);
      if (!id || !share) continue;
      if (!known(*id)) { ar.add("invalid_variant", apath + ".variant", "no variant is called " + in_quotes(*id)); continue; }
      s.variant = *id;
      s.share = *share;
      total += s.share;
      e.allocation.push_back(std::move(s));
    }
    if (!al->empty() && !(total > 0.999 && total < 1.001))
      r.add("invalid_allocation", r.child_path("allocation"), "shares must add up to 1");
  }
  if (!errors.empty()) return errors;
  return e;
}

json to_json(const Experiment& e) {
  json roles = json::array();
  for (AgentRole role : e.roles) roles.push_back(name_of(role));
  json variants = json::array();
  for (const auto& v : e.variants)
    variants.push_back({{"id", v.id}, {"description", v.description}, {"max_share", v.max_share}});
  json allocation = json::array();
  for (const auto& s : e.allocation) allocation.push_back({{"variant", s.variant}, {"share", s.share}});
  return {{"id", e.id},
          {"guidance_type", name_of(e.guidance_type)},
          {"roles", roles},
          {"variants", variants},
          {"status", name_of(e.status)},
          {"alpha", e.alpha},
          {"min_sample", e.min_sample},
          {"mixture_sd", e.mixture_sd},
          {"floor_share", e.floor_share},
          {"seed", e.seed},
          {"winner", e.winner},
          {"allocation", allocation}};
}

// ---- [2] assignment ------------------------------------------------------------------------

std::uint64_t stable_hash(std::string_view text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) { h ^= c; h *= 0x100000001b3ULL; }
  return detail::mix64(h);
}

double bucket_point(std::string_view experiment_id, std::string_view agent_id) {
  std::string key;
  key.reserve(experiment_id.size() + agent_id.size() + 1);
  key.append(experiment_id).append(1, '\x1f').append(agent_id);  // a separator no id may hold
  return static_cast<double>(stable_hash(key) >> 11) * 0x1.0p-53;
}

bool applies(const Experiment& e, GuidanceType type, AgentRole role) {
  if (e.guidance_type != type) return false;
  return e.roles.empty() || std::find(e.roles.begin(), e.roles.end(), role) != e.roles.end();
}

namespace {

// Equal shares for the live arms, a new variant held to its cap while it has fewer than
// min_sample results; what a cap holds back goes to the others in proportion (water-filling).
void apply_caps(std::vector<double>& shares, const std::vector<double>& caps) {
  for (std::size_t round = 0; round < shares.size(); ++round) {
    double excess = 0, free_total = 0;
    for (std::size_t i = 0; i < shares.size(); ++i) {
      if (shares[i] > caps[i]) { excess += shares[i] - caps[i]; shares[i] = caps[i]; }
      else if (shares[i] < caps[i]) free_total += shares[i];
    }
    if (excess <= 0 || free_total <= 0) return;
    for (std::size_t i = 0; i < shares.size(); ++i)
      if (shares[i] < caps[i]) shares[i] += excess * shares[i] / free_total;
  }
}

std::vector<double> warm_up_shares(const Experiment& e, const std::vector<ArmCounts>& arms,
                                   const std::vector<bool>& live) {
  std::vector<double> shares(e.variants.size(), 0), caps(e.variants.size(), 1);
  std::size_t n_live = 0;
  for (bool l : live) n_live += l;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (!live[i]) { caps[i] = 0; continue; }
    shares[i] = 1.0 / static_cast<double>(n_live);
    if (arms[i].trials < e.min_sample) caps[i] = e.variants[i].max_share;
  }
  caps[0] = 1;  // the control takes what the caps hold back
  apply_caps(shares, caps);
  return shares;
}

// Rounds to 1e-4 and gives the rounding's remainder to the largest share, so the total is 1.
std::vector<double> tidy(std::vector<double> shares) {
  double total = 0;
  std::size_t largest = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    shares[i] = round_to(shares[i], 1e4);
    total += shares[i];
    if (shares[i] > shares[largest]) largest = i;
  }
  shares[largest] = round_to(shares[largest] + (1 - total), 1e4);
  return shares;
}

std::vector<ArmCounts> aligned(const Experiment& e, const std::vector<ArmCounts>& counts) {
  std::vector<ArmCounts> arms(e.variants.size());
  for (std::size_t i = 0; i < arms.size(); ++i) {
    arms[i].variant = e.variants[i].id;
    for (const auto& c : counts)
      if (c.variant == arms[i].variant) { arms[i].trials = c.trials; arms[i].successes = c.successes; }
  }
  return arms;
}

}  // namespace

std::string assign(const Experiment& e, std::string_view agent_id) {
  if (e.variants.empty()) return "control";
  // A pause serves the control; a declared winner serves everyone, also once the experiment is
  // stopped (its result adopted); a stop without a winner goes back to the control.
  if (e.status == ExperimentStatus::paused) return e.variants[0].id;
  if (!e.winner.empty()) return e.winner;
  if (e.status != ExperimentStatus::running) return e.variants[0].id;
  std::vector<double> shares(e.variants.size(), 0);
  if (e.allocation.empty()) {
    shares = tidy(warm_up_shares(e, aligned(e, {}), std::vector<bool>(e.variants.size(), true)));
  } else {
    for (std::size_t i = 0; i < e.variants.size(); ++i)
      for (const auto& s : e.allocation)
        if (s.variant == e.variants[i].id) shares[i] = s.share;
  }
  const double point = bucket_point(e.id, agent_id);
  double edge = 0;
  std::size_t last = 0;
  for (std::size_t i = 0; i < shares.size(); ++i) {
    if (shares[i] <= 0) continue;
    last = i;
    edge += shares[i];
    if (point < edge) return e.variants[i].id;
  }
  return e.variants[last].id;  // rounding left the top sliver: the last arm with traffic
}

// ---- [3] confidence sequences --------------------------------------------------------------

namespace {

// The mSPRT with a normal mixture N(0, tau^2) over the effect, for an estimate whose variance is
// v: Lambda = sqrt(v / (v + tau^2)) * exp(d^2 tau^2 / (2 v (v + tau^2))). Ville's inequality gives
// P(sup Lambda >= 1/alpha) <= alpha under the null, at every sample size at once; inverting
// Lambda < 1/alpha around the estimate gives this radius.
double radius(double v, double alpha, double tau) {
  const double t2 = tau * tau;
  const double log_term = 0.5 * detail::log((v + t2) / v) - detail::log(alpha);
  return std::sqrt(2 * v * (v + t2) / t2 * log_term);
}

// Variance uses a rate pulled half a success toward 1/2, so 0 of 30 still has some spread.
// A difference pools both arms' results into one rate: under "no difference" they share it, and an
// arm's own estimate would tie its variance to its luck (a small arm that happens to look bad would
// look precise too): with Thompson sampling's lopsided splits and rates near 0 that pushed A/A false
// winners over alpha in bench/learn; pooled, they stay under it.
double bernoulli_variance(const ArmCounts& a) {
  const double p = (static_cast<double>(a.successes) + 0.5) / (static_cast<double>(a.trials) + 1);
  return p * (1 - p) / static_cast<double>(a.trials);
}

double rate(const ArmCounts& a) {
  return a.trials > 0 ? static_cast<double>(a.successes) / static_cast<double>(a.trials) : 0;
}

}  // namespace

Interval difference_sequence(const ArmCounts& a, const ArmCounts& b, double alpha, double mixture_sd) {
  if (a.trials <= 0 || b.trials <= 0) return {0, -1, 1};
  const double d = rate(a) - rate(b);
  const ArmCounts both{"", a.trials + b.trials, a.successes + b.successes};
  const double pooled = bernoulli_variance(both) * static_cast<double>(both.trials);  // p(1 - p) of the pair
  const double v = pooled / static_cast<double>(a.trials) + pooled / static_cast<double>(b.trials);
  const double r = radius(v, alpha, mixture_sd);
  return {d, std::max(-1.0, d - r), std::min(1.0, d + r)};
}

Interval rate_sequence(const ArmCounts& a, double alpha, double mixture_sd) {
  if (a.trials <= 0) return {0, 0, 1};
  const double p = rate(a);
  const double r = radius(bernoulli_variance(a), alpha, mixture_sd);
  return {p, std::max(0.0, p - r), std::min(1.0, p + r)};
}

// ---- [4] the decision and the evaluation ---------------------------------------------------

namespace {

double comparison_alpha(const Experiment& e) {
  // Bonferroni over the comparisons a wrong winner needs: the best arm against each other one.
  return e.alpha / static_cast<double>(std::max<std::size_t>(1, e.variants.size() - 1));
}

Decision decide_aligned(const Experiment& e, const std::vector<ArmCounts>& arms, std::vector<bool>& live) {
  Decision d;
  const double a = comparison_alpha(e);
  live.assign(arms.size(), true);
  if (!e.winner.empty()) { d.winner = e.winner; d.warming_up = false; }
  for (std::size_t i = 1; i < arms.size(); ++i) {
    if (arms[i].trials < e.min_sample || arms[0].trials < e.min_sample) continue;
    if (difference_sequence(arms[i], arms[0], a, e.mixture_sd).high < 0) {
      live[i] = false;
      d.killed.push_back(arms[i].variant);
    }
  }
  if (!d.winner.empty()) return d;
  d.warming_up = false;
  for (std::size_t i = 0; i < arms.size(); ++i)
    if (live[i] && arms[i].trials < e.min_sample) d.warming_up = true;
  if (d.warming_up) return d;
  for (std::size_t w = 0; w < arms.size() && d.winner.empty(); ++w) {
    if (!live[w]) continue;
    bool beats_all = true;
    for (std::size_t j = 0; j < arms.size() && beats_all; ++j)
      if (j != w && live[j]) beats_all = difference_sequence(arms[w], arms[j], a, e.mixture_sd).low > 0;
    if (beats_all) d.winner = arms[w].variant;  // also the control alone, once every challenger is killed
  }
  return d;
}

// Thompson sampling: each variant's chance of being the best under Beta(successes + 1, failures + 1)
// posteriors, estimated from draws seeded by the experiment's seed and its counts.
std::vector<double> p_best(const Experiment& e, const std::vector<ArmCounts>& arms, const std::vector<bool>& live) {
  std::uint64_t seed = detail::mix64(e.seed ^ stable_hash(e.id));
  for (const auto& a : arms) {
    seed = detail::mix64(seed ^ static_cast<std::uint64_t>(a.trials));
    seed = detail::mix64(seed ^ static_cast<std::uint64_t>(a.successes));
  }
  detail::Rng rng(seed);
  std::vector<double> wins(arms.size(), 0);
  for (int k = 0; k < kThompsonDraws; ++k) {
    std::size_t best = arms.size();
    double best_draw = -1;
    for (std::size_t i = 0; i < arms.size(); ++i) {
      if (!live[i]) continue;
      const double s = static_cast<double>(arms[i].successes);
      const double f = static_cast<double>(arms[i].trials - arms[i].successes);
      const double draw = rng.beta(s + 1, f + 1);
      if (draw > best_draw) { best_draw = draw; best = i; }
    }
    if (best < arms.size()) wins[best] += 1;
  }
  for (double& w : wins) w /= kThompsonDraws;
  return wins;
}

}  // namespace

Decision decide(const Experiment& e, const std::vector<ArmCounts>& counts) {
  std::vector<bool> live;
  return decide_aligned(e, aligned(e, counts), live);
}

Result<Evaluation> evaluate(const Experiment& e, const std::vector<ArmCounts>& counts) {
  Errors errors;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const std::string path = "counts[" + std::to_string(i) + "]";
    const auto& c = counts[i];
    if (std::none_of(e.variants.begin(), e.variants.end(), [&](const Variant& v) { return v.id == c.variant; }))
      errors.push_back({"learn.unknown_variant", path + ".variant: experiment " + in_quotes(e.id) +
                        " has no variant " + in_quotes(c.variant), path + ".variant"});
    if (c.trials < 0 || c.successes < 0 || c.successes > c.trials)
      errors.push_back({"learn.invalid_counts", path + ": successes must be between 0 and trials", path});
    for (std::size_t k = 0; k < i; ++k)
      if (counts[k].variant == c.variant)
        errors.push_back({"learn.duplicate_variant", path + ".variant: " + in_quotes(c.variant) +
                          " is counted twice", path + ".variant"});
  }
  if (e.variants.size() < 2) errors.push_back({"learn.invalid_experiment", "an experiment needs 2 variants", ""});
  if (!errors.empty()) return errors;

  const std::vector<ArmCounts> arms = aligned(e, counts);
  std::vector<bool> live;
  const Decision d = decide_aligned(e, arms, live);
  const double a = comparison_alpha(e);
  Evaluation ev;
  ev.experiment_id = e.id;
  ev.status = e.status;
  ev.comparison_alpha = a;
  ev.winner = d.winner;
  const std::vector<double> pb = p_best(e, arms, live);
  std::vector<double> shares(arms.size(), 0);
  const std::size_t winner_index = static_cast<std::size_t>(
      std::find_if(arms.begin(), arms.end(), [&](const ArmCounts& c) { return c.variant == d.winner; }) - arms.begin());
  if (e.status != ExperimentStatus::running) {
    shares[0] = 1;
    ev.decision = std::string(name_of(e.status));
    ev.reason = e.status == ExperimentStatus::paused
                    ? "paused: everyone gets the control until the experiment resumes"
                    : "stopped: everyone gets the control";
  } else if (!d.winner.empty()) {
    shares[winner_index] = 1;
    ev.decision = "winner";
    ev.reason = in_quotes(d.winner) + " is better than every other live variant (its confidence sequence against each, at alpha " +
                to_json_text(json(a)) + ", lies above zero); everyone gets it now";
  } else if (d.warming_up) {
    shares = warm_up_shares(e, arms, live);
    ev.decision = "warming_up";
    for (std::size_t i = 0; i < arms.size(); ++i)
      if (live[i] && arms[i].trials < e.min_sample) {
        ev.reason = "collecting the minimum sample before traffic moves: " + in_quotes(arms[i].variant) + " has " +
                    std::to_string(arms[i].trials) + " of " + std::to_string(e.min_sample) + " results";
        break;
      }
  } else {
    std::size_t n_live = 0;
    for (bool l : live) n_live += l;
    const double spread = 1 - e.floor_share * static_cast<double>(n_live);
    for (std::size_t i = 0; i < arms.size(); ++i)
      if (live[i]) shares[i] = e.floor_share + spread * pb[i];
    ev.decision = "exploring";
    ev.reason = "no variant is significantly better yet; traffic follows each variant's chance of being the best";
  }
  shares = tidy(shares);
  for (std::size_t i = 0; i < arms.size(); ++i) {
    ArmResult r;
    r.variant = arms[i].variant;
    r.trials = arms[i].trials;
    r.successes = arms[i].successes;
    r.rate = rate_sequence(arms[i], e.alpha, e.mixture_sd);
    r.p_best = round_to(pb[i], 1e4);
    r.share = shares[i];
    if (!d.winner.empty()) r.status = i == winner_index ? ArmStatus::winner : ArmStatus::retired;
    else if (!live[i]) r.status = ArmStatus::killed;
    else r.status = arms[i].trials < e.min_sample ? ArmStatus::warming_up : ArmStatus::active;
    ev.total_trials += arms[i].trials;
    ev.arms.push_back(std::move(r));
  }
  for (std::size_t i = 1; i < arms.size(); ++i) {
    Comparison c;
    c.variant = arms[i].variant;
    c.against = arms[0].variant;
    c.difference = difference_sequence(arms[i], arms[0], a, e.mixture_sd);
    c.significant = c.difference.low > 0 || c.difference.high < 0;
    ev.comparisons.push_back(std::move(c));
  }
  if (!d.killed.empty() && d.winner.empty() && ev.decision != "warming_up") {
    ev.reason += "; stopped for doing worse than the control:";
    for (const auto& k : d.killed) ev.reason += " " + in_quotes(k);
  }
  return ev;
}

std::vector<Share> shares_of(const Evaluation& ev) {
  std::vector<Share> out;
  for (const auto& a : ev.arms) out.push_back({a.variant, a.share});
  return out;
}

json to_json(const Evaluation& ev) {
  auto interval = [](const Interval& i) {
    return json::array({round_to(i.low, 1e6), round_to(i.high, 1e6)});
  };
  json arms = json::array(), allocation = json::array(), comparisons = json::array();
  for (const auto& a : ev.arms) {
    arms.push_back({{"variant", a.variant}, {"trials", a.trials}, {"successes", a.successes},
                    {"rate", round_to(a.rate.estimate, 1e6)}, {"interval", interval(a.rate)},
                    {"status", name_of(a.status)}, {"p_best", a.p_best}, {"share", a.share}});
    allocation.push_back({{"variant", a.variant}, {"share", a.share}});
  }
  for (const auto& c : ev.comparisons)
    comparisons.push_back({{"variant", c.variant}, {"against", c.against},
                           {"difference", round_to(c.difference.estimate, 1e6)},
                           {"interval", interval(c.difference)}, {"significant", c.significant}});
  return {{"experiment_id", ev.experiment_id}, {"status", name_of(ev.status)}, {"decision", ev.decision},
          {"winner", ev.winner}, {"reason", ev.reason}, {"comparison_alpha", ev.comparison_alpha},
          {"total_trials", ev.total_trials}, {"arms", arms}, {"comparisons", comparisons},
          {"allocation", allocation}};
}

// ---- [5] power analysis --------------------------------------------------------------------

Plan plan(const PlanRequest& r) {
  const double p0 = r.baseline_rate, p1 = std::min(1.0, r.baseline_rate * (1 + r.relative_lift));
  const double diff = p1 - p0;
  const double z = detail::normal_quantile(r.power);
  const double s = std::clamp(r.best_share, 0.01, 0.99);
  // The test's variance pools the two rates (difference_sequence); the estimate's spread is the
  // two arms' own.
  const double pooled = s * p1 + (1 - s) * p0;
  auto enough = [&](double n) {
    const double v_test = pooled * (1 - pooled) * (1 / (n * (1 - s)) + 1 / (n * s));
    const double v_true = p0 * (1 - p0) / (n * (1 - s)) + p1 * (1 - p1) / (n * s);
    return diff - radius(v_test, r.alpha, r.mixture_sd) - z * std::sqrt(v_true) >= 0;
  };
  Plan out;
  out.difference = diff;
  if (!(diff > 0)) return out;
  double hi = 16;
  while (!enough(hi) && hi < 1e10) hi *= 2;
  if (!enough(hi)) return out;
  double lo = hi / 2;
  while (hi - lo > 1) {
    const double mid = std::floor((lo + hi) / 2);
    (enough(mid) ? hi : lo) = mid;
  }
  out.total_sample = static_cast<std::int64_t>(hi);
  out.per_variant_low = static_cast<std::int64_t>(std::ceil(hi * std::min(s, 1 - s)));
  return out;
}

}  // namespace porchlight::learn
