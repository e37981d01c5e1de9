// json_reader.hpp (internal): the core's own short names for porchlight/json_input.hpp.
#pragma once

#include "porchlight/json_input.hpp"

namespace porchlight::detail {
using json_input::FieldReader;
using json_input::in_quotes;
using json_input::Need;
using json_input::parse_untrusted;
using json_input::ParseLimits;
using json_input::type_name;
}  // namespace porchlight::detail
