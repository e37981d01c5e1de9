// sse_parser.cpp: SseParser, the incremental text/event-stream parser (WHATWG HTML, "Server-sent
// events", section "Interpreting an event stream").
//
// Lines end with CRLF, LF or CR. The parser splits lines only at CR and LF bytes, which never occur
// inside a multi-byte UTF-8 sequence, so a chunk boundary inside a character needs no special
// handling: the bytes wait in `buffer_` with the rest of their line.
#include "upstream/anthropic_client.hpp"

namespace porchlight::upstream {

namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

}  // namespace

void SseParser::feed(std::string_view chunk, std::vector<SseEvent>& out) {
  // A CR ended the previous chunk: an LF opening this one belongs to the same line end.
  if (skip_lf_ && !chunk.empty()) {
    if (chunk.front() == '\n') chunk.remove_prefix(1);
    skip_lf_ = false;
  }
  // The stream may open with a UTF-8 byte order mark, itself split across chunks.
  while (!bom_checked_ && !chunk.empty()) {
    const std::size_t seen = buffer_.size();
    if (chunk.front() != kByteOrderMark[seen]) {
      bom_checked_ = true;  // not a BOM: the bytes held so far are text after all
      break;
    }
    buffer_.push_back(chunk.front());
    chunk.remove_prefix(1);
    if (buffer_.size() == kByteOrderMark.size()) {
      buffer_.clear();
      bom_checked_ = true;
    }
  }

  std::size_t start = 0;
  while (start < chunk.size()) {
    const std::size_t end = chunk.find_first_of("\r\n", start);
    if (end == std::string_view::npos) {
      buffer_.append(chunk.substr(start));
      return;
    }
    if (buffer_.empty()) {
      process_line(chunk.substr(start, end - start), out);
    } else {
      buffer_.append(chunk.substr(start, end - start));
      process_line(buffer_, out);
      buffer_.clear();
    }
    start = end + 1;
    if (chunk[end] == '\r') {
      if (start == chunk.size()) skip_lf_ = true;
      else if (chunk[start] == '\n') ++start;
    }
  }
}

void SseParser::process_line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    // Blank line: dispatch. No data field since the last dispatch means no event.
    if (has_data_) {
      // Data lines were joined with a trailing '\n' each; the last one is not part of the data.
      if (!current_.data.empty() && current_.data.back() == '\n') current_.data.pop_back();
      out.push_back(std::move(current_));
    }
    current_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // a comment, such as a keep-alive ": ping"

  std::string_view field = line, value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "event") {
    current_.event.assign(value);
  } else if (field == "data") {
    current_.data.append(value);
    current_.data.push_back('\n');
    has_data_ = true;
  }
  // id and retry steer browser reconnection, which this client does not do; others are unknown.
}

}  // namespace porchlight::upstream
