// providers/playbook_provider.cpp: Porchlight's offline playbooks, answering in the Messages API's
// own shapes (a message, or its stream of events), so that every client reads them as it reads
// Claude. The text says in its first line that it is offline guidance; usage is zero.

#include <algorithm>
#include <vector>

#include "porchlight/context.hpp"
#include "porchlight/offline.hpp"
#include "porchlight/json_output.hpp"
#include "providers/provider.hpp"
#include "store/store_util.hpp"

namespace porchlight::proxy {

namespace {

constexpr std::size_t kPieceBytes = 48;  // word-sized deltas, the way Claude streams

json zero_usage() {
  return {{"input_tokens", 0}, {"output_tokens", 0}, {"cache_creation_input_tokens", 0}, {"cache_read_input_tokens", 0}};
}

// The answer cut to the request's max_tokens (about four bytes a token, at a code point's start),
// as the API cuts: the stop reason says so.
struct Answer {
  std::string text;
  std::string stop_reason = "end_turn";
};

Answer within_max_tokens(std::string text, const std::string& request_body) {
  const json body = json::parse(request_body, nullptr, false);
  const auto max_tokens = body.is_object() && body.contains("max_tokens") && body["max_tokens"].is_number_integer()
                              ? body["max_tokens"].get<std::int64_t>() : std::int64_t{0};
  if (max_tokens <= 0 || estimate_tokens(text) <= max_tokens) return {std::move(text)};
  std::size_t end = static_cast<std::size_t>(std::min<std::int64_t>(max_tokens * 4, static_cast<std::int64_t>(text.size())));
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return {std::move(text), "max_tokens"};
}

json message_of(const std::string& model, const std::string& text, const std::string& stop_reason = "end_turn") {
  return {{"id", store::detail::time_ordered_id("msg_offline_")},
          {"type", "message"},
          {"role", "assistant"},
          {"model", model},
          {"content", json::array({{{"type", "text"}, {"text", text}}})},
          {"stop_reason", stop_reason},
          {"stop_sequence", nullptr},
          {"usage", zero_usage()}};
}

json text_delta(std::string text) {
  return {{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}, {"text", std::move(text)}}}};
}

class PlaybookProvider final : public Provider {
 public:
  explicit PlaybookProvider(const Policy& policy) : policy_(policy) {}

  bool reaches_claude(const std::string&) const override { return false; }
  bool offline() const override { return true; }

  awaitable<TurnReply> send(TurnRequest turn) override {
    TurnReply reply;
    reply.offline = true;
    reply.response.status = 200;
    reply.response.model = turn.request.model;
    if (turn.request.path == "/v1/messages/count_tokens")  // the core's documented estimate
      reply.response.body = to_json_text(json{{"input_tokens", estimate_tokens(turn.request.body)}});
    else {
      const Answer a = answer_for(turn);
      reply.response.body = to_json_text(message_of(turn.request.model, a.text, a.stop_reason));
    }
    co_return reply;
  }

  awaitable<TurnReply> stream(TurnRequest turn, upstream::EventSink sink) override {
    TurnReply reply;
    reply.offline = true;
    reply.response.status = 200;
    reply.response.model = turn.request.model;
    const Answer a = answer_for(turn);
    const std::string& text = a.text;
    json start = message_of(turn.request.model, "");
    start["content"] = json::array();
    start["stop_reason"] = nullptr;
    // (Each event is built in a statement of its own: GCC 12 cannot compile a braced list of
    // string literals inside a co_await expression.)
    std::vector<upstream::SseEvent> head = {
        {"message_start", to_json_text(json{{"type", "message_start"}, {"message", start}})},
        {"content_block_start", to_json_text(json{{"type", "content_block_start"},
                                                   {"index", 0},
                                                   {"content_block", {{"type", "text"}, {"text", ""}}}})}};
    for (const auto& e : head) co_await sink(e);
    for (std::size_t at = 0; at < text.size();) {
      std::size_t end = std::min(text.size(), at + kPieceBytes);
      while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;  // whole code points
      const upstream::SseEvent delta{"content_block_delta", to_json_text(text_delta(text.substr(at, end - at)))};
      co_await sink(delta);
      at = end;
    }
    std::vector<upstream::SseEvent> tail = {
        {"content_block_stop", to_json_text(json{{"type", "content_block_stop"}, {"index", 0}})},
        {"message_delta", to_json_text(json{{"type", "message_delta"},
                                            {"delta", {{"stop_reason", a.stop_reason}, {"stop_sequence", nullptr}}},
                                            {"usage", {{"output_tokens", 0}}}})},
        {"message_stop", to_json_text(json{{"type", "message_stop"}})}};
    for (const auto& e : tail) co_await sink(e);
    reply.response.stream_completed = true;
    co_return reply;
  }

