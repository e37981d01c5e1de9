// embedded_data.hpp (internal): the files of core/data/, compiled in by cmake/embed_data.cmake.
#pragma once

#include <cstddef>
#include <string_view>

namespace porchlight::detail {

struct EmbeddedFile {
  std::string_view path;  // relative to core/data, with forward slashes
  std::string_view content;
};

extern const EmbeddedFile kEmbeddedFiles[];
extern const std::size_t kEmbeddedFileCount;

}  // namespace porchlight::detail
