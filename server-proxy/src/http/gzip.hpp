// http/gzip.hpp: answering in gzip (Content-Encoding) to clients that take it.
#pragma once

#include <string>
#include <string_view>

namespace porchlight::proxy {

// True when an Accept-Encoding header lists gzip without refusing it (q=0).
bool accepts_gzip(std::string_view accept);

// `data` in the gzip format (RFC 1952), at zlib's default level; empty if zlib failed (out of
// memory): send the data as it is then.
std::string gzip(std::string_view data);

}  // namespace porchlight::proxy
