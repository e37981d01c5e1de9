// handlers/coach_steps.cpp: running a compound request's steps (coach_steps.hpp).

#include "handlers/coach_steps.hpp"

#include "porchlight/cost.hpp"
#include "porchlight/json_output.hpp"
#include "upstream/answer.hpp"

namespace porchlight::proxy {

namespace {

using Clock = std::chrono::steady_clock;

struct StepRun {
  std::size_t index = 0;
  PlanStep step;
  std::string text, model;
  Usage usage;
  bool completed = false, cancelled = false, skipped = false;
  std::optional<ApiError> error;
  double cost_usd = 0;
};

std::string_view status_of(const StepRun& r) {
  if (r.cancelled) return "cancelled";
  if (r.skipped) return "skipped";
  return r.error || !r.completed ? "failed" : "done";
}

// Streams one step's notes from Claude; stops at the next event once the client has gone.
awaitable<void> ask_claude(App& app, SseStream& sse, StepRun& run) {
  const RouteDecision& route = run.step.prompt.route;
  TurnRequest turn;
  turn.request.body = std::move(run.step.prompt.body);
  turn.request.model = route.model;
  turn.request.stream = true;
  run.model = route.model;
  upstream::EventSink sink = [&](const upstream::SseEvent& e) -> awaitable<bool> {
    if (!sse.open()) {
      run.cancelled = true;
      co_return false;
    }
    if (e.event == "message_start" || e.event == "message_delta") {
      upstream::read_answer(e.data, run.usage, &run.model);
    } else if (e.event == "content_block_delta") {
      if (auto text = delta_text(e.data)) run.text += *text;
    } else if (e.event == "message_stop") {
      run.completed = true;
    } else if (e.event == "error") {
      run.error = ApiError::from_code("upstream.stream_error", "Claude reported an error in the middle of this step");
    }
    co_return true;
  };
  const TurnReply reply = co_await app.passthrough().stream(std::move(turn), sink);
  const upstream::Response& r = reply.response;
  if (run.cancelled) co_return;
  if (!run.error) run.error = reply_error(r);
  if (r.stream_completed) run.completed = true;
  if (!run.completed && !run.error) run.error = ApiError::from_code("upstream.interrupted", "this step's answer was cut short");
}

awaitable<void> run_step(App& app, SseStream& sse, const Principal& payer, const std::string& request_id, StepRun& run) {
  const RouteDecision& route = run.step.prompt.route;
  const json head = {{"index", run.index}, {"specialist", name_of(run.step.specialist)}, {"tier", name_of(route.tier)}};
  json running = head;
  running["status"] = "running";
  co_await sse.send(name_of(CoachEvent::step), running.dump());
  const auto started = Clock::now();

  Ticket ticket = co_await app.admission().admit(Payer::of(payer), route.estimated_input_tokens + route.estimated_output_tokens,
                                                 Admission::Cost::part);
  if (!ticket) {
    run.skipped = true;
    run.error = ticket.refusal();
  } else if (!sse.open()) {
    run.cancelled = true;
  } else {
    co_await ask_claude(app, sse, run);
    // What Claude billed is spent, whether or not the step finished.
    if (run.usage.input_tokens + run.usage.output_tokens > 0) {
      run.cost_usd = app.admission().price(run.usage, run.model);
      store::UsageRecord u;
      u.agent_id = payer.agent_id;
      u.request_id = request_id + ":step" + std::to_string(run.index + 1);  // the ledger keeps one row per request id
      u.kind = "coach_step";
      u.model = run.model;
      u.usage = run.usage;
      u.cost_usd = run.cost_usd;
      ticket.settle(std::move(u));
    }
  }
  if (run.cancelled || run.error || !run.completed || run.text.find_first_not_of(" \n\t") == std::string::npos) run.text.clear();

  const std::string_view status = status_of(run);
  app.metrics().count("porchlight_plan_steps_total", {{"specialist", std::string(name_of(run.step.specialist))},
                                                      {"result", std::string(status)}});
  json end = head;
  end["status"] = status;
  end["latency_ms"] = static_cast<std::int64_t>(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
  if (!run.model.empty()) end["model"] = run.model;
  end["usage"] = porchlight::to_json(run.usage);
  end["cost_usd"] = round_usd(run.cost_usd);
  if (run.error) end["error"] = {{"type", run.error->type}, {"code", run.error->code}, {"message", run.error->message}};
  co_await sse.send(name_of(CoachEvent::step), end.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

awaitable<StepsOutcome> run_plan_steps(App& app, SseStream& sse, const Principal& payer, const std::string& request_id,
                                       std::vector<PlanStep> steps) {
  std::vector<StepRun> runs(steps.size());
  for (std::size_t i = 0; i < steps.size(); ++i) {
    runs[i].index = i;
    runs[i].step = std::move(steps[i]);
  }
  using namespace net::experimental::awaitable_operators;
  auto run = [&](std::size_t i) { return run_step(app, sse, payer, request_id, runs[i]); };
  if (runs.size() == 2) co_await (run(0) && run(1));
  else if (runs.size() == 3) co_await (run(0) && run(1) && run(2));
  else
    for (std::size_t i = 0; i < runs.size(); ++i) co_await run(i);  // routing.json keeps plans at 2 or 3

  StepsOutcome out;
  for (auto& r : runs) {
    out.client_gone = out.client_gone || r.cancelled;
    if (!r.text.empty()) ++out.answered;
    out.notes.push_back({r.step.specialist, std::move(r.text)});
  }
  out.client_gone = out.client_gone || !sse.open();
  co_return out;
}

}  // namespace porchlight::proxy
