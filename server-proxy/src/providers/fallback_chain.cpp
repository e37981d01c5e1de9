// providers/fallback_chain.cpp: one provider, then the next. The next answers when the first
// cannot reach Claude for the model (no key, its circuit open), or when it failed (a transport
// error, an HTTP error status, an `error` event) before any text reached the client: an answer
// that has begun is never restarted by another writer.

#include "porchlight/json_output.hpp"
#include "providers/provider.hpp"

namespace porchlight::proxy {

namespace {

// Why `r` is not an answer, if it is not one.
std::optional<Error> failure_of(const upstream::Response& r, bool error_event) {
  if (r.error) return r.error;
  if (r.status != 200)
    return Error{"upstream.rejected", "Claude refused the request (HTTP " + std::to_string(r.status) + ")", ""};
  if (error_event) return Error{"upstream.stream_error", "Claude reported an error mid-answer", ""};
  return std::nullopt;
}

class FallbackChain final : public Provider {
 public:
  FallbackChain(Provider& first, Provider& next) : first_(first), next_(next) {}

  bool reaches_claude(const std::string& model) const override {
    return first_.reaches_claude(model) || next_.reaches_claude(model);
  }

  awaitable<TurnReply> send(TurnRequest turn) override {
    if (!first_.reaches_claude(turn.request.model)) co_return co_await next_.send(std::move(turn));
    TurnRequest again = turn;
    TurnReply reply = co_await first_.send(std::move(turn));
    auto failed = failure_of(reply.response, false);
    if (!failed) co_return reply;
    TurnReply fallback = co_await next_.send(std::move(again));
    fallback.claude_error = std::move(failed);
    co_return fallback;
  }

  awaitable<TurnReply> stream(TurnRequest turn, upstream::EventSink sink) override {
    if (!first_.reaches_claude(turn.request.model)) co_return co_await next_.stream(std::move(turn), sink);
    TurnRequest again = turn;
    bool text_sent = false, error_event = false;
    upstream::EventSink watched = [&](const upstream::SseEvent& e) -> awaitable<bool> {
      if (e.event == "content_block_delta") text_sent = true;
      if (e.event == "error") error_event = true;
      co_return co_await sink(e);
    };
    TurnReply reply = co_await first_.stream(std::move(turn), watched);
    auto failed = failure_of(reply.response, error_event);
    if (!failed || text_sent) co_return reply;
    const upstream::SseEvent notice{std::string(kFallbackEvent),
                                    to_json_text(json{{"code", failed->code}, {"message", failed->message}})};
    co_await sink(notice);
    TurnReply fallback = co_await next_.stream(std::move(again), sink);
    fallback.claude_error = std::move(failed);
    co_return fallback;
  }

 private:
  Provider& first_;
  Provider& next_;
};

}  // namespace

std::unique_ptr<Provider> make_fallback_chain(Provider& first, Provider& next) {
  return std::make_unique<FallbackChain>(first, next);
}

}  // namespace porchlight::proxy
