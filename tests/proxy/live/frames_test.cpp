// live/frames_test.cpp: splitting a stored card batch into the frames a socket sends
// (live/frames.hpp), checked against nlohmann's reading of the same text.
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "live/frames.hpp"

using namespace porchlight::proxy;
using nlohmann::json;

TEST_CASE("a stored batch splits into its frames, byte for byte, with the push id from the last") {
  const json frames = json::array({
      {{"type", "card"}, {"push", "card_1"}, {"card", {{"title", "Ask about {timing} [now]"}, {"why", "she said \"soon\", \\ then }"}}}},
      {{"type", "card"}, {"push", "card_1"}, {"card", {{"items", json::array({1, 2, {{"a", "]"}}})}}}},
      {{"type", "cards_done"}, {"push", "card_1"}, {"lead_message", {{"text", "hola, ¿cuándo? 🏠"}}}},
  });
  const std::string text = frames.dump();
  auto batch = split_frames(text);
  REQUIRE(batch);
  CHECK(batch->push == "card_1");
  REQUIRE(batch->frames.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(batch->frames[i] == frames[i].dump());
  // Whitespace between frames, as another writer may leave it, is not part of them.
  auto spaced = split_frames(frames.dump(2));
  REQUIRE(spaced);
  REQUIRE(spaced->frames.size() == 3);
  CHECK(json::parse(spaced->frames[1]) == frames[1]);
}

TEST_CASE("a batch without a push id has frames and an empty id") {
  auto batch = split_frames(R"([{"type":"card"},{"type":"cards_done"}])");
  REQUIRE(batch);
  CHECK(batch->frames.size() == 2);
  CHECK(batch->push.empty());
  auto none = split_frames("[]");
  REQUIRE(none);
  CHECK(none->frames.empty());
}

TEST_CASE("text that is not an array of objects is refused, never split in the middle") {
  for (const char* bad : {"", "{}", "[", "[1]", "[{}", "[{},]", "[{}{}]", R"([{"a":"}"])", R"([{"a":"x\"}])", "[{]}]",
                          "[{}] x", R"(["{}"])", "[{},1]"})
    CHECK_MESSAGE(!split_frames(bad), bad);
}
