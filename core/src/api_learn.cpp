// api_learn.cpp: the learning entry points of porchlight/api.hpp (JSON text in and out):
// assignVariant, evaluateExperiment and planExperiment. The envelope is api_support.hpp's; the
// statistics are learn.cpp's.

#include "api_support.hpp"
#include "porchlight/api.hpp"
#include "porchlight/learn.hpp"

namespace porchlight::api {

namespace {

using detail::child;
using detail::FieldReader;
using detail::handle;
using detail::Need;

std::optional<learn::Experiment> read_experiment(FieldReader& r, Errors& errors) {
  return child<learn::Experiment>(r, "experiment", Need::required, errors, [](const json& j, const std::string& path) {
    return learn::experiment_from_json(j, path);
  });
}

std::vector<learn::ArmCounts> read_counts(FieldReader& r, Errors& errors) {
  std::vector<learn::ArmCounts> out;
  const json* arr = r.array("counts", Need::optional, 8);
  if (!arr) return out;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    FieldReader cr((*arr)[i], "counts", r.child_path("counts") + "[" + std::to_string(i) + "]", errors);
    if (!cr.valid()) continue;
    cr.reject_unknown({"variant", "trials", "successes"});
    learn::ArmCounts c;
    if (auto v = cr.id("variant", Need::required)) c.variant = *v;
    if (auto v = cr.integer("trials", Need::required, 0, 1'000'000'000'000)) c.trials = *v;
    if (auto v = cr.integer("successes", Need::required, 0, 1'000'000'000'000)) c.successes = *v;
    if (c.successes > c.trials)
      cr.add("invalid_successes", cr.child_path("successes"),
             "is " + std::to_string(c.successes) + ", more than the " + std::to_string(c.trials) + " trials");
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace

std::string assign_variant(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "assign", "", errors);
    r.reject_unknown({"experiment", "agent_id", "role", "guidance_type"});
    auto e = read_experiment(r, errors);
    auto agent = r.id("agent_id", Need::required);
    auto role = r.enumeration<AgentRole>("role", Need::optional);
    auto type = r.enumeration<GuidanceType>("guidance_type", Need::optional);
    if (!errors.empty()) return nullptr;
    // Without a role or guidance type the caller asks about the experiment itself.
    const bool applies = learn::applies(*e, type.value_or(e->guidance_type),
                                        role.value_or(e->roles.empty() ? AgentRole::buyer_agent : e->roles.front()));
    return json{{"experiment_id", e->id},
                {"applies", applies},
                {"variant", applies ? learn::assign(*e, *agent) : e->variants.front().id},
                {"bucket", learn::bucket_point(e->id, *agent)}};
  });
}

std::string evaluate_experiment(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "evaluate", "", errors);
    r.reject_unknown({"experiment", "counts"});
    auto e = read_experiment(r, errors);
    auto counts = read_counts(r, errors);
    if (!errors.empty()) return nullptr;
    auto ev = learn::evaluate(*e, counts);
    if (!ev) { errors = ev.errors(); return nullptr; }
    return learn::to_json(ev.value());
  });
}

std::string plan_experiment(std::string_view request) {
  return handle(request, [](const json& j, Errors& errors) -> json {
    FieldReader r(j, "plan", "", errors);
    r.reject_unknown({"baseline_rate", "relative_lift", "alpha", "power", "mixture_sd", "best_share"});
    learn::PlanRequest p;
    if (auto v = r.number("baseline_rate", Need::required, 0.001, 0.999)) p.baseline_rate = *v;
    if (auto v = r.number("relative_lift", Need::required, 0.001, 10)) p.relative_lift = *v;
    if (auto v = r.number("alpha", Need::optional, 0.0001, 0.5)) p.alpha = *v;
    if (auto v = r.number("power", Need::optional, 0.5, 0.999)) p.power = *v;
    if (auto v = r.number("mixture_sd", Need::optional, 0.001, 1)) p.mixture_sd = *v;
    if (auto v = r.number("best_share", Need::optional, 0.05, 0.95)) p.best_share = *v;
    if (!errors.empty()) return nullptr;
    if (p.baseline_rate * (1 + p.relative_lift) >= 1) {
      r.add("invalid_relative_lift", "relative_lift", "the lifted rate must stay below 1");
      return nullptr;
    }
    const learn::Plan plan = learn::plan(p);
    return json{{"total_sample", plan.total_sample},
                {"per_variant_low", plan.per_variant_low},
                {"difference", plan.difference},
                {"alpha", p.alpha},
                {"power", p.power}};
  });
}

}  // namespace porchlight::api
