// providers/provider.hpp: where an answer comes from. Handlers ask a Provider for a turn in the
// Messages API's own terms (a request; an answer body, or its stream of events) and do not care
// whether Claude or the playbooks wrote it; the reply says which, so the answer can be labelled.
//
//   anthropic    Claude, through the upstream client (retries, model fallbacks, circuit breakers)
//   playbooks    Porchlight's offline playbooks, as a Messages API answer (no tokens, no cost)
//   fallback     a chain: the first provider, then the next when the first cannot be reached or
//                fails before any text streamed
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "api_error.hpp"
#include "metrics.hpp"
#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/route.hpp"
#include "upstream/anthropic_client.hpp"

namespace porchlight::proxy {

// What the playbooks answer from: the routed specialist, the agent and the lead.
struct PlaybookContext {
  RouteDecision route;
  std::string query;
  AgentProfile profile;
  Lead lead;
  std::size_t photos = 0;  // attached photos, which the playbooks cannot look at (they say so)
};

struct TurnRequest {
  upstream::Request request;  // the Messages API request (or a count_tokens one)
  // For an answer from the playbooks. Without it they route the request's last user text for an
  // agent they know nothing about.
  std::optional<PlaybookContext> playbooks;
};

struct TurnReply {
  upstream::Response response;
  bool offline = false;               // the playbooks answered: label it; nothing to pay for
  std::optional<Error> claude_error;  // why a fallback chain left Claude
};

// A fallback chain sends this event to a stream's sink when it leaves a provider that failed for
// the next one; its data is {"code","message"} of the failure. Events of the next provider follow.
inline constexpr std::string_view kFallbackEvent = "porchlight.fallback";

class Provider {
 public:
  virtual ~Provider() = default;
  // True when a call for `model` would reach Claude now (configured, its circuit closed): such a
  // call is admitted and paid for.
  virtual bool reaches_claude(const std::string& model) const = 0;
  // True when every answer comes from the playbooks (no Claude behind this provider at all).
  virtual bool offline() const { return false; }
  virtual awaitable<TurnReply> send(TurnRequest turn) = 0;
  // Streams the answer's events to `sink` (Messages API events, in order).
  virtual awaitable<TurnReply> stream(TurnRequest turn, upstream::EventSink sink) = 0;
};

std::unique_ptr<Provider> make_anthropic_provider(upstream::AnthropicClient& client, Metrics& metrics);
std::unique_ptr<Provider> make_playbook_provider(const Policy& policy);
// `first`, then `next` when `first` cannot reach Claude or fails before any text streamed. Both
// must outlive the chain.
std::unique_ptr<Provider> make_fallback_chain(Provider& first, Provider& next);

// The text of the last user message of a Messages request's `messages`: what routing looks at.
std::string last_user_text(const json& messages);

// Reading a streamed answer, for every caller that streams one (a coaching answer, a plan's step):
// the text a content_block_delta event's data adds (nullopt for any other delta), and why a reply
// brought no usable answer (its transport failure, or the HTTP error Claude answered with).
std::optional<std::string> delta_text(std::string_view event_data);
std::optional<ApiError> reply_error(const upstream::Response& response);
// The typed failure of a response that has one (response.error), with its retry-after.
ApiError upstream_error(const upstream::Response& response);

}  // namespace porchlight::proxy
