// Tests for SseParser (server-proxy/src/upstream/sse_parser.cpp): a realistic Anthropic stream
// split at every byte, with LF, CRLF and CR line ends, and the WHATWG field rules one by one.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "upstream/anthropic_client.hpp"

using porchlight::upstream::SseEvent;
using porchlight::upstream::SseParser;

namespace {

// A streamed Messages answer as the API sends it, plus what a parser must tolerate: a `ping`
// event, a comment, an event type it does not know with id and retry fields, `data:` without the
// space, data over two lines, and text with 2-, 3- and 4-byte UTF-8 characters.
const std::string kStream =
    "event: message_start\n"
    "data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\","
    "\"model\":\"claude-sonnet-4-5\",\"content\":[],\"stop_reason\":null,\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\n"
    "\n"
    "event: content_block_start\n"
    "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n"
    "\n"
    "event: ping\n"
    "data: {\"type\": \"ping\"}\n"
    "\n"
    ": keep-alive\n"
    "\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Bonjour, ça va? \"}}\n"
    "\n"
    "event: content_block_delta\n"
    "data:{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"日本の家 🏠 \"}}\n"
    "\n"
    "event: some_future_event\n"
    "id: 7\n"
    "retry: 1000\n"
    "data: {\"type\":\"some_future_event\"}\n"
    "\n"
    "event: content_block_delta\n"
    "data: {\"type\":\"content_block_delta\",\"index\":0,\n"
    "data: \"delta\":{\"type\":\"text_delta\",\"text\":\"€ done\"}}\n"
    "\n"
    "event: content_block_stop\n"
    "data: {\"type\":\"content_block_stop\",\"index\":0}\n"
    "\n"
    "event: message_delta\n"
    "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},"
    "\"usage\":{\"output_tokens\":15}}\n"
    "\n"
    "event: message_stop\n"
    "data: {\"type\":\"message_stop\"}\n"
    "\n";

const char* const kText = "Bonjour, ça va? 日本の家 🏠 € done";

const std::vector<std::string> kEventNames = {
    "message_start",       "content_block_start", "ping",          "content_block_delta",
    "content_block_delta", "some_future_event",   "content_block_delta", "content_block_stop",
    "message_delta",       "message_stop"};

std::string with_line_ends(const std::string& lf_text, const std::string& line_end) {
  std::string out;
  for (char c : lf_text) {
    if (c == '\n') out += line_end;
    else out += c;
  }
  return out;
}

std::vector<SseEvent> parse_in(const std::vector<std::string_view>& chunks) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (auto chunk : chunks) parser.feed(chunk, events);
  return events;
}

std::vector<SseEvent> parse(std::string_view text) { return parse_in({text}); }

bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].event != b[i].event || a[i].data != b[i].data) return false;
  return true;
}

// The text of the text deltas, joined: what a user would see.
std::string text_of(const std::vector<SseEvent>& events) {
  std::string text;
  for (const auto& e : events) {
    if (e.event != "content_block_delta") continue;
    auto data = nlohmann::json::parse(e.data, nullptr, false);
    REQUIRE_FALSE(data.is_discarded());
    text += data["delta"]["text"].get<std::string>();
  }
  return text;
}

}  // namespace

TEST_CASE("SSE parser: a realistic Anthropic stream, in one piece") {
  const auto events = parse(kStream);
  REQUIRE(events.size() == kEventNames.size());
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].event == kEventNames[i]);
  CHECK(events[2].data == "{\"type\": \"ping\"}");
  CHECK(events[6].data ==
        "{\"type\":\"content_block_delta\",\"index\":0,\n\"delta\":{\"type\":\"text_delta\",\"text\":\"€ done\"}}");
  CHECK(events.back().data == "{\"type\":\"message_stop\"}");
  CHECK(text_of(events) == kText);
}

TEST_CASE("SSE parser: every split point, with LF, CRLF and CR line ends") {
  const auto expected = parse(kStream);
  for (const std::string line_end : {"\n", "\r\n", "\r"}) {
    CAPTURE(line_end.size());
    const std::string stream = with_line_ends(kStream, line_end);
    REQUIRE(same(parse(stream), expected));
    const std::string_view text = stream;
    for (std::size_t split = 0; split <= text.size(); ++split) {
      const auto events = parse_in({text.substr(0, split), text.substr(split)});
      if (!same(events, expected)) FAIL("split at byte " << split << " changed the events");
    }
    // One byte at a time: every boundary at once.
    SseParser parser;
    std::vector<SseEvent> events;
    for (std::size_t i = 0; i < text.size(); ++i) parser.feed(text.substr(i, 1), events);
    CHECK(same(events, expected));
    CHECK(parser.buffered() == 0);
  }
}

