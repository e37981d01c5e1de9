// handlers/coach_steps.hpp: a compound request's steps (porchlight/plan.hpp), run in parallel
// before the synthesis streams the answer. Each step is a call like any other: admitted against
// the budgets and limits, streamed from Claude, settled and recorded in the usage ledger (kind
// "coach_step"), and shown to the client as `step` events: "running", then "done", "failed",
// "skipped" (not admitted) or "cancelled". A client that hangs up stops every step at its next
// event, and no synthesis is asked for.
#pragma once

#include <string>
#include <vector>

#include "app.hpp"
#include "auth/authenticator.hpp"
#include "http/server.hpp"
#include "porchlight/plan.hpp"

namespace porchlight::proxy {

struct StepsOutcome {
  std::vector<StepNotes> notes;  // in the plan's order; empty text for a step without an answer
  std::size_t answered = 0;
  bool client_gone = false;
};

// Runs `steps` for `payer` (its agent pays), reporting each on `sse`.
awaitable<StepsOutcome> run_plan_steps(App& app, SseStream& sse, const Principal& payer, const std::string& request_id,
                                       std::vector<PlanStep> steps);

}  // namespace porchlight::proxy
