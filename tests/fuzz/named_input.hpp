// named_input.hpp: the input of a target that takes a name first, "<name>\n<rest>" (a function,
// a mode, a file of core/data), so that the seeds read as what they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace porchlight::fuzz {

struct NamedInput {
  std::string_view name;
  std::string_view rest;
};

// nullopt when there is no first line: the input is skipped.
inline std::optional<NamedInput> named_input(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return std::nullopt;
  return NamedInput{input.substr(0, newline), input.substr(newline + 1)};
}

}  // namespace porchlight::fuzz
