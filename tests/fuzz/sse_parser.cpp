// fuzz_sse_parser: upstream::SseParser (server-proxy/src/upstream/sse_parser.cpp), which reads
// Claude's streamed answers as they arrive, in chunks split anywhere.
//
// Input: the stream's bytes. They are fed whole, a byte at a time, and in chunks of 0 to 16
// bytes chosen by a hash of the input; each way must give the events that a one-shot reading of
// the WHATWG rules ("Interpreting an event stream") gives, and hold fewer bytes than it was fed.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "upstream/anthropic_client.hpp"

namespace {

using porchlight::upstream::SseEvent;
using porchlight::upstream::SseParser;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_sse_parser: %s\n", what);
  std::abort();
}

// The rules, read once over the whole stream: a leading BOM dropped; lines end at CRLF, LF or
// CR; a blank line dispatches the event when a data field was seen; a last line without its end
// is not processed.
std::vector<SseEvent> reference(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  std::vector<SseEvent> out;
  SseEvent event;
  std::string data;
  bool has_data = false;
  for (std::size_t at = 0;;) {
    const std::size_t end = s.find_first_of("\r\n", at);
    if (end == std::string_view::npos) break;
    const std::string_view line = s.substr(at, end - at);
    at = end + 1;
    if (s[end] == '\r' && at < s.size() && s[at] == '\n') ++at;
    if (line.empty()) {
      if (has_data) {
        event.data = data.substr(0, data.size() - 1);  // without the last data line's LF
        out.push_back(event);
      }
      event = SseEvent{};
      data.clear();
      has_data = false;
      continue;
    }
    if (line[0] == ':') continue;
    const std::size_t colon = line.find(':');
    const std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? std::string_view{} : line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field == "event") event.event = std::string(value);
    if (field == "data") {
      data.append(value).push_back('\n');
      has_data = true;
    }
  }
  return out;
}

bool same(const std::vector<SseEvent>& a, const std::vector<SseEvent>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i].event != b[i].event || a[i].data != b[i].data) return false;
  return true;
}

void check(const SseParser& parser, const std::vector<SseEvent>& events, const std::vector<SseEvent>& expected,
           std::size_t fed) {
  if (!same(events, expected)) fail("the events differ from the rules' one-shot reading");
  if (parser.buffered() > fed) fail("holds more bytes than it was fed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view stream(reinterpret_cast<const char*>(data), size);
  const std::vector<SseEvent> expected = reference(stream);

  {
    SseParser parser;
    std::vector<SseEvent> events;
    parser.feed(stream, events);
    check(parser, events, expected, size);
  }
  {
    SseParser parser;
    std::vector<SseEvent> events;
    for (std::size_t i = 0; i < size; ++i) parser.feed(stream.substr(i, 1), events);
    check(parser, events, expected, size);
  }
  {
    std::uint64_t state = 0xcbf29ce484222325ULL;  // FNV-1a of the input, then a xorshift
    for (char c : stream) state = (state ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
    state |= 1;  // xorshift stays at zero
    SseParser parser;
    std::vector<SseEvent> events;
    for (std::size_t at = 0; at <= size;) {
      state ^= state << 13, state ^= state >> 7, state ^= state << 17;
      const std::size_t n = state % 17;  // empty chunks included: a read may return nothing new
      parser.feed(stream.substr(at, n), events);
      at += n == 0 && at == size ? 1 : n;
    }
    check(parser, events, expected, size);
  }
  return 0;
}