 private:
  // A caller's own request (the pass-through) is cut to its max_tokens; coaching's guidance whole.
  Answer answer_for(const TurnRequest& turn) const {
    return turn.playbooks ? Answer{answer(turn)} : within_max_tokens(answer(turn), turn.request.body);
  }

  std::string answer(const TurnRequest& turn) const {
    if (turn.playbooks) {
      const PlaybookContext& c = *turn.playbooks;
      if (c.photos == 0) return offline_answer(c.route, c.query, c.profile, c.lead, policy_);
      // Photos: say plainly that nobody looked at them, then the photo checklist.
      std::string text = offline_answer(c.route, c.query + " reviewing listing photos photo order shoot", c.profile, c.lead, policy_);
      const std::size_t after_label = kOfflineLabel.size();
      text.insert(after_label, "\n\n" + std::string(kOfflinePhotosNotice));
      return text;
    }
    const json body = json::parse(turn.request.body, nullptr, false);
    RouteRequest rr;
    if (body.is_object() && body.contains("messages")) rr.query = last_user_text(body["messages"]);
    rr.profile.name = "agent";
    const RouteDecision decision = route(rr, policy_);
    return offline_answer(decision, rr.query, rr.profile, Lead{}, policy_);
  }

  const Policy& policy_;
};

}  // namespace

std::unique_ptr<Provider> make_playbook_provider(const Policy& policy) { return std::make_unique<PlaybookProvider>(policy); }

std::string last_user_text(const json& messages) {
  if (!messages.is_array()) return {};
  for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
    if (!it->is_object() || it->value("role", "") != "user" || !it->contains("content")) continue;
    const json& content = (*it)["content"];
    if (content.is_string()) return content.get<std::string>();
    std::string text;
    if (content.is_array())
      for (const auto& b : content)
        if (b.is_object() && b.value("type", "") == "text" && b.contains("text") && b["text"].is_string())
          text += b["text"].get<std::string>() + "\n";
    return text;
  }
  return {};
}

std::optional<std::string> delta_text(std::string_view event_data) {
  const json j = json::parse(event_data, nullptr, false);
  if (!j.is_object() || !j.contains("delta") || !j["delta"].is_object() || j["delta"].value("type", "") != "text_delta")
    return std::nullopt;
  return j["delta"].value("text", "");
}

ApiError upstream_error(const upstream::Response& response) {
  ApiError e = ApiError::from_code(response.error->code, response.error->message);
  if (response.retry_after)  // the circuit breaker's cool-down, or the upstream's own retry-after
    e.retry_after = std::chrono::ceil<std::chrono::seconds>(*response.retry_after);
  return e;
}

std::optional<ApiError> reply_error(const upstream::Response& response) {
  if (response.error) return upstream_error(response);
  if (response.status >= 400)
    return ApiError::from_code("upstream.rejected", "Claude refused the request (HTTP " + std::to_string(response.status) + ")");
  return std::nullopt;
}

}  // namespace porchlight::proxy
