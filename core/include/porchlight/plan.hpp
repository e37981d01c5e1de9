// porchlight/plan.hpp: a compound request as Messages requests. When router v2 returns a plan (two
// or three specialists: "comps for 12 Oak St and how do I answer her commission pushback"), each
// specialist gets a brief for its part alone (the steps, run in parallel), and the synthesis, the
// turn's own request with the steps' notes in its last system block, writes the answer the agent
// reads. The briefs' wording is policy data (routing.json "plans").
#pragma once

#include <string>
#include <vector>

#include "porchlight/policy.hpp"
#include "porchlight/prompt.hpp"

namespace porchlight {

struct PlanStep {
  Specialist specialist = Specialist::coaching;
  BuiltPrompt prompt;  // its route's tier and model are the step's: the turn's tier
};

// The steps of `route.plan`, from the turn's request (its history, lead and agent): none when the
// plan has fewer than two specialists.
std::vector<PlanStep> plan_steps(const PromptRequest& turn, const RouteDecision& route,
                                 const Policy& policy = Policy::embedded());

// What a step brought back: its notes, or nothing when it failed.
struct StepNotes {
  Specialist specialist = Specialist::coaching;
  std::string text;  // empty: the step failed, and the synthesis says that part must wait
};

// The synthesis request: the turn's request for the plan's first specialist at the turn's tier,
// with every step's notes (or the words for a missing one) after its cached prefix.
BuiltPrompt synthesis_prompt(const PromptRequest& turn, const RouteDecision& route, const std::vector<StepNotes>& notes,
                             const Policy& policy = Policy::embedded());

}  // namespace porchlight
