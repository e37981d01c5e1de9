// Shared fixtures for core tests.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "porchlight/model.hpp"

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

inline bool has_code(const Errors& errors, const std::string& code) {
  for (const auto& e : errors)
    if (e.code == code) return true;
  return false;
}

}  // namespace porchlight::testing
