// store/analytics.hpp: the dashboard's figures and the insights' (store.analytics()), over
// [from_day, to_day] inclusive, UTC days ("2026-11-25"). Error codes and threading: store.hpp.
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

  // ---- insights (handlers/insights.cpp) ----
  // Per agent and guidance type: answers given, rated, used (copied or sent), ignored, edited.
  virtual Result<std::vector<GuidanceUseRow>> guidance_use(const Scope& s, const std::string& from_day,
                                                           const std::string& to_day) = 0;
  // Edit distances of the replies agents edited before sending, per agent, smallest first.
  virtual Result<std::vector<EditDistanceRow>> edit_distances(const Scope& s, const std::string& from_day,
                                                              const std::string& to_day) = 0;
  // Objection handling answers per agent by the topic of the agent's question: the first topic
  // (in the given order) one of whose phrases the question holds; "other" when none does.
  virtual Result<std::vector<ObjectionRow>> objections(const Scope& s, const std::string& from_day,
                                                       const std::string& to_day,
                                                       const std::vector<ObjectionTopic>& topics) = 0;
  // Leads whose first inbound message falls in the range, with the first outbound one after it.
  virtual Result<std::vector<FirstResponseRow>> first_responses(const Scope& s, const std::string& from_day,
                                                                const std::string& to_day) = 0;
  // The location's leads (not deleted) first seen by the end of to_day, as they stand now.
  virtual Result<std::vector<OpenLeadRow>> open_leads(const Scope& s, const std::string& to_day) = 0;
  // Outcomes that occurred in the range, per agent and outcome.
  virtual Result<std::vector<OutcomeCountRow>> outcomes_by_agent(const Scope& s, const std::string& from_day,
                                                                 const std::string& to_day) = 0;
};

}  // namespace porchlight::store
