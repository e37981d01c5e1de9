// images.cpp: checking and counting image blocks (images.hpp).

#include "images.hpp"

#include <algorithm>
#include <cmath>
#include <string_view>

namespace porchlight::fake {

namespace {

constexpr std::size_t kMaxBase64Bytes = 5 * 1024 * 1024;  // "image exceeds 5 MB maximum"
constexpr std::int64_t kMaxSide = 8000;
constexpr std::int64_t kFallbackTokens = 1568;  // a ~1.15 MP image, when the size is unreadable

std::optional<std::string> decode_base64(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : c == '/' ? 63 : -1;
  };
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t padding = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '=') {
      if (i + 2 < text.size()) return std::nullopt;  // '=' only at the end
      ++padding;
      continue;
    }
    if (padding) return std::nullopt;
    const int v = value(text[i]);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

std::string sniff(std::string_view b) {
  if (b.size() >= 3 && b.substr(0, 3) == "\xff\xd8\xff") return "image/jpeg";
  if (b.size() >= 8 && b.substr(0, 8) == "\x89PNG\r\n\x1a\n") return "image/png";
  if (b.size() >= 6 && (b.substr(0, 6) == "GIF87a" || b.substr(0, 6) == "GIF89a")) return "image/gif";
  if (b.size() >= 12 && b.substr(0, 4) == "RIFF" && b.substr(8, 4) == "WEBP") return "image/webp";
  return "";
}

std::uint32_t be16(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at]) << 8 | static_cast<unsigned char>(b[at + 1]));
}
std::uint32_t le16(std::string_view b, std::size_t at) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at]) | static_cast<unsigned char>(b[at + 1]) << 8);
}
std::uint32_t be32(std::string_view b, std::size_t at) { return be16(b, at) << 16 | be16(b, at + 2); }
std::uint32_t le24(std::string_view b, std::size_t at) {
  return le16(b, at) | static_cast<std::uint32_t>(static_cast<unsigned char>(b[at + 2])) << 16;
}

// Width and height from the image's header, when it can be read.
std::optional<std::pair<std::int64_t, std::int64_t>> dimensions(std::string_view b, const std::string& type) {
  if (type == "image/png" && b.size() >= 24) return std::pair<std::int64_t, std::int64_t>{be32(b, 16), be32(b, 20)};
  if (type == "image/gif" && b.size() >= 10) return std::pair<std::int64_t, std::int64_t>{le16(b, 6), le16(b, 8)};
  if (type == "image/webp" && b.size() >= 30) {
    const std::string_view chunk = b.substr(12, 4);
    if (chunk == "VP8 ") return std::pair<std::int64_t, std::int64_t>{le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff};
    if (chunk == "VP8L" && b.size() >= 25) {
      const std::uint32_t bits = le16(b, 21) | le16(b, 23) << 16;
      return std::pair<std::int64_t, std::int64_t>{(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1};
    }
    if (chunk == "VP8X") return std::pair<std::int64_t, std::int64_t>{le24(b, 24) + 1, le24(b, 27) + 1};
    return std::nullopt;
  }
  if (type == "image/jpeg") {  // the first start-of-frame marker
    std::size_t i = 2;
    while (i + 9 < b.size()) {
      if (static_cast<unsigned char>(b[i]) != 0xff) return std::nullopt;
      const auto marker = static_cast<unsigned char>(b[i + 1]);
      if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc)
        return std::pair<std::int64_t, std::int64_t>{be16(b, i + 7), be16(b, i + 5)};
      i += 2 + be16(b, i + 2);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> check_image(const nlohmann::json& block, const std::string& path) {
  const std::string at = path + ".image.source";
  if (!block.contains("source") || !block["source"].is_object()) return path + ".image.source: Field required";
  const auto& source = block["source"];
  const std::string kind = source.value("type", "");
  if (kind == "url") {
    if (!source.contains("url") || !source["url"].is_string()) return at + ".url.url: Field required";
    return std::nullopt;  // the fake does not fetch
  }
  if (kind == "file") {
    if (!source.contains("file_id") || !source["file_id"].is_string()) return at + ".file.file_id: Field required";
    return std::nullopt;
  }
  if (kind != "base64")
    return at + ": Input tag '" + kind + "' found using 'type' does not match any of the expected tags: 'base64', 'url', 'file'";
  for (const auto& [key, v] : source.items())
    if (key != "type" && key != "media_type" && key != "data") return at + ".base64." + key + ": Extra inputs are not permitted";
  if (!source.contains("media_type")) return at + ".base64.media_type: Field required";
  if (!source.contains("data") || !source["data"].is_string()) return at + ".base64.data: Field required";
  const std::string type = source["media_type"].is_string() ? source["media_type"].get<std::string>() : "";
  if (type != "image/jpeg" && type != "image/png" && type != "image/gif" && type != "image/webp")
    return at + ".base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'";
  const std::string& data = source["data"].get_ref<const std::string&>();
  if (data.size() > kMaxBase64Bytes)
    return at + ".base64: image exceeds 5 MB maximum: " + std::to_string(data.size()) + " bytes > " +
           std::to_string(kMaxBase64Bytes) + " bytes";
  const auto bytes = decode_base64(data);
  if (!bytes || bytes->empty()) return at + ".base64: invalid base64 data";
  const std::string actual = sniff(*bytes);
  if (actual.empty()) return at + ".base64.data: Could not process image";
  if (actual != type)
    return at + ".base64: The image was specified using the " + type + " media type, but the image appears to be a " + actual + " image";
  if (auto d = dimensions(*bytes, type); d && (d->first > kMaxSide || d->second > kMaxSide))
    return at + ".base64.data: At least one of the image dimensions exceed max allowed size: 8000 pixels";
  return std::nullopt;
}

std::int64_t image_tokens(const nlohmann::json& block) {
  if (!block.contains("source") || !block["source"].is_object() || block["source"].value("type", "") != "base64")
    return kFallbackTokens;
  const auto& source = block["source"];
  if (!source.contains("data") || !source["data"].is_string()) return kFallbackTokens;
  // The header is enough: decode the first 64 KiB of base64 at most.
  const std::string& data = source["data"].get_ref<const std::string&>();
  const auto head = decode_base64(std::string_view(data).substr(0, std::min<std::size_t>(data.size(), 65536) / 4 * 4));
  if (!head) return kFallbackTokens;
  const auto d = dimensions(*head, sniff(*head));
  if (!d || d->first <= 0 || d->second <= 0) return kFallbackTokens;
  double w = static_cast<double>(d->first), h = static_cast<double>(d->second);
  const double scale = std::min({1.0, 1568.0 / std::max(w, h), std::sqrt(1.15e6 / (w * h))});
  w = std::floor(w * scale);
  h = std::floor(h * scale);
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(w * h / 750.0)));
}

}  // namespace porchlight::fake
