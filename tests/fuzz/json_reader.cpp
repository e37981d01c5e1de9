// fuzz_json_reader: the core's reader of untrusted JSON, json_input::parse_untrusted
// (core/src/json_reader.cpp), which every request to the core and the proxy goes through.
//
// Input: any bytes, read as the JSON text. Checks, beyond "no crash, no sanitizer report":
//   - it agrees with nlohmann's own parser, which it replaces for speed: the same documents are
//     accepted (when within the size and depth limits) and they hold the same values;
//   - what it accepts, written again with dump(), reads back as the same value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "porchlight/json_input.hpp"

namespace {

using porchlight::json;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_json_reader: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const porchlight::json_input::ParseLimits limits{};
  const auto ours = porchlight::json_input::parse_untrusted(text, limits);
  if (!ours) {
    const std::string& code = ours.errors().front().code;
    if (code == "request.too_large" || code == "request.too_deep") return 0;
    // nlohmann reads a NUL byte as the end of its input ("1\0x" is 1 to it): ours refuses it.
    if (std::memchr(data, 0, size) != nullptr) return 0;
    if (!json::parse(text, nullptr, false).is_discarded()) fail("refused a document nlohmann accepts");
    return 0;
  }
  const json theirs = json::parse(text, nullptr, false);
  if (theirs.is_discarded()) fail("accepted a document nlohmann refuses");
  if (theirs != ours.value()) fail("read a different value from nlohmann's");
  const auto again = porchlight::json_input::parse_untrusted(ours.value().dump(), limits);
  if (!again || again.value() != ours.value()) fail("its value, dumped, reads back differently");
  return 0;
}
