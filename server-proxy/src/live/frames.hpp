// live/frames.hpp: a stored batch of card frames (the JSON array the worker writes, one card's
// frames then its cards_done) split into the frames' texts as sent, without building the JSON of
// the whole batch: a batch is split once for every socket the agent holds, at up to a thousand
// cards a second.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace porchlight::proxy {

struct FrameBatch {
  std::vector<std::string> frames;  // each a JSON object's text, byte for byte as stored
  std::string push;                 // the batch's push id (read from its last frame); may be empty
};

// Nullopt when the text is not an array of objects (a stored card from a bug or another version).
std::optional<FrameBatch> split_frames(std::string_view array_text);

}  // namespace porchlight::proxy
