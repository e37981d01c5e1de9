// store/coaching_history.hpp: what coaching was given, and how it was judged and turned out
// (store.coaching_history()). Error codes and threading: store.hpp.
#pragma once

#include <optional>
#include <string>

#include <cstdint>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

class CoachingHistory {
 public:
  virtual ~CoachingHistory() = default;
  // The event with what it was given for (an id that exists: store.conflict).
  virtual Result<Done> record(const Scope& s, const CoachingEvent& e, const EventContext& context) = 0;
  Result<Done> record(const Scope& s, const CoachingEvent& e) { return record(s, e, EventContext{}); }
  virtual Result<std::optional<CoachingEvent>> get(const Scope& s, const std::string& id) = 0;
  virtual Result<std::optional<EventContext>> context(const Scope& s, const std::string& id) = 0;
  // These return false when there is no such event in this location.
  virtual Result<bool> add_feedback(const Scope& s, const std::string& event_id, const FeedbackUpdate& f) = 0;
  Result<bool> set_feedback(const Scope& s, const std::string& event_id, Feedback f, const std::string& comment) {
    FeedbackUpdate u;
    u.rating = f;
    u.comment = comment;
    return add_feedback(s, event_id, u);
  }
  virtual Result<bool> set_outcome(const Scope& s, const std::string& event_id, Outcome o) = 0;
  // An agent's events newest first (ids are time-ordered), up to `limit` (1-200), those before
  // the id `before` when it is set: the next page starts before the last id of this one.
  virtual Result<std::vector<CoachingEvent>> list_by_agent(const Scope& s, const std::string& agent_id,
                                                           const std::string& before, std::int64_t limit) = 0;
};

}  // namespace porchlight::store
