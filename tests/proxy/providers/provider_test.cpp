// providers/provider_test.cpp: the playbooks as a Messages API answer, and the fallback chain's
// rules (server-proxy/src/providers/), with scripted providers in place of Claude.
#include <doctest/doctest.h>

#include <vector>

#include "porchlight/offline.hpp"
#include "providers/provider.hpp"
#include "support.hpp"

using namespace porchlight;
using namespace porchlight::proxy;
using porchlight::test::run;

namespace {

TurnRequest coaching_turn(bool stream) {
  TurnRequest t;
  t.request.model = "claude-test";
  t.request.stream = stream;
  t.request.body = R"({"model":"claude-test","max_tokens":100,"messages":[{"role":"user","content":"How do I answer a low offer?"}]})";
  return t;
}

// Collects a stream's events.
struct Events {
  std::vector<upstream::SseEvent> list;
  upstream::EventSink sink() {
    return [this](const upstream::SseEvent& e) -> awaitable<bool> {
      list.push_back(e);
      co_return true;
    };
  }
  std::string text() const {
    std::string out;
    for (const auto& e : list)
      if (e.event == "content_block_delta") out += json::parse(e.data)["delta"]["text"].get<std::string>();
    return out;
  }
  bool has(std::string_view name) const {
    for (const auto& e : list)
      if (e.event == name) return true;
    return false;
  }
};

// A provider that plays Claude from a script: its events, then its final response.
class Scripted final : public Provider {
 public:
  bool reachable = true;
  std::vector<upstream::SseEvent> events;
  upstream::Response response;
  int calls = 0;

  bool reaches_claude(const std::string&) const override { return reachable; }
  awaitable<TurnReply> send(TurnRequest) override {
    ++calls;
    co_return TurnReply{response, false, std::nullopt};
  }
  awaitable<TurnReply> stream(TurnRequest, upstream::EventSink sink) override {
    ++calls;
    for (const auto& e : events) co_await sink(e);
    co_return TurnReply{response, false, std::nullopt};
  }
};

upstream::SseEvent delta(const std::string& text) {
  return {"content_block_delta", json{{"type", "content_block_delta"}, {"index", 0}, {"delta", {{"type", "text_delta"}, {"text", text}}}}.dump()};
}

}  // namespace

TEST_CASE("playbooks: a streamed answer is the Messages API's event sequence around the offline text") {
  net::io_context io;
  auto playbooks = make_playbook_provider(Policy::embedded());
  CHECK(playbooks->offline());
  CHECK_FALSE(playbooks->reaches_claude("claude-test"));
  Events events;
  const TurnReply reply = run(io, playbooks->stream(coaching_turn(true), events.sink()));
  CHECK(reply.offline);
  CHECK(reply.response.status == 200);
  CHECK(reply.response.stream_completed);
  REQUIRE(events.list.size() >= 6);
  CHECK(events.list.front().event == "message_start");
  CHECK(events.list.back().event == "message_stop");
  CHECK(json::parse(events.list.front().data)["message"]["usage"]["input_tokens"] == 0);
  CHECK(events.text().rfind(std::string(kOfflineLabel), 0) == 0);  // labelled in its first line
  for (const auto& e : events.list) CHECK_FALSE(json::parse(e.data, nullptr, false).is_discarded());
}

TEST_CASE("playbooks: a whole message, with the context given; an estimate for token counting") {
  net::io_context io;
  auto playbooks = make_playbook_provider(Policy::embedded());
  TurnRequest turn = coaching_turn(false);
  RouteRequest rr;
  rr.query = "Give me comps for 12 Oak St";
  turn.playbooks = PlaybookContext{route(rr), rr.query, AgentProfile{}, Lead{}};
  const TurnReply reply = run(io, playbooks->send(turn));
  const json message = json::parse(reply.response.body);
  CHECK(message["type"] == "message");
  CHECK(message["stop_reason"] == "end_turn");
  CHECK(message["content"][0]["text"].get<std::string>() == offline_answer(turn.playbooks->route, rr.query, AgentProfile{}, Lead{}));

  TurnRequest count = coaching_turn(false);
  count.request.path = "/v1/messages/count_tokens";
  const json counted = json::parse(run(io, playbooks->send(count)).response.body);
  CHECK(counted["input_tokens"].get<std::int64_t>() > 0);
}

