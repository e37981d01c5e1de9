// http/gzip.hpp: who takes gzip, and what gzip() writes decompresses to what went in.
#include <doctest/doctest.h>

#include <string>

#include <zlib.h>

#include "http/gzip.hpp"

using namespace porchlight::proxy;

namespace {

std::string gunzip(const std::string& data) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int status = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  CHECK(status == Z_STREAM_END);
  return out;
}

}  // namespace

TEST_CASE("gzip: accepted unless refused (q=0), whatever the spacing and order of the list") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("gzip, deflate, br"));
  CHECK(accepts_gzip("br;q=1.0, gzip;q=0.8"));
  CHECK(accepts_gzip("deflate,  gzip ; q=0.5"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.000"));
  CHECK_FALSE(accepts_gzip("x-gzip2, br"));
}

TEST_CASE("gzip: a gzip stream (magic bytes first) that inflates to the input, and smaller for text") {
  std::string text;
  for (int i = 0; i < 2000; ++i) text += "{\"routing.json\": \"the same words again and again\"} " + std::to_string(i % 7);
  const std::string zipped = gzip(text);
  REQUIRE(zipped.size() > 2);
  CHECK(static_cast<unsigned char>(zipped[0]) == 0x1f);
  CHECK(static_cast<unsigned char>(zipped[1]) == 0x8b);
  CHECK(zipped.size() < text.size() / 10);
  CHECK(gunzip(zipped) == text);
  CHECK(gunzip(gzip("")).empty());
  const std::string binary("\0\xff\x01\x80", 4);
  CHECK(gunzip(gzip(binary)) == binary);
}
