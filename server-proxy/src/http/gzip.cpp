// http/gzip.cpp: gzip for answers (http/gzip.hpp).

#include "http/gzip.hpp"

#include <zlib.h>

namespace porchlight::proxy {

bool accepts_gzip(std::string_view accept) {
  std::size_t at = 0;
  while (at < accept.size()) {
    std::size_t end = accept.find(',', at);
    if (end == std::string_view::npos) end = accept.size();
    std::string_view item = accept.substr(at, end - at);
    at = end + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    const std::size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    while (!coding.empty() && coding.back() == ' ') coding.remove_suffix(1);
    if (coding != "gzip") continue;
    if (semi == std::string_view::npos) return true;
    std::string_view q = item.substr(semi + 1);
    while (!q.empty() && q.front() == ' ') q.remove_prefix(1);
    return !(q.rfind("q=0", 0) == 0 && q.find_first_not_of("q=0.") == std::string_view::npos);
  }
  return false;
}

std::string gzip(std::string_view data) {
  z_stream z{};
  // windowBits 15 + 16: the gzip wrapper (header and CRC-32), not zlib's own.
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (status != Z_STREAM_END) return {};
  return out;
}

}  // namespace porchlight::proxy
