// Shared fixtures for core tests.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "porchlight/model.hpp"
#include "porchlight/policy.hpp"

namespace porchlight::testing {

inline AgentProfile sample_profile(AgentRole role = AgentRole::buyer_agent,
                                   ExperienceLevel experience = ExperienceLevel::intermediate) {
  AgentProfile p;
  p.id = "agent-1";
  p.location_id = "loc-1";
  p.name = "Dana Whitfield";
  p.role = role;
  p.experience = experience;
  return p;
}

// The built-in policy with router v2 switched off: router v1 (keywords) decides, as it does in a
// browser's core before the v2 weights arrive and in deployments that turn v2 off.
inline const Policy& v1_policy() {
  static const Policy policy = [] {
    auto files = Policy::embedded().files();
    auto routing = nlohmann::json::parse(files.at("routing.json"));
    routing["learned"]["enabled"] = false;
    files["routing.json"] = routing.dump();
    auto made = Policy::from_files(files);
    REQUIRE(made);
    return std::move(made).value();
  }();
  return policy;
}

inline bool has_code(const Errors& errors, const std::string& code) {
  for (const auto& e : errors)
    if (e.code == code) return true;
  return false;
}

}  // namespace porchlight::testing
