// scenario.hpp: a playground scenario: one buildPrompt request with a name and an optional
// expectation, as read from and written to JSON files (the format is in docs/playground.md), and
// the file helpers the playground shares (policy folders, bounded reads).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "porchlight/error.hpp"
#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"
#include "porchlight/prompt.hpp"

namespace porchlight::playground {

// What a scenario says the router must decide; the regression view and --dump check it.
struct Expectation {
  std::optional<Specialist> specialist;
  std::optional<ModelTier> tier;
};

struct Scenario {
  std::string name;
  PromptRequest request;  // `stream` stays false: only the send path streams
  std::optional<Expectation> expect;
};

// Reads a scenario object. `default_name` is used when the file has no "name" (its file stem).
// Errors carry the core's codes ("profile.invalid_role") or "scenario.*" for scenario fields.
Result<Scenario> scenario_from_json(const json& j, std::string_view default_name);
json to_json(const Scenario& scenario);

// The scenario the window opens with when no file is given.
Scenario example_scenario();

// Files. Errors: "file.cannot_read", "file.too_large", "file.cannot_write", "request.*" (the
// text is not well-formed JSON) and the scenario's own codes.
Result<std::string> read_text_file(const std::filesystem::path& file, std::size_t max_bytes = 1 << 20);
Result<Scenario> load_scenario(const std::filesystem::path& file);
Errors save_scenario(const Scenario& scenario, const std::filesystem::path& file);
Errors write_text_file(const std::filesystem::path& file, const std::string& text);

// An edited copy of core/data, loaded with Policy::from_files ("policy.cannot_read" when the
// folder cannot be listed, or the policy's own errors).
Result<Policy> load_policy_folder(const std::filesystem::path& dir);

// One line per error, "  code: message", for stderr and the status lines of the window.
std::string describe(const Errors& errors);

}  // namespace porchlight::playground
