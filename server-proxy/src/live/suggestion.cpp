// live/suggestion.cpp: a suggested next move for a lead's latest message (live/suggestion.hpp).

#include "live/suggestion.hpp"

#include "handlers/json_util.hpp"
#include "porchlight/json_output.hpp"
#include "porchlight/prompt.hpp"
#include "upstream/answer.hpp"

namespace porchlight::proxy {

namespace {

// The text blocks of a Messages API answer.
std::string answer_text(const std::string& body) {
  std::string text;
  auto j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.contains("content") && j["content"].is_array())
    for (const auto& b : j["content"])
      if (b.is_object() && b.value("type", "") == "text" && b.contains("text") && b["text"].is_string())
        text += b["text"].get<std::string>();
  return text;
}

}  // namespace

awaitable<Suggestion> suggest_reply(App& app, const SuggestionRequest& in, RouteDecision& route) {
  constexpr std::int64_t kMaxTokens = 300;
  Suggestion s;
  RouteRequest rr;
  const std::string via = in.channel.empty() ? "" : " (by " + in.channel + ")";
  rr.query = "The lead just wrote" + via + ": \"" + in.lead_text + "\". What should I reply or do next?";
  rr.profile = in.agent;
  rr.stage = in.stage;
  rr.tier = ModelTier::fast;  // live cards must be quick and cheap
  route = porchlight::route(rr, app.policy());
  const std::string model = app.model_for(ModelTier::fast);

  PromptRequest pr;
  pr.profile = in.agent;
  pr.lead = in.lead;
  pr.stage = in.stage;
  pr.query = rr.query + " Answer in at most three short bullet points.";
  // TCPA: a lead who texted STOP gets no more texts; the coach must not draft one.
  if (!in.may_text)
    pr.query += " The lead has opted out of text messages (STOP): do not suggest texting them; suggest only a channel "
                "they have consented to, or no contact.";
  pr.tier = ModelTier::fast;
  pr.tier_models[static_cast<std::size_t>(ModelTier::fast)] = model;
  pr.max_output_tokens = kMaxTokens;
  TurnRequest turn;
  turn.request.body = build_prompt(pr, app.policy()).body;  // written once, as the core writes it
  turn.request.model = model;
  turn.playbooks = PlaybookContext{route, rr.query, in.agent, in.lead};

  // Only a call that would reach Claude is admitted and paid for, and only while its usage can be
  // recorded; a refused one still gets the playbooks' suggestion.
  Provider* provider = &app.playbooks();
  std::optional<Ticket> ticket;
  if (app.provider().reaches_claude(model) && app.ledger().writable()) {
    ticket.emplace(co_await app.admission().admit(in.payer, route.estimated_input_tokens + kMaxTokens));
    if (*ticket) provider = &app.provider();
    else s.refused = ticket->refusal();
  }
  TurnRequest again = turn;
  TurnReply reply = co_await provider->send(std::move(turn));
  if (!reply.offline && reply.response.status == 200) {
    store::UsageRecord u;
    u.agent_id = in.payer.agent_id;
    u.request_id = in.request_id.empty() ? new_id("req_live_") : in.request_id;
    u.kind = "live";
    u.model = reply.response.model.empty() ? model : reply.response.model;
    upstream::read_answer(reply.response.body, u.usage);
    ticket->settle(std::move(u));
  }
  s.text = answer_text(reply.response.body);
  s.offline = reply.offline;
  if (s.text.empty() && !reply.offline) {  // Claude answered with no text: the playbooks' instead
    reply = co_await app.playbooks().send(std::move(again));
    s.text = answer_text(reply.response.body);
    s.offline = true;
  }
  co_return s;
}

std::vector<json> card_frames(const std::vector<json>& cards, const Suggestion& suggestion, const json& batch_fields) {
  std::vector<json> frames;
  for (const auto& card : cards) {
    json c = card;
    if (c.value("type", "") == "next_best_action" && !suggestion.text.empty()) {
      c["suggestion"] = suggestion.text;
      c["offline"] = suggestion.offline;  // labelled: from the playbooks, not Claude
    }
    json frame = {{"type", "card"}, {"card", c}};
    for (const auto& [k, v] : batch_fields.items()) frame[k] = v;
    frames.push_back(std::move(frame));
  }
  json done = {{"type", "cards_done"}};
  for (const auto& [k, v] : batch_fields.items()) done[k] = v;
  frames.push_back(std::move(done));
  return frames;
}

}  // namespace porchlight::proxy
