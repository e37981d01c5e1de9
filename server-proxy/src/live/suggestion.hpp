// live/suggestion.hpp: what to do about a lead's latest message, for a live card: Claude's fast
// tier when the call can be admitted and its usage recorded, else the playbooks (labelled
// offline). Shared by the live socket and the GoHighLevel worker.
#pragma once

#include <optional>
#include <string>

#include "app.hpp"

namespace porchlight::proxy {

struct Suggestion {
  std::string text;
  bool offline = true;              // the playbooks' text, not Claude's
  std::optional<ApiError> refused;  // the limits or the budget said no
};

struct SuggestionRequest {
  Payer payer;                      // admitted and accounted as this key, location and agent
  AgentProfile agent;
  Lead lead;
  ConversationStage stage = ConversationStage::new_lead;
  std::string lead_text;            // what the lead just wrote
  std::string channel;              // how they wrote (SMS, Email...); empty: unknown
  bool may_text = true;             // false: the lead opted out of texts (STOP)
  std::string request_id;           // the usage record's: the same id is never counted twice
};

// `route` gets the decision the suggestion was made under.
awaitable<Suggestion> suggest_reply(App& app, const SuggestionRequest& request, RouteDecision& route);

// The frames of a batch of cards (each {"type":"card",...}, then {"type":"cards_done",...}),
// with the suggestion put on the next-best-action card.
std::vector<json> card_frames(const std::vector<json>& cards, const Suggestion& suggestion, const json& batch_fields);

}  // namespace porchlight::proxy