TEST_CASE("fallback chain: Claude out of reach goes straight to the playbooks, without a notice") {
  net::io_context io;
  Scripted claude;
  claude.reachable = false;
  auto playbooks = make_playbook_provider(Policy::embedded());
  auto chain = make_fallback_chain(claude, *playbooks);
  Events events;
  const TurnReply reply = run(io, chain->stream(coaching_turn(true), events.sink()));
  CHECK(reply.offline);
  CHECK_FALSE(reply.claude_error);
  CHECK(claude.calls == 0);
  CHECK_FALSE(events.has(kFallbackEvent));
}

TEST_CASE("fallback chain: Claude failing before any text hands over, with the failure in a fallback event") {
  net::io_context io;
  Scripted claude;
  claude.events = {{"message_start", R"({"type":"message_start","message":{"usage":{"input_tokens":12}}})"}};
  claude.response.status = 529;
  auto playbooks = make_playbook_provider(Policy::embedded());
  auto chain = make_fallback_chain(claude, *playbooks);
  Events events;
  const TurnReply reply = run(io, chain->stream(coaching_turn(true), events.sink()));
  CHECK(reply.offline);
  REQUIRE(reply.claude_error);
  CHECK(reply.claude_error->code == "upstream.rejected");
  REQUIRE(events.has(kFallbackEvent));
  CHECK(events.text().rfind(std::string(kOfflineLabel), 0) == 0);

  // An error event mid-stream, before any text, is a failure too.
  Scripted errs;
  errs.events = {{"error", R"({"type":"error","error":{"type":"overloaded_error"}})"}};
  errs.response.status = 200;
  auto chain2 = make_fallback_chain(errs, *playbooks);
  Events events2;
  CHECK(run(io, chain2->stream(coaching_turn(true), events2.sink())).offline);
}

TEST_CASE("fallback chain: an answer that has begun is never restarted by the playbooks") {
  net::io_context io;
  Scripted claude;
  claude.events = {delta("Start with ")};
  claude.response.status = 200;
  claude.response.error = Error{"upstream.interrupted", "cut", ""};
  auto playbooks = make_playbook_provider(Policy::embedded());
  auto chain = make_fallback_chain(claude, *playbooks);
  Events events;
  const TurnReply reply = run(io, chain->stream(coaching_turn(true), events.sink()));
  CHECK_FALSE(reply.offline);
  REQUIRE(reply.response.error);
  CHECK(reply.response.error->code == "upstream.interrupted");
  CHECK(events.text() == "Start with ");
  CHECK_FALSE(events.has(kFallbackEvent));
}

TEST_CASE("fallback chain: send() falls back on a failed answer and passes a good one through") {
  net::io_context io;
  auto playbooks = make_playbook_provider(Policy::embedded());
  Scripted claude;
  claude.response.status = 200;
  claude.response.body = R"({"content":[{"type":"text","text":"from Claude"}]})";
  auto chain = make_fallback_chain(claude, *playbooks);
  const TurnReply good = run(io, chain->send(coaching_turn(false)));
  CHECK_FALSE(good.offline);
  CHECK(good.response.body == claude.response.body);

  claude.response.status = 0;
  claude.response.error = Error{"upstream.unavailable", "connection refused", ""};
  const TurnReply bad = run(io, chain->send(coaching_turn(false)));
  CHECK(bad.offline);
  REQUIRE(bad.claude_error);
  CHECK(bad.claude_error->code == "upstream.unavailable");
}
