// handlers/conversations.cpp: what an agent's conversations left behind: the transcript of a
// conversation, and feedback and outcomes on a coaching event.

#include "handlers/access.hpp"
#include "handlers/handlers.hpp"
#include "handlers/json_util.hpp"
#include "handlers/learning.hpp"

namespace porchlight::proxy {

namespace {

using json_input::FieldReader;
using json_input::Need;

// The coaching event, if the principal may see it (browsers: their agent's, or their team's as
// a team lead, and only their token's lead's when it names one).
awaitable<std::optional<CoachingEvent>> visible_event(App& app, Exchange& ex, const Principal& p, const std::string& id) {
  auto query_13 = [&app, scope = p.scope, id] { return app.store().coaching_history().get(scope, id); };
  auto e = co_await app.blocking(query_13);
  if (!e) { co_await app.fail(ex, e.errors()); co_return std::nullopt; }
  bool visible = e.value() && co_await may_see_agent(app, p, e.value()->agent_id);
  if (visible && p.browser() && !p.claims.lead_id.empty()) {  // the event's conversation says whose lead it was
    auto conversation_of = [&app, scope = p.scope, cid = e.value()->conversation_id] {
      return app.store().transcript().get_conversation(scope, cid);
    };
    auto conv = co_await app.blocking(conversation_of);
    if (!conv) { co_await app.fail(ex, conv.errors()); co_return std::nullopt; }
    visible = conv.value() && conv.value()->lead_id == p.claims.lead_id;
  }
  if (!visible) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no coaching event " + id + " here"));
    co_return std::nullopt;
  }
  co_return e.value();
}

}  // namespace

// What the agent made of a coaching event: a rating with its reason and comment, an outcome, the
// size of their edit of a drafted reply (its text only where the location keeps it), a copy or a
// send. A rating of an experiment's event re-evaluates the experiment (learn/experiments.hpp).
awaitable<void> feedback(App& app, Exchange& ex, const Principal& p) {
  auto body = co_await read_json_body(app, ex, 80 * 1024);
  if (!body) co_return;
  Errors errors;
  FieldReader r(*body, "feedback", "", errors);
  r.reject_unknown({"event_id", "rating", "comment", "outcome", "reason", "edit_distance", "edited_text", "action"});
  auto id = r.id("event_id", Need::required);
  store::FeedbackUpdate update;
  update.rating = r.enumeration<Feedback>("rating", Need::optional);
  auto outcome = r.enumeration<Outcome>("outcome", Need::optional);
  update.comment = r.string("comment", Need::optional, 2000, true);
  update.reason = r.string("reason", Need::optional, 200, true);
  update.edit_distance = r.integer("edit_distance", Need::optional, 0, 1'000'000);
  auto edited = r.string("edited_text", Need::optional, 64 * 1024, true);
  auto action = r.string("action", Need::optional, 16);
  if (action && *action != "copy" && *action != "send")
    r.add("invalid_action", "action", "expected \"copy\" (the agent copied the answer) or \"send\" (sent it to the lead)");
  update.copied = action && *action == "copy";
  update.sent = action && *action == "send";
  if (edited && !update.edit_distance) r.add("missing_edit_distance", "edit_distance", "an edited_text comes with its edit_distance");
  if (!update.rating && !outcome && !update.edit_distance && !action && !update.reason && errors.empty())
    r.add("missing_rating", "rating", "give a rating (helpful, not_helpful), an outcome, an edit_distance or an action");
  if (!errors.empty()) { co_await app.fail(ex, errors); co_return; }
  if (!co_await visible_event(app, ex, p, *id)) co_return;
  if (edited) {  // the text of an edit is the location's to keep or not
    auto read_settings = [&app, scope = p.scope] { return app.store().outcomes().settings(scope); };
    auto settings = co_await app.blocking(read_settings);
    if (!settings) { co_await app.fail(ex, settings.errors()); co_return; }
    if (settings->keep_edited_text) update.edited_text = *edited;
  }
  auto query_14 = [&app, scope = p.scope, id = *id, update] { return app.store().coaching_history().add_feedback(scope, id, update); };
  auto ok = co_await app.blocking(query_14);
  if (!ok) { co_await app.fail(ex, ok.errors()); co_return; }
  if (outcome) {
    auto query_15 = [&app, scope = p.scope, id = *id, o = *outcome] { return app.store().coaching_history().set_outcome(scope, id, o); };
    auto saved = co_await app.blocking(query_15);
    if (!saved) { co_await app.fail(ex, saved.errors()); co_return; }
  }
  if (update.rating) co_await reevaluate_experiment_of(app, p.scope, *id);
  app.metrics().count("porchlight_feedback_total", {{"rating", update.rating ? std::string(name_of(*update.rating)) : "none"},
                                                    {"action", action.value_or("none")}});
  co_await app.send_json(ex, 200, JSON_OBJ({{"event_id", *id}, {"rating", update.rating ? name_of(*update.rating) : "unchanged"},
                                   {"outcome", outcome ? name_of(*outcome) : "unchanged"}, {"saved", true},
                                   {"edited_text_kept", !update.edited_text.empty()}}));
}

