// upstream/answer.hpp: what the proxy reads out of Claude's answers, the usage to bill and the
// model that answered, without building a JSON document of a body it forwards as it came.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "porchlight/model.hpp"

namespace porchlight::upstream {

// The JSON text of member `key` of the object `object` (the first one, if repeated). nullopt when
// the member is absent, or when the text is not a well-formed object as far as the scan went.
std::optional<std::string_view> json_member(std::string_view object, std::string_view key);

// Reads a Messages API `usage` object into `usage`. Fields it lacks or holds as anything but an
// integer are left alone: message_delta events carry only some of them.
void read_usage(std::string_view usage_object, Usage& usage);

// The usage of a whole answer: a message's own `usage`, a message_start event's
// `message.usage` or a message_delta event's `usage`, whichever `answer` is. Also the model that
// answered, where the answer names it.
void read_answer(std::string_view answer, Usage& usage, std::string* model = nullptr);

}  // namespace porchlight::upstream
