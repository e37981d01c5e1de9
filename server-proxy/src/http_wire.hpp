// http_wire.hpp: HTTP/1.1 messages with a complete body, written as two buffers (the head
// rendered straight into one string, then the body). Beast's serializer does the same through
// layers of buffer views, at about 20k instructions a message; the proxy writes two per request.
// Streams (SSE, chunked) still go through Beast.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "net.hpp"

namespace porchlight {

// Appends "name: value\r\n". A control character in either makes a head that clients refuse
// (a NUL, a BEL) or misread (a CR or LF ends the field early and lets the rest be read as more
// headers): such a field is left out. None is expected: every value is the proxy's own or came
// through Beast's parser; a handler that echoes decoded text (a query parameter) must not break
// the answer.
inline void append_field(std::string& head, std::string_view name, std::string_view value) {
  const auto has_control = [](std::string_view s) {
    return std::any_of(s.begin(), s.end(), [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
  };
  if (has_control(name) || has_control(value)) return;
  head.append(name).append(": ").append(value).append("\r\n");
}

// The head of a request built with Beast (method, target, version and fields, in order).
inline std::string request_head(const http::request<http::string_body>& req) {
  std::string head;
  head.reserve(512);
  head.append(req.method_string()).append(" ").append(req.target()).append(req.version() == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  for (const auto& f : req) append_field(head, f.name_string(), f.value());
  return head.append("\r\n");
}

// Writes the head (ending in its blank line) and the body in one gather write.
template <class Stream, class Token>
auto async_write_message(Stream& stream, const std::string& head, std::string_view body, Token&& token) {
  return net::async_write(stream, std::array<net::const_buffer, 2>{net::buffer(head), net::buffer(body)},
                          std::forward<Token>(token));
}

}  // namespace porchlight