TEST_CASE("SSE parser: every pair of split points through the UTF-8 deltas, CRLF line ends") {
  const std::string lf_part =
      "event: content_block_delta\n"
      "data: {\"delta\":{\"text\":\"ça 日本 🏠\"}}\n"
      "\n"
      ": ping\n"
      "\n"
      "event: content_block_delta\n"
      "data:{\"delta\":{\"text\":\" €\"}}\n"
      "\n";
  const std::string stream = with_line_ends(lf_part, "\r\n");
  const auto expected = parse(stream);
  REQUIRE(expected.size() == 2);
  CHECK(text_of(expected) == "ça 日本 🏠 €");
  const std::string_view text = stream;
  for (std::size_t a = 0; a <= text.size(); ++a) {
    for (std::size_t b = a; b <= text.size(); ++b) {
      const auto events = parse_in({text.substr(0, a), text.substr(a, b - a), text.substr(b)});
      if (!same(events, expected)) FAIL("splits at bytes " << a << " and " << b << " changed the events");
    }
  }
}

TEST_CASE("issue: SSE parser splits UTF-8 across chunks") {
  // Each multi-byte character split at each of its inner boundaries must come out byte for byte.
  for (const std::string character : {"é", "日", "🏠"}) {
    const std::string stream = "event: content_block_delta\ndata: {\"text\":\"a" + character + "b\"}\n\n";
    const auto at = stream.find(character);
    for (std::size_t inner = 1; inner < character.size(); ++inner) {
      const std::string_view text = stream;
      const auto events = parse_in({text.substr(0, at + inner), text.substr(at + inner)});
      REQUIRE(events.size() == 1);
      CHECK(events[0].data == "{\"text\":\"a" + character + "b\"}");
    }
  }
}

TEST_CASE("SSE parser: CRLF split between CR and LF is one line end, not two") {
  // Were the LF taken as a second line end, the blank line would dispatch early, with no event name.
  const auto events = parse_in({"event: ping\r", "\ndata: x\r", "\n\r", "\n"});
  REQUIRE(events.size() == 1);
  CHECK(events[0].event == "ping");
  CHECK(events[0].data == "x");
}

TEST_CASE("SSE parser: field rules") {
  SUBCASE("data with and without the space; only one space is removed") {
    const auto events = parse("data:a\n\ndata: b\n\ndata:  c\n\n");
    REQUIRE(events.size() == 3);
    CHECK(events[0].data == "a");
    CHECK(events[1].data == "b");
    CHECK(events[2].data == " c");
  }
  SUBCASE("multi-line data is joined with LF") {
    const auto events = parse("data: one\ndata:\ndata: three\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "one\n\nthree");
  }
  SUBCASE("a field name without a colon has an empty value") {
    const auto events = parse("data\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data.empty());
  }
  SUBCASE("comments, id, retry and unknown fields are ignored") {
    const auto events = parse(": ping\nid: 1\nretry: 5\nfoo: bar\nevent: x\ndata: y\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].event == "x");
    CHECK(events[0].data == "y");
  }
  SUBCASE("an event without data is not dispatched, and its name does not leak into the next") {
    const auto events = parse("event: lonely\n\ndata: z\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].event.empty());  // "" is the default type, "message"
    CHECK(events[0].data == "z");
  }
  SUBCASE("only comments and blank lines: nothing") {
    CHECK(parse(": ping\n\n: ping\n\n\n").empty());
  }
  SUBCASE("an event cut before its blank line is held, not dispatched") {
    SseParser parser;
    std::vector<SseEvent> events;
    parser.feed("event: message_stop\ndata: {}\n", events);
    CHECK(events.empty());
    parser.feed("data: partial", events);
    CHECK(events.empty());
    CHECK(parser.buffered() == std::string("{}\n").size() + std::string("data: partial").size());
    parser.feed("\n\n", events);
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "{}\npartial");
  }
  SUBCASE("a leading byte order mark is dropped, even when split") {
    const std::string stream = "\xEF\xBB\xBF" "data: a\n\n";
    for (std::size_t split = 0; split <= 3; ++split) {
      const std::string_view text = stream;
      const auto events = parse_in({text.substr(0, split), text.substr(split)});
      REQUIRE(events.size() == 1);
      CHECK(events[0].data == "a");
    }
  }
  SUBCASE("a byte order mark later in the stream is data") {
    const auto events = parse("data: \xEF\xBB\xBFx\n\n");
    REQUIRE(events.size() == 1);
    CHECK(events[0].data == "\xEF\xBB\xBFx");
  }
}
