// Tests for the answer scan (server-proxy/src/upstream/answer.cpp): usage and model read out of
// Messages API answers and stream events as the API sends them, and hostile text that must
// neither crash the scan nor be mistaken for usage.
#include <doctest/doctest.h>

#include <string>

#include "upstream/answer.hpp"

using porchlight::Usage;
using porchlight::upstream::json_member;
using porchlight::upstream::read_answer;

namespace {

// A whole answer: the content mentions "usage" in text and in a tool input, which must not count.
const std::string kMessage =
    R"({"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-5-5",)"
    R"("content":[{"type":"text","text":"Say \"usage\": {\"input_tokens\": 999} } ] \\"},)"
    R"({"type":"tool_use","id":"toolu_1","name":"note","input":{"usage":{"input_tokens":777}}}],)"
    R"("stop_reason":"end_turn","stop_sequence":null,)"
    R"( "usage" : {"input_tokens": 13, "cache_creation_input_tokens":40,"cache_read_input_tokens":7,)"
    R"("cache_creation":{"ephemeral_5m_input_tokens":10,"ephemeral_1h_input_tokens":30},)"
    R"("output_tokens":62,"service_tier":"standard"}})";

}  // namespace

TEST_CASE("a whole answer: its own usage and model, never what its content says") {
  Usage u;
  std::string model;
  read_answer(kMessage, u, &model);
  CHECK(u.input_tokens == 13);
  CHECK(u.output_tokens == 62);
  CHECK(u.cache_creation_input_tokens == 40);
  CHECK(u.cache_creation_1h_input_tokens == 30);
  CHECK(u.cache_read_input_tokens == 7);
  CHECK(model == "claude-haiku-5-5");
}

TEST_CASE("stream events: message_start's message.usage, then message_delta's partial usage") {
  Usage u;
  std::string model = "asked-for";
  read_answer(R"({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant",)"
              R"("model":"claude-sonnet-5","content":[],"stop_reason":null,"usage":{"input_tokens":25,)"
              R"("cache_read_input_tokens":2048,"output_tokens":1}}})",
              u, &model);
  CHECK(model == "claude-sonnet-5");
  CHECK(u.input_tokens == 25);
  CHECK(u.cache_read_input_tokens == 2048);
  CHECK(u.output_tokens == 1);
  read_answer(R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
              R"("usage":{"output_tokens":15}})",
              u, &model);
  CHECK(u.output_tokens == 15);
  CHECK(u.input_tokens == 25);  // message_delta did not carry it: kept
  CHECK(model == "claude-sonnet-5");
}

TEST_CASE("web searches Claude ran are read from usage.server_tool_use, whole or streamed") {
  // As the API reports a web search: the server tool's blocks in the content, the count in usage.
  Usage u;
  read_answer(R"({"id":"msg_2","type":"message","role":"assistant","model":"claude-sonnet-5-5","content":[)"
              R"({"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{"query":"Austin median price"}},)"
              R"({"type":"web_search_tool_result","tool_use_id":"srvtoolu_1","content":[{"type":"web_search_result",)"
              R"("url":"https://example.com","title":"t","encrypted_content":"x","page_age":null}]},)"
              R"({"type":"text","text":"About $540k."}],"stop_reason":"end_turn","stop_sequence":null,)"
              R"("usage":{"input_tokens":2100,"output_tokens":90,"server_tool_use":{"web_search_requests":2}}})",
              u);
  CHECK(u.web_search_requests == 2);
  CHECK(u.input_tokens == 2100);
  Usage streamed;
  read_answer(R"({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},)"
              R"("usage":{"output_tokens":40,"server_tool_use":{"web_search_requests":3}}})",
              streamed);
  CHECK(streamed.web_search_requests == 3);
}

TEST_CASE("values that are not integers are left alone") {
  Usage u;
  u.input_tokens = 5;
  read_answer(R"({"usage":{"input_tokens":1.5,"output_tokens":"9","cache_read_input_tokens":2e3,)"
              R"("cache_creation_input_tokens":null}})",
              u);
  CHECK(u.input_tokens == 5);
  CHECK(u.output_tokens == 0);
  CHECK(u.cache_read_input_tokens == 0);
  CHECK(u.cache_creation_input_tokens == 0);
}

TEST_CASE("json_member finds top-level members only, and their exact text") {
  CHECK(json_member(R"({"a":{"b":1},"b":[1,{"c":"}"}]})", "b").value() == R"([1,{"c":"}"}])");
  CHECK(json_member(R"({"a":{"b":1}})", "b") == std::nullopt);
  CHECK(json_member(R"(  {"k" :  true , "z":0})", "k").value() == "true");
  CHECK(json_member(R"({"first":1,"first":2})", "first").value() == "1");
  CHECK(json_member("{}", "a") == std::nullopt);
  // Runs of backslashes before a quote: an odd run escapes it, an even one does not.
  CHECK(json_member(R"({"a":"\\\"}","b":2})", "b").value() == "2");
  CHECK(json_member(R"({"a":"x\\","b":3})", "b").value() == "3");
  CHECK(json_member(R"({"a":"\\\\\"","b":4})", "b").value() == "4");
}

TEST_CASE("broken, truncated and hostile text: no crash, no usage") {
  const std::string cases[] = {"", "null", "[]", "{", R"({"usage")", R"({"usage":)", R"({"usage":{"input_tokens":)",
                               R"({"x":"unterminated)", R"({"x":1 "usage":{"input_tokens":3}})", R"({usage:{}})",
                               R"({"x":"\)", std::string(100000, '['), "{\"x\":" + std::string(100000, '{'),
                               std::string("{\"x\":\"\xff\xfe\",\"usage\":{}}")};
  for (const auto& text : cases) {
    CAPTURE(text.substr(0, 40));
    Usage u;
    std::string model = "kept";
    read_answer(text, u, &model);
    CHECK(u.input_tokens == 0);
    CHECK(u.output_tokens == 0);
    CHECK(model == "kept");
  }
  // Truncated after the usage: what was read stands (the body is forwarded as it came anyway).
  Usage u;
  read_answer(R"({"usage":{"input_tokens":3},"content":[)", u);
  CHECK(u.input_tokens == 3);
}
