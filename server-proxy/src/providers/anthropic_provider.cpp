// providers/anthropic_provider.cpp: Claude, through the upstream client, with the upstream's
// latency metrics: time to the response headers, to the first content delta of a stream, and
// in all, per model.

#include <chrono>

#include "providers/provider.hpp"

namespace porchlight::proxy {

namespace {

using Clock = std::chrono::steady_clock;

class UpstreamTimer {
 public:
  UpstreamTimer(Metrics& metrics, const std::string& model) : metrics_(metrics), model_(model) {}

  void on_event(std::string_view event) {  // the first content_block_delta is the TTFT
    if (!first_token_ || event != "content_block_delta") return;
    first_token_ = false;
    metrics_.observe("porchlight_upstream_ttft_seconds", {{"model", model_}}, seconds_since(started_));
  }

  void finish(const upstream::Response& response) {
    metrics_.observe("porchlight_upstream_duration_seconds", {{"model", model_}}, seconds_since(started_));
    if (response.status > 0)  // the upstream answered (0 ms is a real figure on loopback)
      metrics_.observe("porchlight_upstream_ttfb_seconds", {{"model", model_}},
                       std::chrono::duration<double>(response.ttfb).count());
  }

 private:
  static double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

  Metrics& metrics_;
  const std::string& model_;
  Clock::time_point started_ = Clock::now();
  bool first_token_ = true;
};

class AnthropicProvider final : public Provider {
 public:
  AnthropicProvider(upstream::AnthropicClient& client, Metrics& metrics) : client_(client), metrics_(metrics) {}

  bool reaches_claude(const std::string& model) const override { return !client_.circuit_open(model); }

  awaitable<TurnReply> send(TurnRequest turn) override {
    TurnReply reply;
    if (turn.request.path != "/v1/messages") {  // token counting: not an answer, not timed
      reply.response = co_await client_.send(std::move(turn.request));
      co_return reply;
    }
    const std::string model = turn.request.model;
    UpstreamTimer timer(metrics_, model);
    reply.response = co_await client_.send(std::move(turn.request));
    timer.finish(reply.response);
    co_return reply;
  }

  awaitable<TurnReply> stream(TurnRequest turn, upstream::EventSink sink) override {
    const std::string model = turn.request.model;
    UpstreamTimer timer(metrics_, model);
    upstream::EventSink timed = [&](const upstream::SseEvent& e) -> awaitable<bool> {
      timer.on_event(e.event);
      co_return co_await sink(e);
    };
    TurnReply reply;
    reply.response = co_await client_.stream(std::move(turn.request), timed);
    timer.finish(reply.response);
    co_return reply;
  }

 private:
  upstream::AnthropicClient& client_;
  Metrics& metrics_;
};

}  // namespace

std::unique_ptr<Provider> make_anthropic_provider(upstream::AnthropicClient& client, Metrics& metrics) {
  return std::make_unique<AnthropicProvider>(client, metrics);
}

}  // namespace porchlight::proxy
