// store/outcomes.hpp: leads' outcomes as the CRM reports them, credited to the lead's recent
// coaching, and each location's learning settings (store.outcomes()). Error codes and threading:
// store.hpp.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/records.hpp"

namespace porchlight::store {

struct RecordedOutcome {
  LeadOutcome outcome;  // as stored, with the coaching events credited
  bool created = false; // false: the same (source, external_id) was recorded before; that one is returned
};

class Outcomes {
 public:
  virtual ~Outcomes() = default;
  // Records the outcome once per (source, external_id), in one transaction with its attribution:
  // the lead's coaching events from the location's attribution window before occurred_at (four
  // times as long for under_contract and closed_*; up to 200, newest first) are credited, and
  // their outcome moves up to this one (never down the funnel). The id, attributed and
  // recorded_at are the store's. store.invalid for an occurred_at in the future.
  virtual Result<RecordedOutcome> record(const Scope& s, const LeadOutcome& o) = 0;
  // Outcomes that occurred in [from, to), newest first, up to `limit` (1-5000).
  virtual Result<std::vector<LeadOutcome>> list(const Scope& s, const std::string& from, const std::string& to,
                                                std::int64_t limit) = 0;
  virtual Result<LearningSettings> settings(const Scope& s) = 0;  // the defaults until set
  virtual Result<Done> put_settings(const Scope& s, const LearningSettings& settings) = 0;
};

}  // namespace porchlight::store
