// porchlight/json_output.hpp: JSON text out of the core and the proxy.
//
// The same text as nlohmann's dump() (compact, UTF-8 kept, invalid UTF-8 replaced by U+FFFD),
// written faster: runs of bytes that need no escaping are copied at once. A request body is
// mostly playbook text, and escaping it byte by byte was a third of the core's time per call.
#pragma once

#include <string>
#include <string_view>

#include "porchlight/model.hpp"

namespace porchlight {

std::string to_json_text(const json& value);
// Appends the text of `value` to `out` (no intermediate string).
void append_json_text(std::string& out, const json& value);
// Appends `text` as a JSON string, quotes included (for writers that build JSON text directly).
void append_json_string(std::string& out, std::string_view text);
// The same without the quotes: for a string written in pieces.
void append_json_escaped(std::string& out, std::string_view text);

}  // namespace porchlight
