// store/analytics.hpp: the dashboard's figures (store.analytics()), over [from_day, to_day]
// inclusive, UTC days ("2026-11-25"). Error codes and threading: store.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class Analytics {
 public:
  virtual ~Analytics() = default;
  virtual Result<std::vector<EffectivenessRow>> effectiveness(const Scope& s, const std::string& from_day,
                                                              const std::string& to_day) = 0;
  virtual Result<std::vector<UsageRow>> usage_by_agent(const Scope& s, const std::string& from_day,
                                                       const std::string& to_day) = 0;
  // Latencies of completed answers in the range, fastest first, for percentiles.
  virtual Result<std::vector<LatencyRow>> latencies(const Scope& s, const std::string& from_day,
                                                    const std::string& to_day) = 0;
};

}  // namespace porchlight::store
