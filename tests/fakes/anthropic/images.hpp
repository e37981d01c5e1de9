// images.hpp: image blocks as the Messages API checks and counts them: a source of type base64
// (media_type one of image/jpeg, image/png, image/gif, image/webp; data base64 of at most 5 MB
// that decodes to an image of that type, no side over 8000 pixels), url or file. Tokens are
// width x height / 750 after the API's own downscale to a 1568-pixel long side and ~1.15 MP.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace porchlight::fake {

// The API's error message for a bad image block at `path` ("messages.0.content.1"), or nullopt.
std::optional<std::string> check_image(const nlohmann::json& block, const std::string& path);

// The tokens an image block costs (an estimate when its size cannot be read).
std::int64_t image_tokens(const nlohmann::json& block);

}  // namespace porchlight::fake
