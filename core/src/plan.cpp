// plan.cpp: a compound request's step and synthesis requests (porchlight/plan.hpp).

#include "porchlight/plan.hpp"

#include "policy_data.hpp"

namespace porchlight {

namespace {

// "objection_handling" -> "objection handling": how the briefs name an area.
std::string area_of(Specialist s) {
  std::string out(name_of(s));
  for (char& c : out)
    if (c == '_') c = ' ';
  return out;
}

std::string with_area(std::string text, const std::string& area, const std::string& others = {}) {
  for (const auto& [key, value] : {std::pair<std::string_view, const std::string&>{"{area}", area}, {"{others}", others}})
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size()))
      text.replace(at, key.size(), value);
  return text;
}

}  // namespace

std::vector<PlanStep> plan_steps(const PromptRequest& turn, const RouteDecision& route, const Policy& policy) {
  std::vector<PlanStep> steps;
  if (route.plan.size() < 2) return steps;
  const auto& texts = policy.data().plans;
  for (std::size_t i = 0; i < route.plan.size(); ++i) {
    std::string others;
    for (std::size_t k = 0; k < route.plan.size(); ++k) {
      if (k == i) continue;
      if (!others.empty()) others += " and ";
      others += area_of(route.plan[k]);
    }
    PromptRequest step = turn;
    step.specialist = route.plan[i];
    step.tier = route.tier;
    step.previous_specialist.reset();
    step.max_output_tokens = texts.step_max_tokens;
    step.instructions = with_area(texts.step, area_of(route.plan[i]), others);
    steps.push_back({route.plan[i], build_prompt(step, policy)});
  }
  return steps;
}

BuiltPrompt synthesis_prompt(const PromptRequest& turn, const RouteDecision& route, const std::vector<StepNotes>& notes,
                             const Policy& policy) {
  const auto& texts = policy.data().plans;
  PromptRequest synthesis = turn;
  synthesis.specialist = route.specialist;
  synthesis.tier = route.tier;
  synthesis.instructions = texts.synthesis;
  for (const auto& n : notes) {
    const std::string area = area_of(n.specialist);
    synthesis.instructions += "\n\n## Notes on " + area + "\n\n";
    synthesis.instructions += n.text.empty() ? with_area(texts.missing, area) : n.text;
  }
  return build_prompt(synthesis, policy);
}

}  // namespace porchlight