// A conversation and its messages, oldest first (?after=SEQ&limit=N).
awaitable<void> conversation_messages(App& app, Exchange& ex, const Principal& p) {
  const std::string id = ex.params[0];
  auto query_16 = [&app, scope = p.scope, id] { return app.store().transcript().get_conversation(scope, id); };
  auto conv = co_await app.blocking(query_16);
  if (!conv) { co_await app.fail(ex, conv.errors()); co_return; }
  if (!conv.value() || !co_await may_see(app, p, *conv.value())) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no conversation " + id + " here"));
    co_return;
  }
  std::int64_t after = 0, limit = 200;
  if (!parse_count(ex.query_param("after"), 0, INT64_MAX, after) || !parse_count(ex.query_param("limit"), 1, 500, limit)) {
    co_await app.fail(ex, ApiError::from_code("request.invalid_query", "after and limit must be integers (limit 1-500)"));
    co_return;
  }
  auto query_17 = [&app, scope = p.scope, id, after, limit] { return app.store().transcript().list_messages(scope, id, after, limit); };
  auto list = co_await app.blocking(query_17);
  if (!list) { co_await app.fail(ex, list.errors()); co_return; }
  json data = json::array();
  for (const auto& m : list.value()) {
    json item = to_json(m);
    if (m.status == store::MessageStatus::streaming && stream_went_stale(m, app.config().stream_stale_after))
      item["status"] = "incomplete";  // its proxy stopped writing it
    data.push_back(std::move(item));
  }
  co_await app.send_json(ex, 200, JSON_OBJ({{"conversation", to_json(*conv.value())}, {"data", data}}));
}

// An agent's coaching history, newest first, a page at a time (?before=EVENT_ID&limit=N, at most
// 200): its own for an agent, its team's for a team lead, everyone's for a location admin or a
// secret key. Each event with its feedback and outcome; `next` is the cursor of the next page.
awaitable<void> agent_history(App& app, Exchange& ex, const Principal& p) {
  const std::string agent_id = ex.params[0];
  std::int64_t limit = 50;
  const std::string before = ex.query_param("before");
  if (!parse_count(ex.query_param("limit"), 1, 200, limit) || (!before.empty() && !is_valid_id(before))) {
    co_await app.fail(ex, ApiError::from_code("request.invalid_query", "limit is 1-200 and before an event id"));
    co_return;
  }
  if (!co_await may_see_agent(app, p, agent_id)) {
    co_await app.fail(ex, ApiError::from_code("not_found", "no agent " + agent_id + " whose history this caller may read"));
    co_return;
  }
  auto query_18 = [&app, scope = p.scope, agent_id, before, limit] {
    return app.store().coaching_history().list_by_agent(scope, agent_id, before, limit);
  };
  auto events = co_await app.blocking(query_18);
  if (!events) { co_await app.fail(ex, events.errors()); co_return; }
  json data = json::array();
  for (const auto& e : events.value()) data.push_back(porchlight::to_json(e));
  const json next = static_cast<std::int64_t>(events->size()) == limit ? json(events->back().id) : json(nullptr);
  co_await app.send_json(ex, 200, JSON_OBJ({{"agent_id", agent_id}, {"data", data}, {"next", next}}));
}

}  // namespace porchlight::proxy
